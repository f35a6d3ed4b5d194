"""Shared feeds (such as the catalog): pulled next to the user's own, gap-free, one request when idle."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Clock
from tests.sync.conftest import Sleep, new_id
from tether.collections import COLLECTIONS
from tether.model.record import Record
from tether.pieces import PIECES
from tether.storage.base import TetherModel
from tether.storage.instrumentation import record_calls
from tether.storage.keys import HEAD, client_key, user_key
from tether.sync.engine import Mutation, ServerChange, SyncEngine
from tether.sync.feeds import SharedFeed

TTL = timedelta(seconds=5)


def favorites_only(record: Record) -> Record:
    """What users see of the shared test feed: favorite pieces; the others come as tombstones."""
    if not record.deleted and record.data.get("favorite"):
        return record
    return Record(
        record.collection, record.id, record.version, record.seq, updated_at=record.updated_at, deleted=True
    )


def make_engine(
    partition: str, clock: Any, sleep: Any = lambda seconds: None, ttl: timedelta = TTL
) -> SyncEngine:
    """One process's engine following the shared `partition` (a second one plays another Lambda)."""
    return SyncEngine(
        collections=COLLECTIONS,
        cursor_key=b"test-cursor-key",
        tombstone_retention=timedelta(days=30),
        clock=clock,
        sleep=sleep,
        shared_feeds=[SharedFeed("news", partition, favorites_only)],
        shared_head_ttl=ttl,
    )


@pytest.fixture
def partition() -> str:
    return f"SHARED#{new_id()}"


@pytest.fixture
def engine(settings: Any, clock: Clock, partition: str) -> SyncEngine:
    return make_engine(partition, clock)


def publish(engine: SyncEngine, partition: str, *pieces: tuple[str, str, bool]) -> None:
    engine.write(
        partition,
        [
            ServerChange(PIECES, "save", {"id": id, "title": title, "favorite": shown})
            for id, title, shown in pieces
        ],
    )


def titles(records: list[Record]) -> list[tuple[str | None, bool]]:
    return [(record.data.get("title"), record.deleted) for record in records]


