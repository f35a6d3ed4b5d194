"""A client's exactly-once position lives on the partition's head item (docs/sync.md): a push writes
one item of bookkeeping, and reads its client item only where that costs no round trip. Positions
stored before the move (on the client item) are moved by the client's next push."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.conftest import Clock, GraphQLClient
from tests.faults import before_write
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.accounts.export import write_document
from tether.auth import User
from tether.pieces import PIECES
from tether.storage.base import TetherModel, client
from tether.storage.heads import UserHead, positions_of
from tether.storage.instrumentation import record_calls
from tether.storage.keys import HEAD, user_key
from tether.sync.engine import Mutation, SyncEngine


def pieces(first: int, count: int) -> list[Mutation]:
    now = datetime.now(UTC)
    return [
        Mutation(first + index, now, PIECES, "save", {"id": new_id(), "title": f"piece {index}"})
        for index in range(count)
    ]


def head_item(pk: str) -> UserHead:
    item = UserHead.get(pk, HEAD, consistent_read=True)
    assert isinstance(item, UserHead)
    return item


def as_stored_before(pk: str) -> None:
    """The partition as a deployment before the move left it: no positions (nor revocations) on
    its head, each client's position on its client item."""
    client().update_item(
        TableName=TetherModel.Meta.table_name,
        Key={"pk": {"S": pk}, "sk": {"S": HEAD}},
        UpdateExpression="REMOVE cl, rv",
    )


def test_a_push_moves_a_position_stored_on_the_client_item_to_the_head(
    engine: SyncEngine, user_id: str
) -> None:
    pk = user_key(user_id)
    first = pieces(1, 3)
    engine.push(user_id, "phone", first)
    as_stored_before(pk)
    assert positions_of(head_item(pk)) is None
    assert engine.pull(user_id, "phone", None).last_mutation_id == 3  # a pull reads the item's
    with record_calls() as calls:
        result = engine.push(user_id, "phone", [*first, *pieces(4, 1)])
    assert [r.status for r in result.results] == ["DUPLICATE"] * 3 + ["APPLIED"]
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]  # the item came in the batch
    assert positions_of(head_item(pk)) == {"phone": 4}
    # From then on the head's position is the one that counts.
    again = engine.push(user_id, "phone", [*first, *pieces(4, 2)])
    assert [r.status for r in again.results] == ["DUPLICATE"] * 4 + ["APPLIED"]
    assert positions_of(head_item(pk)) == {"phone": 5}


def test_a_large_push_reads_a_position_not_yet_on_the_head_once(engine: SyncEngine, user_id: str) -> None:
    """99 records and the head fill one BatchGetItem, so the client item is left out of it; a
    position still on that item is read by one GetItem, once: the push moves it to the head."""
    pk = user_key(user_id)
    engine.push(user_id, "phone", pieces(1, 1))
    as_stored_before(pk)
    with record_calls() as moving:
        first = engine.push(user_id, "phone", pieces(2, 99))
    assert {r.status for r in first.results} == {"APPLIED"}
    assert moving.operations == ["BatchGetItem", "GetItem", "TransactWriteItems"]
    with record_calls() as moved:
        second = engine.push(user_id, "phone", pieces(101, 99))
    assert {r.status for r in second.results} == {"APPLIED"}
    assert moved.operations == ["BatchGetItem", "TransactWriteItems"]
    assert all(not sk.startswith("CLIENT#") for _, sk in moved.keys_read())
    assert positions_of(head_item(pk)) == {"phone": 199}


def test_the_same_push_racing_itself_is_applied_once(engine: SyncEngine, user_id: str) -> None:
    """The position on the head is conditioned on the one read: a copy of the push that commits
    between this push's read and its transaction makes it read again and find every mutation done."""
    engine.push(user_id, "phone", pieces(1, 1))
    batch = pieces(2, 3)
    copies: list[Any] = []
    with before_write("TransactWriteItems", lambda: copies.append(engine.push(user_id, "phone", batch))):
        late = engine.push(user_id, "phone", batch)
    assert [r.status for r in copies[0].results] == ["APPLIED"] * 3
    assert [r.status for r in late.results] == ["DUPLICATE"] * 3
    assert all(r.record is not None and r.record.version == 1 for r in late.results)
    assert positions_of(head_item(user_key(user_id))) == {"phone": 4}


