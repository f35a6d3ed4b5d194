"""Erasure and export reach a profile's people: deleteProfile, deleteMyAccount, exportMyData."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from tests.account.test_export import download
from tests.conftest import Clock, LocalS3
from tests.operations import operation
from tests.people.conftest import Person, reason
from tests.people.test_queries import seed
from tests.sync.conftest import new_id
from tether.chat.facts import MEMORY
from tether.services import Services
from tether.settings import Settings
from tether.storage import partition
from tether.storage import people as store
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.sync.engine import Mutation


@pytest.fixture
def settings(settings: Settings, s3: LocalS3) -> Settings:
    return dataclasses.replace(settings, media_bucket=s3.bucket, s3_endpoint=s3.endpoint)


def test_delete_profile_leaves_zero_items_and_members_see_access_revoked(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    seed(services, learner, people_clock)
    fact = new_id()  # a fact of the profile's long-term memory goes with it too
    services.sync.push(
        learner,
        "learner-phone",
        [Mutation(1, people_clock.now, MEMORY, "save", {"id": fact, "text": "Sings at dawn"})],
    )
    teacher.accept(parent.invite(learner, "TEACHER"))
    open_code = parent.invite(learner, "CAREGIVER")  # still open when the profile goes
    teacher.gql.data(operation("Pieces"), {"profileId": learner})  # an access-log entry too
    assert partition.count(user_key(learner)) > 5
    assert reason(parent.errors(operation("DeleteProfile"), profileId=learner, confirm="delete")) == (
        "BAD_USER_INPUT",
        None,
    )
    assert reason(teacher.errors(operation("DeleteProfile"), profileId=learner, confirm="DELETE")) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    erased = parent.data(operation("DeleteProfile"), profileId=learner, confirm="DELETE")["deleteProfile"]
    assert erased["complete"] is True
    assert erased["itemsDeleted"] > 5
    assert partition.count(user_key(learner)) == 0  # nothing of the profile is left ...
    assert get_record(user_key(learner), MEMORY.sort_key(fact)) is None
    caregiver = person("caregiver")
    assert reason(caregiver.errors(operation("AcceptInvite"), code=open_code)) == (
        "NOT_FOUND",
        "INVITE_NOT_FOUND",
    )  # ... nor its invites
    assert reason(teacher.gql(operation("Pieces"), {"profileId": learner})["errors"]) == (
        "FORBIDDEN",
        "ACCESS_REVOKED",
    )
    assert set(parent.profiles()) == {parent.id}
    assert set(teacher.profiles()) == {teacher.id}
    # The members' marks keep no personal data: only that the profile is gone.
    mark = next(r for r in store.reaches(teacher.id) if r.profile_id == learner)
    assert mark.revoked is True
    assert mark.name is None
    # Deleting again is safe (a call cut short is finished by the next one).
    again = parent.data(operation("DeleteProfile"), profileId=learner, confirm="DELETE")["deleteProfile"]
    assert (again["complete"], again["itemsDeleted"]) == (True, 0)
    kinds = [
        e.kind
        for e in services.people.directory.audit.entries()
        if e.details.get("profile") == services.people.directory.audit.subject(learner)
    ]
    assert kinds[-1] == "profile.deleted"


def test_deleting_an_account_erases_its_managed_profiles_and_ends_every_membership(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher, grandma, other_parent = (
        person("parent"),
        person("teacher"),
        person("grandma"),
        person("other"),
    )
    learners = [parent.create_profile(name) for name in ("Keala", "Noe")]
    for learner in learners:
        seed(services, learner, people_clock)
        teacher.accept(parent.invite(learner, "TEACHER"))
    grandma.accept(parent.invite(parent.id, "CAREGIVER"))  # the parent shares its own profile
    elsewhere = other_parent.create_profile("Kai")
    parent.accept(other_parent.invite(elsewhere, "GUARDIAN"))  # and helps with another family's
    result = parent.gql.data(operation("DeleteMyAccount"), {"confirm": "DELETE"})["deleteMyAccount"]
    assert result["complete"] is True
    for learner in learners:
        assert partition.count(user_key(learner)) == 0
        assert reason(teacher.gql(operation("Pieces"), {"profileId": learner})["errors"]) == (
            "FORBIDDEN",
            "ACCESS_REVOKED",
        )
    assert partition.count(user_key(parent.id)) == 0
    assert reason(grandma.gql(operation("Sessions"), {"profileId": parent.id})["errors"]) == (
        "FORBIDDEN",
        "ACCESS_REVOKED",
    )
    assert [
        m["accountId"] for m in other_parent.data(operation("Members"), profileId=elsewhere)["members"]
    ] == [other_parent.id]


def test_an_export_includes_the_managed_profiles_the_account_owns(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher = person("parent"), person("teacher")
    owned = parent.create_profile("Keala")
    piece, session = seed(services, owned, people_clock)
    teacher.accept(parent.invite(owned, "TEACHER"))
    teacher.gql.data(operation("Pieces"), {"profileId": owned})
    not_owned = teacher.create_profile("Someone else's")
    parent.accept(teacher.invite(not_owned, "GUARDIAN"))
    document = download(parent.gql.data(operation("ExportMyData"))["exportMyData"]["url"])
    assert [p["user"]["id"] for p in document["profiles"]] == [owned]
    exported = document["profiles"][0]
    assert [r["id"] for r in exported["records"]["piece"]] == [piece]
    assert [r["id"] for r in exported["records"]["session"]] == [session]
    kinds = {entry["type"] for entry in exported["other"]}
    assert {"access", "member", "people_profile"} <= kinds  # its access log and memberships too
    access = [entry["attributes"] for entry in exported["other"] if entry["type"] == "access"]
    assert [(a["account_id"], a["operation"]) for a in access] == [(teacher.id, "pieces")]
