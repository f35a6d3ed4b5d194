"""syncPull: a gap-free, paged change feed with signed cursors and long polling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, Sleep, at, new_id
from tether.collections import COLLECTIONS
from tether.errors import BadUserInput
from tether.pieces import PIECES
from tether.storage.instrumentation import Calls, record_calls
from tether.storage.keys import HEAD, user_key
from tether.sync.cursor import Cursor, decode, encode
from tether.sync.engine import Mutation, SyncEngine


def save(mutation_id: int, **fields: Any) -> Mutation:
    return Mutation(mutation_id, datetime.now(UTC), PIECES, "save", {"id": new_id(), **fields})


def test_first_pull_gets_everything_then_only_changes(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    first, second = new_id(), new_id()
    phone.save_piece(at(0), id=first, title="one")
    phone.save_piece(at(1), id=second, title="two")
    phone.push()
    everything = tablet.pull()
    assert {piece["id"] for piece in everything["pieces"]} == {first, second}
    assert everything["hasMore"] is False
    assert everything["resetRequired"] is False
    assert tablet.pull()["pieces"] == []  # nothing new
    phone.save_piece(at(2), id=first, title="one, renamed")
    phone.push()
    changes = tablet.pull()
    assert [(piece["id"], piece["title"]) for piece in changes["pieces"]] == [(first, "one, renamed")]


def test_a_record_changed_many_times_comes_once_at_its_latest_state(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    piece = new_id()
    tablet.pull()
    for second in range(5):
        phone.save_piece(at(second), id=piece, title=f"version {second + 1}")
        phone.push()
    pulled = tablet.pull()["pieces"]
    assert len(pulled) == 1
    assert pulled[0]["title"] == "version 5"
    assert pulled[0]["version"] == 5


def test_pages_follow_change_order_without_gaps(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    ids = [new_id() for _ in range(25)]
    for index, piece in enumerate(ids):
        phone.save_piece(at(index), id=piece, title=f"piece {index}")
    phone.push()
    seen: list[str] = []
    pages = 0
    while True:
        page = tablet.pull(limit=10)
        pages += 1
        seen += [piece["id"] for piece in page["pieces"]]
        if not page["hasMore"]:
            break
    assert seen == ids  # change order, each once
    assert pages == 3


def test_the_pull_reports_the_clients_last_mutation_id(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    phone.save_piece(at(0), id=new_id(), title="a")
    phone.save_piece(at(1), id=new_id(), title="b")
    phone.push()
    assert phone.pull()["lastMutationId"] == 2
    assert device("new-tablet").pull()["lastMutationId"] == 0


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "a.b", "", "eyJzIjoxfQ.AAAA", "e30"],
)
def test_malformed_cursors_are_bad_input(gql: GraphQLClient, cursor: str) -> None:
    body = gql(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": cursor}})
    if cursor == "":
        # An empty cursor means "from the start", like null.
        assert "errors" not in body
        return
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "cursor"}
    assert "not valid" in error["message"]


def test_an_edited_or_borrowed_cursor_is_refused(
    device: Callable[[str], Device], client: Any, make_token: Any
) -> None:
    phone = device("phone")
    phone.save_piece(at(0), id=new_id(), title="a")
    phone.push()
    cursor = phone.pull()["cursor"]
    body, mac = cursor.split(".")
    tampered = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1] + "." + mac
    refused = phone.gql(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": tampered}})
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    stranger = GraphQLClient(client, make_token(f"stranger-{new_id()}"))
    borrowed = stranger(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": cursor}})
    assert borrowed["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("limit", 0, "limit must be between 1 and 1000"),
        ("limit", 1001, "limit must be between 1 and 1000"),
        ("waitSeconds", -1, "waitSeconds must be between 0 and 20"),
        ("waitSeconds", 21, "waitSeconds must be between 0 and 20"),
    ],
)
def test_pull_limits(gql: GraphQLClient, field: str, value: int, message: str) -> None:
    body = gql(operation("SyncPull"), {"input": {"clientId": "phone", field: value}})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in error["message"]


def test_a_cursor_older_than_tombstone_retention_requires_a_reset(
    engine: SyncEngine, clock: Clock, user_id: str
) -> None:
    engine.push(user_id, "phone", [save(1, title="a")])
    caught_up = engine.pull(user_id, "tablet", None)
    assert caught_up.records
    clock.advance(days=20)
    recent = engine.pull(user_id, "tablet", caught_up.cursor)
    assert not recent.reset_required  # idle pulls keep the cursor fresh
    clock.advance(days=31)
    stale = engine.pull(user_id, "tablet", recent.cursor)
    assert stale.reset_required
    assert stale.records == []
    assert stale.has_more  # there is data to pull again
    restart = engine.pull(user_id, "tablet", stale.cursor)  # the returned cursor starts over
    assert [record.data["title"] for record in restart.records] == ["a"]
    assert not restart.reset_required


def test_a_cursor_mid_feed_is_only_as_fresh_as_its_last_record(
    engine: SyncEngine, clock: Clock, user_id: str
) -> None:
    engine.push(user_id, "phone", [save(1, title="a"), save(2, title="b")])
    clock.advance(days=29, hours=23)
    page = engine.pull(user_id, "tablet", None, limit=1)
    assert page.has_more
    # Changes after this page were made a month ago: their tombstones may already be gone.
    assert engine.pull(user_id, "tablet", page.cursor).reset_required


def test_a_cursor_from_before_the_data_was_erased_requires_a_reset(engine: SyncEngine, user_id: str) -> None:
    from tether.storage.base import TetherModel

    engine.push(user_id, "phone", [save(1, title="a")])
    cursor = engine.pull(user_id, "tablet", None).cursor
    for item in TetherModel.query(user_key(user_id)):
        item.delete()
    engine.push(user_id, "phone-2", [save(1, title="after erasure")])
    assert engine.pull(user_id, "tablet", cursor).reset_required


def test_a_cursor_ahead_of_the_feed_requires_a_reset(engine: SyncEngine, user_id: str) -> None:
    engine.push(user_id, "phone", [save(1, title="a")])
    position = decode(engine.pull(user_id, "tablet", None).cursor, engine.cursor_key, user_id)
    ahead = encode(Cursor(position.seq + 5, position.epoch, position.safe_at), engine.cursor_key, user_id)
    assert engine.pull(user_id, "tablet", ahead).reset_required


def test_cursors_are_bound_to_their_user(engine: SyncEngine, user_id: str) -> None:
    cursor = engine.pull(user_id, "tablet", None).cursor
    with pytest.raises(BadUserInput):
        engine.pull(f"{user_id}-other", "tablet", cursor)


def waiting_engine(settings: Any, clock: Clock, sleep: Sleep) -> SyncEngine:
    """An engine on a test clock whose sleep moves the clock (no real time passes)."""
    return SyncEngine(
        collections=COLLECTIONS,
        cursor_key=b"test-cursor-key",
        tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        clock=clock,
        sleep=sleep,
    )


def head_reads(calls: Calls, user_id: str) -> int:
    """How often the user's head was read on its own (a waiting pull's polls)."""
    return calls.keys_read("GetItem").count((user_key(user_id), HEAD))


def test_a_waiting_pull_returns_the_change_that_arrives_meanwhile(
    settings: Any, clock: Clock, user_id: str
) -> None:
    sleep = Sleep(clock)
    engine = waiting_engine(settings, clock, sleep)
    cursor = engine.pull(user_id, "tablet", None).cursor
    started = clock.now
    sleep.meanwhile(3, lambda: engine.push(user_id, "phone", [save(1, title="arrived")]))
    with record_calls() as calls:
        result = engine.pull(user_id, "tablet", cursor, wait_seconds=20)
    assert [record.data["title"] for record in result.records] == ["arrived"]
    # Polled at 0.25, 0.75, 1.75 and 3.75 s: the change made at 3 s is seen by the fourth poll.
    assert sleep.slept == [0.25, 0.5, 1.0, 2.0]
    assert clock.now - started == timedelta(seconds=3.75)
    assert head_reads(calls, user_id) == 4
    assert not result.has_more


@pytest.mark.parametrize(
    ("wait", "sleeps"),
    [
        (1, [0.25, 0.5, 0.25]),
        (20, [0.25, 0.5, 1.0, *[2.0] * 9, 0.25]),
    ],
)
def test_a_waiting_pull_with_nothing_new_answers_empty_at_the_deadline(
    settings: Any, clock: Clock, user_id: str, wait: int, sleeps: list[float]
) -> None:
    sleep = Sleep(clock)
    engine = waiting_engine(settings, clock, sleep)
    engine.push(user_id, "phone", [save(1, title="seen")])
    cursor = engine.pull(user_id, "tablet", None).cursor
    started = clock.now
    with record_calls() as calls:
        result = engine.pull(user_id, "tablet", cursor, wait_seconds=wait)
    assert result.records == []
    assert not result.has_more
    assert not result.reset_required
    # It waited the whole time on the engine's clock, re-reading only the head (docs/sync.md:
    # a 20-second wait makes exactly 13 head reads after the pull's first BatchGetItem).
    assert clock.now - started == timedelta(seconds=wait)
    assert sleep.slept == sleeps
    assert calls.operations == ["BatchGetItem"] + ["GetItem"] * len(sleeps)
    assert head_reads(calls, user_id) == len(sleeps)
    # The answer is an ordinary cursor: the next pull carries on from it.
    engine.push(user_id, "phone", [save(2, title="later")])
    assert [record.data["title"] for record in engine.pull(user_id, "tablet", result.cursor).records] == [
        "later"
    ]
