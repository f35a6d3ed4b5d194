"""Account fixtures: a local S3-compatible server (moto) for exports and erasure, and the table's items."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from ulid import ULID

from tests.conftest import LocalS3
from tests.deploy.lambda_support import FakeLambdaContext
from tether.media import Media
from tether.settings import Settings
from tether.storage import partition
from tether.storage.keys import user_key


@pytest.fixture
def settings(settings: Settings, s3: LocalS3) -> Settings:
    """The test settings with the media bucket on the local S3."""
    return dataclasses.replace(settings, media_bucket=s3.bucket, s3_endpoint=s3.endpoint)


@pytest.fixture
def media(settings: Settings) -> Media:
    return Media(settings)


def items(user_id: str) -> list[dict[str, Any]]:
    """Every item of the user's partition, as plain values."""
    return [partition.plain(raw) for page in partition.pages(user_key(user_id)) for raw in page]


def objects(media: Media, user_id: str) -> list[str]:
    """Every object version and delete marker under the user's prefix."""
    pages = media.client.get_paginator("list_object_versions").paginate(
        Bucket=media.bucket, Prefix=f"users/{user_id}/"
    )
    return [
        item["Key"] for page in pages for name in ("Versions", "DeleteMarkers") for item in page.get(name, [])
    ]


class Clocks:
    """The wall clock and the containers' monotonic clock (account caches), both moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        self.seconds = 0.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds


def new_id() -> str:
    return str(ULID())


def fill_account(gql: Any, media: Media, user_id: str) -> dict[str, str]:
    """Data in every collection and kind of item there is: pieces (one deleted), sessions (with index
    entries), listening progress and its statistics counters, bookmarks, a chat thread with a message
    and the assistant's reply (and the chat budget), a fact of long-term memory, preferences, two devices, consents, the
    profile, and S3 objects."""
    from tests.operations import operation
    from tests.sync.conftest import Device, at

    phone, tablet = Device(gql, "phone"), Device(gql, "tablet")
    piece, gone, session = new_id(), new_id(), new_id()
    phone.save_piece(at(0), id=piece, title="Oli Aloha", tags=["greeting"], lyrics="E ala e")
    phone.save_piece(at(1), id=gone, title="Draft")
    phone.change(at(2), deletePiece={"id": gone})
    phone.save_session(at(3), id=session, pieceId=piece, startedAt=at(0), durationSeconds=600, rating=4)
    phone.change(
        at(4), savePreferences={"timeZone": "Pacific/Honolulu", "custom": [{"key": "theme", "value": "dark"}]}
    )
    body = gql(
        operation("SyncPush"),
        {"input": {"clientId": "phone", "mutations": phone.queue, "device": {"name": "Ada's phone"}}},
    )
    assert "errors" not in body, body
    tablet.save_session(at(5), id=new_id(), trackId="track-1", startedAt=at(5))
    tablet.change(
        at(6), recordProgress={"trackId": "track-1", "positionSeconds": 30, "listenedSecondsDelta": 30}
    )
    tablet.change(
        at(7), saveBookmark={"id": new_id(), "trackId": "track-1", "positionSeconds": 12.5, "label": "Breath"}
    )
    thread = new_id()
    tablet.change(at(8), saveChatThread={"id": thread, "title": "Practice"})
    tablet.change(
        at(9), sendChatMessage={"id": new_id(), "threadId": thread, "text": "How long should I practise?"}
    )
    fact = new_id()
    tablet.change(at(10), saveMemory={"id": fact, "text": "Practises in the evening", "pinned": True})
    tablet.push()
    gql.data(operation("Me"))
    for kind, granted in (("privacy", True), ("ai_chat", True), ("ai_chat", False)):
        gql.data(operation("RecordConsent"), {"input": {"kind": kind, "granted": granted, "version": "1"}})
    prefix = f"users/{user_id}/"
    media.client.put_object(Bucket=media.bucket, Key=f"{prefix}audio/take-1.m4a", Body=b"first")
    media.client.put_object(Bucket=media.bucket, Key=f"{prefix}audio/take-1.m4a", Body=b"second version")
    return {"piece": piece, "deleted_piece": gone, "session": session, "thread": thread, "fact": fact}


def drain_erasures(handler: Callable[..., dict[str, Any]], clocks: Clocks, *, year: int) -> None:
    """The clock moved to a year of this test's own, and every deletion other tests of this worker
    left queued before it erased: the job's counts are then this test's alone, in any test order."""
    clocks.now = clocks.now.replace(year=year)
    handler({"tetherJob": "erase-due-accounts"}, FakeLambdaContext())
