"""The audit log's items: a numbered hash chain in its own partition, and its head."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.transactions import TransactWrite

from tether.storage.base import TetherModel, guard

PARTITION = "AUDIT"
HEAD = "HEAD"
ENTRY_PREFIX = "ENTRY#"
GENESIS = "0" * 64  # the "previous hash" of entry 1

# One more item of a transaction that appends an entry (e.g. the consent the entry records).
Operation = Callable[[TransactWrite], None]


def entry_key(number: int) -> str:
    return f"{ENTRY_PREFIX}{number:012d}"


class AuditHeadItem(TetherModel, discriminator="audit_head"):
    """`AUDIT` / `HEAD`: the number and hash of the last entry (so a cut-off tail is detected)."""

    last = NumberAttribute()
    hash = UnicodeAttribute()


class AuditEntryItem(TetherModel, discriminator="audit_entry"):
    """`AUDIT` / `ENTRY#<number>`: one event. `details` is canonical JSON, hashed exactly as stored."""

    number = NumberAttribute()
    kind = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    details = UnicodeAttribute()
    prev = UnicodeAttribute()
    hash = UnicodeAttribute()


@dataclass(frozen=True)
class ChainHead:
    last: int
    hash: str


@dataclass(frozen=True)
class StoredEntry:
    position: int  # the number in the entry's key
    number: int
    kind: str
    subject: str | None
    at: str
    details: str
    prev: str
    hash: str


def read_head(partition: str) -> ChainHead:
    """The chain's head, strongly consistent (number 0 and the genesis hash when empty)."""
    try:
        item = guard(lambda: AuditHeadItem.get(partition, HEAD, consistent_read=True))
    except AuditHeadItem.DoesNotExist:
        return ChainHead(0, GENESIS)
    return ChainHead(int(item.last), item.hash)


def append(
    partition: str,
    head: ChainHead,
    entry: StoredEntry,
    also: Sequence[Operation] = (),
    *,
    token: str,
) -> None:
    """One transaction: the entry (its number must be new), the head moved from `head` to it, and
    `also`. A concurrent append (or a failed condition of `also`) raises StaleRead: nothing stored."""
    transaction = TransactWrite(
        connection=TetherModel._get_connection().connection, client_request_token=token
    )
    transaction.save(
        AuditEntryItem(
            pk=partition,
            sk=entry_key(entry.position),
            number=entry.number,
            kind=entry.kind,
            subject=entry.subject,
            at=entry.at,
            details=entry.details,
            prev=entry.prev,
            hash=entry.hash,
        ),
        condition=AuditEntryItem.pk.does_not_exist(),
    )
    new_head = AuditHeadItem(pk=partition, sk=HEAD, last=entry.number, hash=entry.hash)
    if head.last == 0:
        transaction.save(new_head, condition=AuditHeadItem.pk.does_not_exist())
    else:
        transaction.save(
            new_head, condition=(AuditHeadItem.last == head.last) & (AuditHeadItem.hash == head.hash)
        )
    for operation in also:
        operation(transaction)
    guard(transaction._commit)


def entries(partition: str) -> Iterator[StoredEntry]:
    """Every entry in number order, page by page (strongly consistent)."""
    query = AuditEntryItem.query(
        partition,
        AuditEntryItem.sk.startswith(ENTRY_PREFIX),
        consistent_read=True,
        page_size=1000,
    )
    iterator = iter(query)
    while True:
        item = guard(lambda: next(iterator, None))
        if item is None:
            return
        if isinstance(item, AuditEntryItem):
            yield StoredEntry(
                position=int(item.sk.removeprefix(ENTRY_PREFIX)),
                number=int(item.number),
                kind=item.kind,
                subject=item.subject,
                at=item.at,
                details=item.details,
                prev=item.prev,
                hash=item.hash,
            )
