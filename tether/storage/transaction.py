"""The commit of a push (or a server write): records, head, client position and counters in ONE
conditioned transaction. The client's position is on the head item (one item of bookkeeping per
push); its client item is written only when the push records its presence (docs/sync.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from tether.model.device import ClientInfo, DeviceInfo
from tether.model.head import Head
from tether.model.increment import Increment
from tether.storage.base import TetherModel, guard
from tether.storage.clients import ClientState, sync_actions
from tether.storage.counters import CounterItem, counter_actions
from tether.storage.heads import UserHead
from tether.storage.keys import HEAD, client_key
from tether.storage.record_items import Write, record_attributes

TRANSACTION_ITEM_LIMIT = 100
# Most waiting records (PENDING chat replies) kept on the head, ~45 bytes each: with the head's
# other entries it stays within 1 KB (1 WRU). More (an offline push of many messages) go to the
# `byTime` index as before, and the head says so (Head.all_pending) until a sweep finds none there.
PENDING_ON_HEAD = 12
# DynamoDB caps a transaction at 4 MB; stay well below with our own size estimate.
TRANSACTION_BYTE_BUDGET = 3_500_000


def item_size(attributes: dict[str, Any]) -> int:
    """Roughly the bytes an item (as DynamoDB JSON) takes in a request (for the 4 MB budget)."""
    return len(orjson.dumps(attributes)) + 100


def commit(
    *,
    pk: str,
    head: Head,
    new_head: int,
    epoch: str,
    now: datetime,
    client_id: str | None,
    client: ClientInfo,
    last_mutation_id: int,
    writes: Sequence[Write],
    increments: Sequence[Increment] = (),
    token: str,
    device: DeviceInfo | None = None,
    conditions: Sequence[Callable[[TransactWrite], None]] = (),
    poll_fast_until: datetime | None = None,
    write_client: bool = True,
) -> tuple[dict[str, int] | None, bool]:
    """One transaction: the records, the head moved to `new_head` with the client's position on it,
    counters, and (`write_client`) the client item with the device's presence.
    `conditions` add checks of other items (e.g. that a shared profile's membership is unchanged).
    `poll_fast_until` is stored on the head (Head.poll_fast_until), at no extra cost.

    Every item is conditioned on what was read, so a concurrent writer makes this raise StaleRead:
    the head on its number and on the client's position as read (exactly once) and on the client
    not being revoked meanwhile. Server-side writes (no `client_id`) leave every position alone.
    Returns the head's waiting records after it (Head.pending, Head.all_pending).
    """
    transaction = TransactWrite(
        connection=TetherModel._get_connection().connection, client_request_token=token
    )
    position = (client_id, client, last_mutation_id) if client_id is not None else None
    waiting = _Waiting.of(head, writes)
    _head_update(transaction, pk, head, new_head, epoch, now, poll_fast_until, position, waiting)
    if client_id is not None and write_client:
        _client_update(transaction, pk, client_id, client, last_mutation_id, now, device)
    for write in writes:
        _record_put(transaction, pk, write)
    for increment in increments:
        transaction.update(CounterItem(pk=pk, sk=increment.sort_key), actions=counter_actions(increment))
    for check in conditions:
        check(transaction)
    guard(transaction._commit)
    return waiting.after, waiting.complete


class _Waiting:
    """What a commit changes in the head's waiting records (Collection.pending): each written record
    of such a collection set (it waits: kept on the head, out of `byTime`, while the map has room)
    or removed (it no longer waits). Exact, since the head is conditioned on the number read."""

    def __init__(self, head: Head) -> None:
        self.stored = head.pending is not None
        self.after: dict[str, int] | None = dict(head.pending) if head.pending is not None else None
        self.complete = head.all_pending or head.epoch is None  # a new partition has none elsewhere
        self.set: dict[str, int] = {}
        self.removed: list[str] = []

    @classmethod
    def of(cls, head: Head, writes: Sequence[Write]) -> _Waiting:
        waiting = cls(head)
        for write in writes:
            if write.pends:
                waiting.add(write)
        return waiting

    def add(self, write: Write) -> None:
        """`write` numbered already: a record that starts waiting is kept under its feed number,
        which orders the waiting records as they were stored (a later write leaves it as it is)."""
        record_id = write.record.id
        current = self.after or {}
        if not write.pending:
            if record_id in current:
                del current[record_id]
                self.removed.append(record_id)
        elif record_id in current:
            write.kept_on_head()
        elif len(current) < PENDING_ON_HEAD:
            current[record_id] = self.set[record_id] = int(write.record.seq or 0)
            self.after = current
            write.kept_on_head()
        else:
            self.complete = False  # it keeps its byTime entry; sweeps look there too

    def actions(self, head: Head) -> list[Any]:
        actions: list[Any] = []
        if self.set and not self.stored:
            actions.append(UserHead.pending.set(self.set))
        else:
            actions += [UserHead.pending[key].set(value) for key, value in self.set.items()]
        actions += [UserHead.pending[key].remove() for key in self.removed]
        if self.complete and not head.all_pending:
            actions.append(UserHead.all_pending.set(1))
        elif not self.complete and head.all_pending:
            actions.append(UserHead.all_pending.remove())
        return actions


def _record_put(transaction: TransactWrite, pk: str, write: Write) -> None:
    """The record's Put, its item as DynamoDB JSON built once (record_attributes), conditioned on
    the version read (or on being new). PynamoDB's `save` would build and serialize a model."""
    record = write.record
    item = write.attributes if write.attributes is not None else record_attributes(pk, write)
    put: dict[str, Any] = {"TableName": TetherModel.Meta.table_name, "Item": item}
    if record.stored_version is None:
        put["ConditionExpression"] = "attribute_not_exists (#0)"
        put["ExpressionAttributeNames"] = {"#0": "pk"}
    else:
        put["ConditionExpression"] = "#0 = :0"
        put["ExpressionAttributeNames"] = {"#0": "version"}
        put["ExpressionAttributeValues"] = {":0": {"N": str(record.stored_version)}}
    transaction._put_items.append(put)


def _head_update(
    transaction: TransactWrite,
    pk: str,
    head: Head,
    new_head: int,
    epoch: str,
    now: datetime,
    poll_fast_until: datetime | None = None,
    position: tuple[str, ClientInfo, int] | None = None,
    waiting: _Waiting | None = None,
) -> None:
    """The head's update: its new number (when records changed), its waiting records and the
    client's position."""
    actions: list[Any] = []
    condition: Condition | None = None
    if new_head != head.seq:
        actions.append(UserHead.head.set(new_head))
        if waiting is not None:
            actions += waiting.actions(head)
        if poll_fast_until is not None:
            actions.append(UserHead.poll_fast_until.set(poll_fast_until))
        if head.epoch is None:
            # An update, not a put: the partition's open connections may already be on its head item.
            actions += [UserHead.epoch.set(head.epoch or epoch), UserHead.created_at.set(now)]
            condition = UserHead.epoch.does_not_exist()
        else:
            condition = (UserHead.head == head.seq) & (UserHead.epoch == head.epoch)
    if position is not None:
        moved, position_condition = _position_update(*position)
        actions += moved
        condition = position_condition if condition is None else condition & position_condition
    if not actions:
        return
    actions.insert(0, UserHead.item_type.set(UserHead))  # the update may create the item
    transaction.update(UserHead(pk=pk, sk=HEAD), actions=actions, condition=condition)


def _position_update(
    client_id: str, client: ClientInfo, last_mutation_id: int
) -> tuple[list[Any], Condition]:
    """The client's position on the head, conditioned on the one read (or on there being none) and
    on the client not being revoked since: its exactly-once record."""
    if client.positions_stored:
        entry = UserHead.positions[client_id]
        actions = [entry.set(last_mutation_id)]
        condition = entry == client.last_mutation_id if client.on_head else entry.does_not_exist()
    else:
        actions = [UserHead.positions.set({client_id: last_mutation_id})]
        condition = UserHead.positions.does_not_exist()
    return actions, condition & ~UserHead.revoked_clients.contains(client_id)


def _client_update(
    transaction: TransactWrite,
    pk: str,
    client_id: str,
    client: ClientInfo,
    last_mutation_id: int,
    now: datetime,
    device: DeviceInfo | None = None,
) -> None:
    # Its position is kept here too (read by exports and the devices list only where the head has
    # none); the head's condition is what makes the push exactly once.
    condition: Condition = (
        ClientState.revoked == False  # noqa: E712
        if client.exists
        else ClientState.pk.does_not_exist()
    )
    transaction.update(
        ClientState(pk=pk, sk=client_key(client_id), client_id=client_id),
        actions=sync_actions(client_id, now, last_mutation_id, device),
        condition=condition,
    )
