"""Accounts waiting to be erased: a flag in the user's partition and an entry in a due-date queue.

`USER#<id>` / `DELETION`: when the account is erased (what every operation checks, cached).
`ERASURES` / `<due ISO time>#<id>`: the scheduled job's queue, read in due order with one Query.
Both are written and removed in one transaction, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.transactions import TransactWrite

from tether.storage.base import TetherModel, guard
from tether.storage.keys import user_key

QUEUE = "ERASURES"
FLAG = "DELETION"


class DeletionItem(TetherModel, discriminator="deletion"):
    """The flag (in the user's partition) and the queue entry share this shape."""

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


def flag_key(user_id: str) -> tuple[str, str]:
    return user_key(user_id), FLAG


def pending_from(items: Iterable[TetherModel], user_id: str) -> Pending | None:
    """The account's pending deletion among items a batch read (push and pull read the flag with
    their other items)."""
    wanted = flag_key(user_id)
    for item in items:
        if isinstance(item, DeletionItem) and (item.pk, item.sk) == wanted:
            return Pending(item.user_id, item.due_at, item.username)
    return None


def read(user_id: str) -> Pending | None:
    """The account's pending deletion, if any (one strongly consistent GetItem)."""
    try:
        item = guard(lambda: DeletionItem.get(user_key(user_id), FLAG, consistent_read=True))
    except DeletionItem.DoesNotExist:
        return None
    return Pending(item.user_id, item.due_at, item.username)


def schedule(user_id: str, due_at: datetime, username: str | None) -> Pending:
    """Flag and queue the account (one transaction); an already pending deletion is kept as it was."""
    existing = read(user_id)
    if existing is not None:
        return existing
    flag = DeletionItem(pk=user_key(user_id), sk=FLAG, due_at=due_at, user_id=user_id, username=username)
    entry = DeletionItem(
        pk=QUEUE, sk=_queue_key(due_at, user_id), due_at=due_at, user_id=user_id, username=username
    )

    def write() -> None:
        with TransactWrite(connection=TetherModel._get_connection().connection) as transaction:
            transaction.save(flag, condition=DeletionItem.sk.does_not_exist())
            transaction.save(entry)

    guard(write)
    return Pending(user_id, due_at, username)


def cancel(pending: Pending) -> None:
    """Remove the flag and the queue entry (one transaction); idempotent."""

    def write() -> None:
        with TransactWrite(connection=TetherModel._get_connection().connection) as transaction:
            transaction.delete(DeletionItem(pk=user_key(pending.user_id), sk=FLAG))
            transaction.delete(DeletionItem(pk=QUEUE, sk=_queue_key(pending.due_at, pending.user_id)))

    guard(write)


def due(now: datetime, limit: int = 100) -> list[Pending]:
    """Queue entries due at `now` or earlier, oldest first (one Query)."""
    items = guard(
        lambda: list(
            DeletionItem.query(
                QUEUE, DeletionItem.sk <= f"{now.isoformat()}#\uffff", limit=limit, consistent_read=True
            )
        )
    )
    return [Pending(item.user_id, item.due_at, item.username) for item in items]
