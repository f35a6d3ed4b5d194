"""syncPush: exactly once, patches, rejections, tombstones and limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.storage.keys import user_key
from tether.storage.record_items import RecordItem


def statuses(payload: dict[str, Any]) -> list[str]:
    return [result["status"] for result in payload["results"]]


def test_create_then_patch_only_touches_sent_fields(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece = new_id()
    phone.save_piece(
        at(0), id=piece, title="Oli Aloha", category="oli", tags=["greeting", "greeting", " entry "]
    )
    created = phone.push()["results"][0]
    assert created["status"] == "APPLIED"
    record = created["record"]
    assert record["__typename"] == "Piece"
    assert record["version"] == 1
    assert record["tags"] == ["greeting", "entry"]  # trimmed, duplicates dropped
    assert record["createdAt"] == "2026-03-01T09:00:00+00:00"

    phone.save_piece(at(10), id=piece, notes="breathe before the last line")
    patched = phone.push()["results"][0]["record"]
    assert patched["title"] == "Oli Aloha"  # omitted = unchanged
    assert patched["category"] == "oli"
    assert patched["notes"] == "breathe before the last line"
    assert patched["version"] == 2

    phone.save_piece(at(20), id=piece, category=None)  # explicit null = cleared
    cleared = phone.push()["results"][0]["record"]
    assert cleared["category"] is None
    assert cleared["notes"] == "breathe before the last line"


def test_a_retried_push_changes_nothing(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece, session = new_id(), new_id()
    phone.save_piece(at(0), id=piece, title="Kūnihi")
    phone.save_session(at(1), id=session, pieceId=piece, startedAt=at(0), durationSeconds=600)
    phone.save_piece(at(2), id=piece, favorite=True)
    batch = list(phone.queue)
    first = phone.push()
    assert statuses(first) == ["APPLIED", "APPLIED", "APPLIED"]
    assert first["lastMutationId"] == 3
    for _ in range(3):  # the response was lost; the app sends the same batch again, and again
        again = phone.push_raw(batch)["data"]["syncPush"]
        assert statuses(again) == ["DUPLICATE", "DUPLICATE", "DUPLICATE"]
        assert again["lastMutationId"] == 3
        assert again["results"][2]["record"]["version"] == 2  # the current record, not re-applied
    state = device("tablet").sync_all()
    assert state[piece]["version"] == 2
    assert state[piece]["favorite"] is True
    assert state[session]["version"] == 1


def test_a_rejected_mutation_consumes_its_id_and_does_not_block_the_rest(
    device: Callable[[str], Device],
) -> None:
    phone = device("phone")
    good, bad = new_id(), new_id()
    phone.save_piece(at(0), id=bad, category="no title")  # a new piece needs a title
    phone.save_piece(at(1), id=good, title="Hula Noho")
    payload = phone.push()
    assert statuses(payload) == ["REJECTED", "APPLIED"]
    rejected = payload["results"][0]
    assert rejected["code"] == "REQUIRED_FIELD"
    assert "title" in rejected["message"]
    assert rejected["record"] is None
    assert payload["lastMutationId"] == 2
    assert phone.queue == []
    retried = phone.push_raw(
        [{"mutationId": 1, "changedAt": at(0), "change": {"savePiece": {"id": bad, "title": "x"}}}]
    )
    assert statuses(retried["data"]["syncPush"]) == ["DUPLICATE"]  # its id was consumed
    assert set(device("tablet").sync_all()) == {good}


def test_required_fields_cannot_be_cleared(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece, session = new_id(), new_id()
    phone.save_piece(at(0), id=piece, title="Ke Aloha")
    phone.save_session(at(0), id=session, startedAt=at(0))
    phone.save_piece(at(1), id=piece, title=None)
    phone.save_session(at(1), id=session, startedAt=None)
    phone.save_session(at(2), id=new_id(), rating=3)  # no startedAt
    payload = phone.push()
    assert statuses(payload) == ["APPLIED", "APPLIED", "REJECTED", "REJECTED", "REJECTED"]
    assert [r["code"] for r in payload["results"][2:]] == ["REQUIRED_FIELD"] * 3
    assert payload["results"][2]["record"]["title"] == "Ke Aloha"


def test_ended_before_started_is_rejected(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    phone.save_session(at(0), id=new_id(), startedAt=at(100), endedAt=at(50))
    result = phone.push()["results"][0]
    assert result["status"] == "REJECTED"
    assert result["code"] == "INVALID_RANGE"


def test_deletes_are_final_tombstones(device: Callable[[str], Device], user_id: str, settings: Any) -> None:
    phone, tablet = device("phone"), device("tablet")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="Mele", lyrics="…", tags=["a"], favorite=True)
    phone.push()
    tablet.sync_all()
    tablet.change(at(10), deletePiece={"id": piece})
    deleted = tablet.push()["results"][0]
    assert deleted["status"] == "APPLIED"
    tombstone = deleted["record"]
    assert tombstone["deleted"] is True
    assert tombstone["title"] is None
    assert tombstone["lyrics"] is None
    assert tombstone["tags"] == []
    assert tombstone["favorite"] is False
    # The phone edited offline before it heard of the delete: the edit can't resurrect the piece.
    phone.save_piece(at(5), id=piece, notes="late edit")
    late = phone.push()["results"][0]
    assert late["status"] == "REJECTED"
    assert late["code"] == "RECORD_DELETED"
    assert late["record"]["deleted"] is True
    # Deleting again is harmless, and devices learn of the delete by pulling.
    tablet.change(at(20), deletePiece={"id": piece})
    assert tablet.push()["results"][0]["status"] == "APPLIED"
    assert phone.sync_all()[piece]["deleted"] is True
    # DynamoDB's TTL removes the tombstone after the retention period.
    item = RecordItem.get(user_key(user_id), f"PIECE#{piece}")
    retention = timedelta(days=settings.tombstone_retention_days)
    assert item.expires_at is not None
    assert abs(item.expires_at - (datetime.now(UTC) + retention)) < timedelta(minutes=1)
    assert item.data.as_dict() == {}


def test_deleting_an_unknown_record_leaves_a_tombstone_that_blocks_a_late_create(
    device: Callable[[str], Device],
) -> None:
    phone, tablet = device("phone"), device("tablet")
    piece = new_id()
    tablet.change(at(10), deletePiece={"id": piece})
    assert tablet.push()["results"][0]["record"]["deleted"] is True
    phone.save_piece(at(0), id=piece, title="created offline, deleted elsewhere first")
    assert phone.push()["results"][0]["code"] == "RECORD_DELETED"


def test_a_device_clock_in_the_future_cannot_win_forever(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="first")
    phone.push()
    future = (datetime.now(UTC) + timedelta(days=365)).isoformat()
    phone.save_piece(future, id=piece, title="from a clock a year ahead")
    assert phone.push()["results"][0]["status"] == "APPLIED"
    later = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    tablet.save_piece(later, id=piece, title="a later edit in real time")
    result = tablet.push()["results"][0]
    assert result["status"] == "APPLIED"
    assert result["record"]["title"] == "a later edit in real time"


def test_users_never_see_or_touch_each_others_records(
    client: Any, make_token: Callable[..., str], user_id: str
) -> None:
    alice = Device(GraphQLClient(client, make_token(user_id)), "phone")
    mallory = Device(GraphQLClient(client, make_token(f"{user_id}-other")), "phone")
    piece = new_id()
    alice.save_piece(at(0), id=piece, title="Alice's chant")
    alice.push()
    assert mallory.sync_all() == {}
    mallory.save_piece(at(1), id=piece, title="overwritten?")  # same id, same client id
    result = mallory.push()["results"][0]
    assert result["status"] == "APPLIED"
    assert result["record"]["version"] == 1  # a new record in Mallory's own space
    assert alice.sync_all()[piece]["title"] == "Alice's chant"
    assert mallory.gql.data(operation("Piece"), {"id": piece})["piece"]["title"] == "overwritten?"


def test_mutation_ids_must_increase(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    first, second = new_id(), new_id()
    body = phone.push_raw(
        [
            {"mutationId": 2, "changedAt": at(0), "change": {"savePiece": {"id": first, "title": "a"}}},
            {"mutationId": 2, "changedAt": at(1), "change": {"savePiece": {"id": second, "title": "b"}}},
        ]
    )
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "mutations[1].mutationId" in error["message"]
    assert device("tablet").sync_all() == {}


LIMITS = [
    ({"savePiece": {"title": "x" * 201}}, "title is 201 characters; the limit is 200", 200),
    ({"savePiece": {"title": "   "}}, "title must have at least 1 non-blank character", 1),
    (
        {"savePiece": {"title": "t", "lyrics": "x" * 50_001}},
        "lyrics is 50001 characters; the limit is 50000",
        50_000,
    ),
    ({"savePiece": {"title": "t", "tags": [f"t{i}" for i in range(51)]}}, "has 51 tags; the limit is 50", 50),
    ({"savePiece": {"title": "t", "tags": ["x" * 51]}}, "has a tag of 51 characters; the limit is 50", 50),
    ({"saveSession": {"startedAt": at(0), "rating": 6}}, "rating is 6; it must be between 1 and 5", [1, 5]),
    ({"saveSession": {"startedAt": at(0), "rating": 0}}, "rating is 0; it must be between 1 and 5", [1, 5]),
    ({"saveSession": {"startedAt": at(0), "durationSeconds": 86_401}}, "between 0 and 86400", [0, 86_400]),
    ({"saveSession": {"startedAt": at(0), "durationSeconds": -1}}, "between 0 and 86400", [0, 86_400]),
]


@pytest.mark.parametrize(("change", "message", "limit"), LIMITS)
def test_a_value_over_its_limit_refuses_the_whole_push(
    device: Callable[[str], Device], change: dict[str, Any], message: str, limit: Any
) -> None:
    phone = device("phone")
    (kind, fields) = next(iter(change.items()))
    phone.save_piece(at(0), id=new_id(), title="valid, but in the same push")
    phone.change(at(1), **{kind: {"id": new_id(), **fields}})
    body = phone.push_raw()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]
    assert error["extensions"]["limit"] == limit
    assert error["extensions"]["field"].startswith("mutations[1].change.")
    assert device("tablet").sync_all() == {}  # nothing of that push was applied
    again = device("phone").pull()
    assert again["lastMutationId"] == 0


def test_more_than_100_mutations_is_refused(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    for second in range(101):
        phone.save_piece(at(second), id=new_id(), title=f"piece {second}")
    body = phone.push_raw()
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "limit": 100, "field": "mutations"}
    assert "at most 100 mutations" in error["message"]
    assert device("tablet").sync_all() == {}


@pytest.mark.parametrize(
    "bad_id", ["1", "not-a-uuid-at-all-not-a-uuid-at-all-", "01JD00000000000000000000O!", ""]
)
def test_ids_must_be_uuids_or_ulids(device: Callable[[str], Device], bad_id: str) -> None:
    phone = device("phone")
    phone.save_piece(at(0), id=bad_id, title="x")
    error = phone.push_raw()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "must be a UUID or a ULID" in error["message"]


def test_uuid_ids_are_accepted_as_written(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    upper = "6F9619FF-8B86-D011-B42D-00CF4FC964FF"  # iOS writes UUIDs in upper case
    phone.save_piece(at(0), id=upper, title="from iOS")
    assert phone.push()["results"][0]["record"]["id"] == upper


@pytest.mark.parametrize("client_id", ["", "x" * 129, "has space", "semi;colon"])
def test_client_id_is_checked(device: Callable[[str], Device], client_id: str) -> None:
    error = device(client_id).push_raw([])["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "clientId"}


def test_a_change_must_name_exactly_one_operation(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece = new_id()
    body = phone.push_raw(
        [
            {
                "mutationId": 1,
                "changedAt": at(0),
                "change": {"savePiece": {"id": piece, "title": "a"}, "deletePiece": {"id": piece}},
            }
        ]
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "exactly one" in body["errors"][0]["message"].lower()


def test_sync_needs_a_signed_in_user(anonymous: GraphQLClient) -> None:
    from tests.operations import operation

    body = anonymous(operation("SyncPush"), {"input": {"clientId": "phone", "mutations": []}})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
