"""Accounts waiting to be erased: a lock on the account's gate item and an entry in a due-date queue.

`USER#<id>` / `SIGNINS` (tether/storage/signins.py), its `due_at` and `username`: when the account
is erased (what every operation checks: push and pull read that one item anyway, every other
operation through the gate's cache).
`ERASURES` / `<due ISO time>#<id>`: the scheduled job's queue, read in due order with one Query.
Both are written and removed in one transaction, so they never disagree.

Before, the lock was an item of its own, `USER#<id>` / `DELETION` (a second key, and a second read
unit, in every push's and pull's first BatchGetItem). Locks written that way are moved onto the gate
item by the `move-deletion-locks` job (`move_legacy_locks`, docs/accounts.md "Deployed accounts");
until it has run, `read` (deleteMyAccount, cancelAccountDeletion) still finds them and `cancel`
removes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.keys import user_key
from tether.storage.signins import SignInsItem
from tether.storage.signins import key as gate_key

QUEUE = "ERASURES"
LEGACY_FLAG = "DELETION"  # the lock's own item before it moved onto the gate item


class DeletionItem(TetherModel, discriminator="deletion"):
    """The queue entry (and a lock written before the move, in the user's partition)."""

    due_at = UTCDateTimeAttribute()
    user_id = UnicodeAttribute()
    username = UnicodeAttribute(null=True)  # the Cognito user name, for the final AdminDeleteUser


@dataclass(frozen=True)
class Pending:
    user_id: str
    due_at: datetime
    username: str | None


def _queue_key(due_at: datetime, user_id: str) -> str:
    return f"{due_at.isoformat()}#{user_id}"


def legacy_key(user_id: str) -> tuple[str, str]:
    return user_key(user_id), LEGACY_FLAG


def pending_from(items: Iterable[TetherModel], user_id: str) -> Pending | None:
    """The account's pending deletion among items a batch read (push and pull read the gate item
    with their other items; `read` reads a lock written before the move too)."""
    gate, legacy = gate_key(user_id), legacy_key(user_id)
    for item in items:
        if isinstance(item, SignInsItem) and (item.pk, item.sk) == gate and item.due_at is not None:
            return Pending(user_id, item.due_at, item.username)
        if isinstance(item, DeletionItem) and (item.pk, item.sk) == legacy:
            return Pending(item.user_id, item.due_at, item.username)
    return None


def read(user_id: str) -> Pending | None:
    """The account's pending deletion, if any: one strongly consistent BatchGetItem of the gate item
    and a lock written before the move (deleteMyAccount and cancelAccountDeletion only)."""
    return pending_from(guard(batch_get, [gate_key(user_id), legacy_key(user_id)]), user_id)


def _lock(transaction: TransactWrite, pending: Pending) -> None:
    """The lock onto the gate item (its sign-ins untouched), unless one is there already."""
    pk, sk = gate_key(pending.user_id)
    actions: list[Action] = [SignInsItem.item_type.set(SignInsItem), SignInsItem.due_at.set(pending.due_at)]
    if pending.username is not None:
        actions.append(SignInsItem.username.set(pending.username))
    transaction.update(
        SignInsItem(pk=pk, sk=sk), actions=actions, condition=SignInsItem.due_at.does_not_exist()
    )


def _entry(pending: Pending) -> DeletionItem:
    return DeletionItem(
        pk=QUEUE,
        sk=_queue_key(pending.due_at, pending.user_id),
        due_at=pending.due_at,
        user_id=pending.user_id,
        username=pending.username,
    )


def _transact(write: Callable[[TransactWrite], None]) -> None:
    def run() -> None:
        with TransactWrite(connection=TetherModel._get_connection().connection) as transaction:
            write(transaction)

    guard(run)


def schedule(user_id: str, due_at: datetime, username: str | None) -> Pending:
    """Lock and queue the account (one transaction); an already pending deletion is kept as it was."""
    existing = read(user_id)
    if existing is not None:
        return existing
    pending = Pending(user_id, due_at, username)

    def write(transaction: TransactWrite) -> None:
        _lock(transaction, pending)
        transaction.save(_entry(pending))

    _transact(write)
    return pending


def cancel(pending: Pending) -> None:
    """Remove the lock (and one written before the move) and the queue entry (one transaction);
    idempotent."""
    pk, sk = gate_key(pending.user_id)

    def write(transaction: TransactWrite) -> None:
        # (An erased account's entry is `dequeue`d: this update would give it an item again.)
        transaction.update(
            SignInsItem(pk=pk, sk=sk),
            actions=[
                SignInsItem.item_type.set(SignInsItem),
                SignInsItem.due_at.remove(),
                SignInsItem.username.remove(),
            ],
        )
        transaction.delete(DeletionItem(pk=pk, sk=LEGACY_FLAG))
        transaction.delete(DeletionItem(pk=QUEUE, sk=_queue_key(pending.due_at, pending.user_id)))

    _transact(write)


def dequeue(pending: Pending) -> None:
    """Remove the queue entry of an erased account (its lock went with its partition); idempotent."""
    guard(lambda: DeletionItem(pk=QUEUE, sk=_queue_key(pending.due_at, pending.user_id)).delete())


def due(now: datetime, limit: int = 100) -> list[Pending]:
    """Queue entries due at `now` or earlier, oldest first (one Query)."""
    return _entries(DeletionItem.sk <= f"{now.isoformat()}#\uffff", limit)


def _entries(condition: Any, limit: int | None) -> list[Pending]:
    items = guard(lambda: list(DeletionItem.query(QUEUE, condition, limit=limit, consistent_read=True)))
    return [Pending(item.user_id, item.due_at, item.username) for item in items]


def move_legacy_locks() -> int:
    """The `move-deletion-locks` job, once after deploying the lock's move onto the gate item: each
    queued account's lock written as its own item moves onto the gate item (one transaction each:
    the lock put on, the old item deleted). Idempotent; returns how many moved."""
    moved = 0
    for pending in _entries(None, None):
        found = guard(batch_get, [gate_key(pending.user_id), legacy_key(pending.user_id)])
        legacy = any(isinstance(item, DeletionItem) for item in found)
        on_gate = any(isinstance(item, SignInsItem) and item.due_at is not None for item in found)
        if not legacy:
            continue

        def write(transaction: TransactWrite, pending: Pending = pending, on_gate: bool = on_gate) -> None:
            if not on_gate:
                _lock(transaction, pending)
            transaction.delete(DeletionItem(pk=user_key(pending.user_id), sk=LEGACY_FLAG))

        _transact(write)
        moved += 1
    return moved
