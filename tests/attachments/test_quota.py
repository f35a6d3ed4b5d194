"""The quota of a profile: reserved atomically when an upload URL is issued, settled on completion,
QUOTA_EXCEEDED with the numbers, stale reservations released after a day (injected clock)."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest

from tests.attachments.conftest import PDF, Phone, declared, put, upload_url
from tests.conftest import Clock, GraphQLClient
from tests.sync.conftest import T0, new_id
from tether.attachments import ATTACHMENTS
from tether.errors import Forbidden
from tether.media import Media
from tether.settings import Settings
from tether.sync.engine import Mutation, SyncEngine
from tether.uploads import Uploads

MB = 1024 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A 1 MiB quota per profile."""
    return dataclasses.replace(settings, attachment_quota_mb=1)


@pytest.fixture
def uploads(settings: Settings, engine: SyncEngine, media: Media, clock: Clock) -> Uploads:
    return Uploads(settings, engine, media, clock)


def pending(engine: SyncEngine, user_id: str, size: int) -> str:
    attachment_id = new_id()
    fields = {**declared(PDF), "byteSize": size, "id": attachment_id}
    payload = {"id": attachment_id, "name": fields["name"], "content_type": fields["contentType"]}
    payload |= {"byte_size": size, "sha256": fields["sha256"]}
    (result,) = engine.push(
        user_id, f"phone-{attachment_id}", [Mutation(1, T0, ATTACHMENTS, "save", payload)]
    ).results
    assert result.status == "APPLIED"
    return attachment_id


def race(uploads: Uploads, user: str, ids: list[str]) -> list[Any]:
    """Ask for the upload URLs at the same moment, one thread each; their URLs or refusals."""
    barrier = threading.Barrier(len(ids))
    outcomes: list[Any] = []

    def ask(attachment_id: str) -> None:
        barrier.wait()
        try:
            outcomes.append(uploads.upload_url(user, attachment_id))
        except Forbidden as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=ask, args=(attachment_id,)) for attachment_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_uploads_racing_for_the_last_space_exactly_one_gets_a_url(
    uploads: Uploads, engine: SyncEngine, user_id: str
) -> None:
    for _ in range(3):
        user = f"{user_id}-{new_id()}"
        ids = [pending(engine, user, 600 * 1024) for _ in range(2)]
        outcomes = race(uploads, user, ids)
        refused = [outcome for outcome in outcomes if isinstance(outcome, Forbidden)]
        assert (len(outcomes), len(refused)) == (2, 1), outcomes
        assert refused[0].extensions["reason"] == "QUOTA_EXCEEDED"
        assert refused[0].extensions["reservedBytes"] == 600 * 1024
        assert uploads.quota(user).reserved == 600 * 1024


def test_quota_exceeded_says_the_numbers_and_asking_again_reserves_nothing_more(
    gql: GraphQLClient, settings: Settings
) -> None:
    phone = Phone(gql, "phone")
    first, second = declared(PDF), declared(PDF, byteSize=MB)  # the whole quota
    phone.save_attachment("2026-03-01T09:00:00Z", **first)
    phone.save_attachment("2026-03-01T09:00:01Z", **second)
    phone.push()
    upload = upload_url(gql, first["id"])
    upload_url(gql, first["id"])  # a fresh URL for the same file holds no more
    body = gql("mutation($id: ID!) { attachmentUploadUrl(id: $id) { url } }", {"id": second["id"]})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["reason"] == "QUOTA_EXCEEDED"
    assert {
        k: error["extensions"][k] for k in ("quotaBytes", "usedBytes", "reservedBytes", "requestedBytes")
    } == {
        "quotaBytes": settings.attachment_quota_mb * MB,
        "usedBytes": 0,
        "reservedBytes": len(PDF),
        "requestedBytes": MB,
    }
    assert put(upload, PDF).status_code == 200


def test_completion_settles_the_reservation_and_deletion_gives_it_back(
    uploads: Uploads, engine: SyncEngine, user_id: str, media: Media
) -> None:
    attachment_id = pending(engine, user_id, len(PDF))
    upload = uploads.upload_url(user_id, attachment_id)
    assert uploads.quota(user_id).reserved == len(PDF)
    assert (
        put(
            {"url": upload.url, "headers": [{"name": k, "value": v} for k, v in upload.headers.items()]}, PDF
        ).status_code
        == 200
    )
    uploads.complete(user_id, attachment_id)
    usage = uploads.quota(user_id)
    assert (usage.used, usage.reserved) == (len(PDF), 0)
    (result,) = engine.push(
        user_id, "phone", [Mutation(1, T0, ATTACHMENTS, "delete", {"id": attachment_id})]
    ).results
    uploads.after_push(user_id, [result])
    usage = uploads.quota(user_id)
    assert (usage.used, usage.reserved) == (0, 0)


def test_a_reservation_never_completed_is_released_after_a_day(
    uploads: Uploads, engine: SyncEngine, user_id: str, clock: Clock
) -> None:
    stale = pending(engine, user_id, 700 * 1024)
    uploads.upload_url(user_id, stale)
    later = pending(engine, user_id, 700 * 1024)
    with pytest.raises(Forbidden):
        uploads.upload_url(user_id, later)
    clock.advance(hours=23, minutes=59)
    with pytest.raises(Forbidden):
        uploads.upload_url(user_id, later)
    clock.advance(minutes=2)
    uploads.upload_url(user_id, later)  # the day-old reservation was given back
    assert uploads.quota(user_id).reserved == 700 * 1024
