"""Consent per profile: a guardian records a learner's consents; chat checks the learner's."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from tests.operations import operation
from tests.people.conftest import Person, ProfileDevice, device_of, reason
from tests.sync.conftest import at, new_id
from tether.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, required_consents="chat=ai_chat")


def consent(person: Person, profile_id: str | None, granted: bool = True) -> None:
    person.data(
        operation("RecordConsent"),
        input={"kind": "ai_chat", "granted": granted, "version": "2026-01", "profileId": profile_id},
    )


def replies(device: ProfileDevice) -> list[str]:
    """The assistant's written replies on the device (a reply waiting for consent has no text)."""
    return [
        r["text"]
        for r in device.local.values()
        if r.get("__list") == "chatMessages" and r.get("role") == "ASSISTANT" and r.get("text")
    ]


def test_chat_in_a_managed_profile_needs_the_profiles_consent(person: Callable[[str], Person]) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    consent(parent, None)  # the parent's own consent does not cover the learner
    tablet = device_of(parent, "tablet", learner)
    thread = new_id()
    tablet.change(at(0), saveChatThread={"id": thread, "title": "t"})
    tablet.change(at(1), sendChatMessage={"id": new_id(), "threadId": thread, "text": "aloha"})
    assert {r["status"] for r in tablet.push()["results"]} == {"APPLIED"}  # kept, not answered
    tablet.sync_all()
    assert replies(tablet) == []
    # Only the profile's managers record its consents.
    errors = teacher.errors(
        operation("RecordConsent"),
        input={"kind": "ai_chat", "granted": True, "version": "2026-01", "profileId": learner},
    )
    assert reason(errors) == ("FORBIDDEN", "NOT_PERMITTED")
    consent(parent, learner)
    found = parent.data(operation("Consents"), profileId=learner)["consents"]
    assert [(c["kind"], c["granted"]) for c in found] == [("ai_chat", True)]
    assert reason(teacher.errors(operation("Consents"), profileId=learner)) == ("FORBIDDEN", "NOT_PERMITTED")
    tablet.change(at(2), sendChatMessage={"id": new_id(), "threadId": thread, "text": "again"})
    tablet.push()
    tablet.sync_all()
    assert len(replies(tablet)) >= 1