def test_a_first_pull_gets_both_feeds_and_only_what_users_may_see(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    engine.push(user_id, "phone", [Mutation(1, clock.now, PIECES, "save", {"id": new_id(), "title": "mine"})])
    publish(engine, partition, (new_id(), "shown", True), (new_id(), "draft", False))
    removed = new_id()
    publish(engine, partition, (removed, "removed", True))
    engine.write(partition, [ServerChange(PIECES, "delete", {"id": removed})])
    first = engine.pull(user_id, "tablet", None)
    # A device starting the shared feed has nothing to remove: no tombstones, no drafts.
    assert titles(first.records) == [("mine", False), ("shown", False)]
    assert not first.has_more


def test_an_idle_pull_is_one_request_and_reads_the_shared_head_only_once_per_ttl(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    publish(engine, partition, (new_id(), "shown", True))
    cursor = engine.pull(user_id, "tablet", None).cursor
    with record_calls() as calls:
        idle = engine.pull(user_id, "tablet", cursor)
    assert idle.records == []
    assert calls.operations == ["BatchGetItem"]
    assert sorted(calls.keys_read()) == [(user_key(user_id), client_key("tablet")), (user_key(user_id), HEAD)]
    clock.advance(seconds=5)  # the cached head is now too old: it is read again, in the same request
    with record_calls() as calls:
        engine.pull(user_id, "tablet", idle.cursor)
    assert calls.operations == ["BatchGetItem"]
    assert (partition, HEAD) in calls.keys_read()
    assert len(calls.keys_read()) == 3


def test_a_pull_with_changes_in_both_feeds_takes_3_round_trips(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    """docs/sync.md's cost table: BatchGetItem (heads + client), then one Query per feed with news."""
    publish(engine, partition, (new_id(), "shown", True))
    cursor = engine.pull(user_id, "tablet", None).cursor
    engine.push(user_id, "phone", [Mutation(1, clock.now, PIECES, "save", {"id": new_id(), "title": "mine"})])
    publish(engine, partition, (new_id(), "news", True))
    clock.advance(seconds=5)  # this Lambda's cached head is too old: it comes with the BatchGetItem
    with record_calls() as calls:
        pulled = engine.pull(user_id, "tablet", cursor)
    assert titles(pulled.records) == [("mine", False), ("news", False)]
    assert calls.operations == ["BatchGetItem", "Query", "Query"]
    assert calls.round_trips == 3


def test_another_process_sees_a_shared_change_within_the_ttl(
    settings: Any, clock: Clock, partition: str, user_id: str
) -> None:
    reader, editor = make_engine(partition, clock), make_engine(partition, clock)
    publish(editor, partition, (new_id(), "first", True))
    cursor = reader.pull(user_id, "tablet", None).cursor
    publish(editor, partition, (new_id(), "second", True))
    clock.advance(seconds=4)
    early = reader.pull(user_id, "tablet", cursor)
    assert early.records == []  # the reader's cached head is still fresh: the change waits
    clock.advance(seconds=1)
    late = reader.pull(user_id, "tablet", early.cursor)
    assert titles(late.records) == [("second", False)]
    # A change this process makes itself is seen at once (its cached head is dropped).
    publish(reader, partition, (new_id(), "third", True))
    assert titles(reader.pull(user_id, "tablet", late.cursor).records) == [("third", False)]


def test_an_item_hidden_later_reaches_devices_as_a_tombstone_and_comes_back_when_shown(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    item = new_id()
    publish(engine, partition, (item, "news", True))
    synced = engine.pull(user_id, "tablet", None)
    assert titles(synced.records) == [("news", False)]
    clock.advance(seconds=1)
    engine.write(partition, [ServerChange(PIECES, "save", {"id": item, "favorite": False})])
    hidden = engine.pull(user_id, "tablet", synced.cursor)
    assert [(r.id, r.deleted, r.data, r.version) for r in hidden.records] == [(item, True, {}, 2)]
    clock.advance(seconds=1)
    engine.write(partition, [ServerChange(PIECES, "save", {"id": item, "favorite": True})])
    shown = engine.pull(user_id, "tablet", hidden.cursor)
    assert [(r.id, r.deleted, r.data.get("title"), r.version) for r in shown.records] == [
        (item, False, "news", 3)
    ]


def test_one_page_limit_covers_both_feeds(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    engine.push(
        user_id,
        "phone",
        [Mutation(n, clock.now, PIECES, "save", {"id": new_id(), "title": f"mine {n}"}) for n in (1, 2, 3)],
    )
    publish(engine, partition, *[(new_id(), f"shared {n}", True) for n in range(4)])
    first = engine.pull(user_id, "tablet", None, limit=5)
    assert first.has_more
    mine = [("mine 1", False), ("mine 2", False), ("mine 3", False)]
    assert titles(first.records) == [*mine, ("shared 0", False), ("shared 1", False)]
    second = engine.pull(user_id, "tablet", first.cursor, limit=5)
    assert titles(second.records) == [("shared 2", False), ("shared 3", False)]
    assert not second.has_more
    # A full page of the user's own changes leaves the shared feed for the next pull.
    engine.push(
        user_id,
        "phone",
        [
            Mutation(4 + n, clock.now, PIECES, "save", {"id": new_id(), "title": f"more {n}"})
            for n in range(2)
        ],
    )
    publish(engine, partition, (new_id(), "shared 4", True))
    full = engine.pull(user_id, "tablet", second.cursor, limit=2)
    assert (titles(full.records), full.has_more) == ([("more 0", False), ("more 1", False)], True)
    rest = engine.pull(user_id, "tablet", full.cursor, limit=2)
    assert (titles(rest.records), rest.has_more) == ([("shared 4", False)], False)


def test_a_cursor_ahead_of_this_processs_cached_head_is_not_reset(
    settings: Any, clock: Clock, partition: str, user_id: str
) -> None:
    lagging, current = make_engine(partition, clock), make_engine(partition, clock)
    publish(current, partition, (new_id(), "first", True))
    lagging.pull(user_id, "phone", None)  # the lagging process caches the head now
    publish(current, partition, (new_id(), "second", True))
    ahead = current.pull(user_id, "tablet", None)
    assert titles(ahead.records) == [("first", False), ("second", False)]
    with record_calls() as calls:
        result = lagging.pull(user_id, "tablet", ahead.cursor)  # within its TTL
    assert not result.reset_required
    assert result.records == []
    assert calls.operations == ["BatchGetItem"]  # the head came with the same request
    assert (partition, HEAD) in calls.keys_read()


def test_an_erased_shared_feed_requires_a_reset(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    publish(engine, partition, (new_id(), "before", True))
    cursor = engine.pull(user_id, "tablet", None).cursor
    for item in TetherModel.query(partition):
        item.delete()
    publish(engine, partition, (new_id(), "after", True))
    reset = engine.pull(user_id, "tablet", cursor)
    assert reset.reset_required
    assert reset.has_more
    assert titles(engine.pull(user_id, "tablet", reset.cursor).records) == [("after", False)]


def test_a_cursor_mid_shared_feed_is_only_as_fresh_as_its_last_record(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    publish(engine, partition, (new_id(), "a", True), (new_id(), "b", True))
    clock.advance(days=29, hours=23)
    page = engine.pull(user_id, "tablet", None, limit=1)
    assert page.has_more
    # The rest of the shared feed was written a month ago: its tombstones may already be gone.
    assert engine.pull(user_id, "tablet", page.cursor).reset_required


def test_idle_pulls_keep_a_cursor_fresh_for_both_feeds(
    engine: SyncEngine, partition: str, clock: Clock, user_id: str
) -> None:
    publish(engine, partition, (new_id(), "a", True))
    cursor = engine.pull(user_id, "tablet", None).cursor
    for _ in range(3):
        clock.advance(days=20)
        pulled = engine.pull(user_id, "tablet", cursor)
        assert not pulled.reset_required
        cursor = pulled.cursor


def test_a_waiting_pull_wakes_up_for_a_shared_change(
    settings: Any, clock: Clock, partition: str, user_id: str
) -> None:
    sleep = Sleep(clock)
    reader, editor = make_engine(partition, clock, sleep), make_engine(partition, clock)
    cursor = reader.pull(user_id, "tablet", None).cursor
    started = clock.now
    sleep.meanwhile(3, lambda: publish(editor, partition, (new_id(), "arrived", True)))
    with record_calls() as calls:
        result = reader.pull(user_id, "tablet", cursor, wait_seconds=20)
    assert titles(result.records) == [("arrived", False)]
    # The reader trusts its cached shared head for the TTL (5 s): it polls its own head alone at
    # 0.25, 0.75, 1.75 and 3.75 s (the editor publishes during the sleep before the fourth poll),
    # and both heads in one BatchGetItem at 5.75 s, which sees the change.
    assert clock.now - started == timedelta(seconds=5.75)
    polls_and_publish = ["GetItem"] * 3 + ["BatchGetItem", "TransactWriteItems"] + ["GetItem", "BatchGetItem"]
    assert calls.operations == ["BatchGetItem", *polls_and_publish, "Query"]
    assert (partition, HEAD) in calls.keys_read("BatchGetItem")


def test_a_20_second_wait_reads_the_shared_head_once_per_ttl(
    settings: Any, clock: Clock, partition: str, user_id: str
) -> None:
    sleep = Sleep(clock)
    engine = make_engine(partition, clock, sleep)
    cursor = engine.pull(user_id, "tablet", None).cursor
    with record_calls() as calls:
        result = engine.pull(user_id, "tablet", cursor, wait_seconds=20)
    assert result.records == []
    assert sum(sleep.slept) == 20
    # 13 head reads after the first request (docs/sync.md); the stale shared head joins the polls
    # at 5.75, 11.75 and 17.75 s.
    assert calls.operations[0] == "BatchGetItem"
    polls = calls.operations[1:]
    assert len(polls) == 13
    assert [index for index, name in enumerate(polls) if name == "BatchGetItem"] == [4, 7, 10]
    assert calls.keys_read("BatchGetItem").count((partition, HEAD)) == 3


def test_paging_while_the_shared_feed_changes_misses_nothing(
    settings: Any, partition: str, user_id: str
) -> None:
    def now() -> datetime:
        return datetime.now(UTC)

    reader, editor = make_engine(partition, now, ttl=timedelta(0)), make_engine(partition, now)
    ids = [new_id() for _ in range(40)]
    done = threading.Event()

    def write_all() -> None:
        for start in range(0, len(ids), 4):
            publish(editor, partition, *[(item, item, True) for item in ids[start : start + 4]])
        done.set()

    writer = threading.Thread(target=write_all)
    writer.start()
    seen: dict[str, int] = {}
    cursor = None
    try:
        while True:
            finished = done.is_set()
            page = reader.pull(user_id, "tablet", cursor, limit=3)
            seen.update({record.id: record.version for record in page.records})
            cursor = page.cursor
            if finished and not page.has_more:
                break
    finally:
        writer.join()
    assert sorted(seen) == sorted(ids)