def test_two_clients_keep_their_own_positions(engine: SyncEngine, user_id: str) -> None:
    engine.push(user_id, "phone", pieces(1, 2))
    engine.push(user_id, "tablet.2:b", pieces(1, 5))  # . and : are allowed in client ids
    engine.push(user_id, "phone", pieces(3, 1))
    assert positions_of(head_item(user_key(user_id))) == {"phone": 3, "tablet.2:b": 5}
    assert engine.pull(user_id, "tablet.2:b", None).last_mutation_id == 5
    assert engine.pull(user_id, "phone", None).last_mutation_id == 3


def test_a_push_of_a_known_unchanged_device_writes_only_the_head(
    clocked: GraphQLClient, server_clock: Clock
) -> None:
    """The client item is written by a device's first push and when what it says of itself changes;
    its lastSyncAt is the pulls' (at most once per presence interval): a push writes its position
    on the head and nothing else of its own, however long since the last one."""
    gql = clocked
    phone = Device(gql, "phone")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    with record_calls() as first:
        phone.push()
    assert [key for key in _transaction_keys(first) if key.startswith("CLIENT#")] == ["CLIENT#phone"]
    server_clock.advance(minutes=30)  # well past the presence interval
    phone.save_piece(at(1), id=new_id(), title="Mele")
    with record_calls() as second:
        phone.push()
    assert second.operations == ["BatchGetItem", "TransactWriteItems"]
    keys = _transaction_keys(second)
    assert "HEAD" in keys
    assert not any(key.startswith("CLIENT#") for key in keys)
    listed = {d["clientId"]: d for d in gql.data(operation("Devices"))["devices"]}
    assert listed["phone"]["lastMutationId"] == 2  # the head's position, not the item's
    with record_calls() as pulled:
        phone.pull()
    assert "UpdateItem" in pulled.operations  # the pull records the presence that was due


def test_an_export_lists_each_device_at_its_position_on_the_head(engine: SyncEngine, user_id: str) -> None:
    engine.push(user_id, "phone", pieces(1, 2))  # the new device's item: position 2
    engine.push(user_id, "phone", pieces(3, 3))  # only the head: position 5
    parts: list[str] = []
    write_document(parts.append, User(user_id), datetime.now(UTC))
    [device] = json.loads("".join(parts))["devices"]
    assert (device["clientId"], device["lastMutationId"]) == ("phone", 5)


def test_a_revoked_device_is_refused_a_large_push_that_leaves_its_item_unread(
    gql: GraphQLClient, user_id: str, make_token: Any
) -> None:
    """98 records, the head and the account's sign-ins fill the BatchGetItem, so the device's item is
    not read: the revocation is on the head too. Signed in again (a new sign-in the gate admits),
    the revoked device is still refused, and so it is with its revocation only on its item (as
    stored before the move: the item is then read, the position not being on the head)."""
    phone = Device(GraphQLClient(gql.client, make_token(user_id)), "lost-phone")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.push()
    gql.data(operation("RevokeDevice"), {"clientId": "lost-phone"})
    again = Device(GraphQLClient(gql.client, make_token(user_id)), "lost-phone")
    again.next_mutation_id = 2
    for index in range(98):
        again.save_piece(at(index + 1), id=new_id(), title=f"piece {index}")
    for stored_before in (False, True):
        if stored_before:
            as_stored_before(user_key(user_id))
        with record_calls() as calls:
            body = again.push_raw()
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "reason": "DEVICE_REVOKED"}
        read = calls.keys_read()
        assert any(sk.startswith("CLIENT#") for _, sk in read + _got(calls)) is stored_before
    assert len(Device(gql, "tablet").sync_all()) == 1  # nothing of the refused pushes was applied


def _transaction_keys(calls: Any) -> list[str]:
    keys = []
    for name, params in calls.requests:
        if name == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (body,) = entry.values()
                keys.append((body.get("Key") or body.get("Item"))["sk"]["S"])
    return keys


def _got(calls: Any) -> list[tuple[str, str]]:
    return [
        (params["Key"]["pk"]["S"], params["Key"]["sk"]["S"])
        for name, params in calls.requests
        if name == "GetItem"
    ]
