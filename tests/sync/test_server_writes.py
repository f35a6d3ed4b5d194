"""Changes the server makes itself go through the same merge rules and the same feed."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Clock
from tests.sync.conftest import new_id
from tether.pieces import PIECES
from tether.storage.feed import feed_page
from tether.storage.heads import read_head
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key
from tether.sync.engine import Mutation, ServerChange, SyncEngine


def test_server_changes_are_numbered_in_the_users_feed(
    engine: SyncEngine, clock: Clock, user_id: str
) -> None:
    piece = new_id()
    engine.push(
        user_id,
        "phone",
        [Mutation(1, clock.now - timedelta(seconds=5), PIECES, "save", {"id": piece, "title": "a"})],
    )
    cursor = engine.pull(user_id, "tablet", None).cursor
    [result] = engine.write(
        user_key(user_id), [ServerChange(PIECES, "save", {"id": piece, "notes": "server"})]
    )
    assert result.status == "APPLIED"
    changed = engine.pull(user_id, "tablet", cursor)
    assert [(r.id, r.data.get("notes"), r.version) for r in changed.records] == [(piece, "server", 2)]
    # It moves no device's position: the phone's next mutation id is still 2.
    assert engine.pull(user_id, "phone", None).last_mutation_id == 1
    pushed = engine.push(
        user_id, "phone", [Mutation(2, clock.now, PIECES, "save", {"id": piece, "favorite": True})]
    )
    assert pushed.results[0].status == "APPLIED"


def test_server_changes_merge_by_time_like_any_edit(engine: SyncEngine, clock: Clock, user_id: str) -> None:
    piece = new_id()
    engine.push(user_id, "phone", [Mutation(1, clock.now, PIECES, "save", {"id": piece, "title": "a"})])
    clock.advance(seconds=10)
    engine.write(user_key(user_id), [ServerChange(PIECES, "save", {"id": piece, "title": "server"})])
    stale = engine.push(
        user_id,
        "phone",
        [Mutation(2, clock.now - timedelta(seconds=5), PIECES, "save", {"id": piece, "title": "older"})],
    )
    assert stale.results[0].status == "MERGED"
    clock.advance(seconds=1)
    newer = engine.push(
        user_id, "phone", [Mutation(3, clock.now, PIECES, "save", {"id": piece, "title": "newer"})]
    )
    assert newer.results[0].record is not None
    assert newer.results[0].record.data["title"] == "newer"


def test_a_shared_partition_has_its_own_feed(engine: SyncEngine) -> None:
    partition = f"SHARED#{new_id()}"
    first, second = new_id(), new_id()
    engine.write(partition, [ServerChange(PIECES, "save", {"id": first, "title": "one"})])
    engine.write(
        partition,
        [
            ServerChange(PIECES, "save", {"id": second, "title": "two"}),
            ServerChange(PIECES, "delete", {"id": first}),
        ],
    )
    head = read_head(partition)
    assert head.seq == 3  # three numbered changes
    page, more = feed_page(partition, after=0, upto=head.seq, limit=10)
    assert not more
    assert [(record.id, record.deleted) for record in page] == [(second, False), (first, True)]


def test_a_server_change_that_changes_nothing_writes_nothing(engine: SyncEngine) -> None:
    partition = f"SHARED#{new_id()}"
    piece = new_id()
    engine.write(partition, [ServerChange(PIECES, "save", {"id": piece, "title": "same"})])
    engine.write(partition, [ServerChange(PIECES, "delete", {"id": piece})])
    with record_calls() as calls:
        [result] = engine.write(partition, [ServerChange(PIECES, "delete", {"id": piece})])
    assert result.status == "APPLIED"
    assert result.record is not None
    assert result.record.version == 2
    assert calls.operations == ["BatchGetItem"]  # read, found nothing to change, wrote nothing
    assert read_head(partition).seq == 2


def test_the_later_of_two_server_writes_in_the_same_instant_wins(
    engine: SyncEngine, clock: Clock, user_id: str
) -> None:
    """An editor's (or the assistant's) second change made in the same millisecond as its first is
    the newer one: it is applied, not MERGED away as an equal-stamped stale edit."""
    partition = user_key(user_id)
    piece = new_id()
    engine.write(partition, [ServerChange(PIECES, "save", {"id": piece, "title": "first"})])
    [second] = engine.write(partition, [ServerChange(PIECES, "save", {"id": piece, "title": "second"})])
    assert (second.status, second.conflicting_fields) == ("APPLIED", [])
    assert second.record is not None
    assert second.record.data["title"] == "second"
    # And a device's edit made later still wins over both; one made earlier loses to both.
    earlier = engine.push(
        user_id,
        "phone",
        [Mutation(1, clock.now - timedelta(milliseconds=1), PIECES, "save", {"id": piece, "title": "old"})],
    )
    assert earlier.results[0].status == "MERGED"
    clock.advance(seconds=0.001)
    later = engine.push(
        user_id, "phone", [Mutation(2, clock.now, PIECES, "save", {"id": piece, "title": "new"})]
    )
    assert later.results[0].status == "APPLIED"
