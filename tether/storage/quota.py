"""The attachment quota of a profile: one total item and one entry per attachment, in its partition.

`<pk>` / `QUOTA` holds `total` (bytes used + reserved), `used` and `reserved`. `<pk>` / `QUOTA#<id>`
is an attachment's share: `reserved` while its upload URL is out, `used` once its file is stored.
Every change moves an entry and the total in one transaction, so the total is always the sum of
the entries; a reservation's condition (`total <= limit - size`) makes it atomic without a read.
Open reservations carry a time key (`tk`, the byTime index) so stale ones are found by one Query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from tether.errors import Busy, StaleRead
from tether.storage.base import TetherModel
from tether.storage.base import guard as _guard

TOTAL = "QUOTA"
ENTRY_PREFIX = "QUOTA#"
RESERVED_TIME_PREFIX = "QUOTARES#"
RESERVED = "reserved"
USED = "used"
ATTEMPTS = 5


class QuotaTotal(TetherModel, discriminator="quota"):
    total = NumberAttribute(default=0)
    used = NumberAttribute(default=0)
    reserved = NumberAttribute(default=0)


class QuotaEntry(TetherModel, discriminator="quota_entry"):
    state = UnicodeAttribute()
    size = NumberAttribute()
    at = UTCDateTimeAttribute()


@dataclass(frozen=True)
class Usage:
    used: int
    reserved: int

    @property
    def total(self) -> int:
        return self.used + self.reserved


@dataclass(frozen=True)
class Entry:
    state: str
    size: int
    at: datetime


class QuotaFull(Exception):
    def __init__(self, usage: Usage) -> None:
        super().__init__("quota full")
        self.usage = usage


def usage(pk: str) -> Usage:
    """The profile's bytes used and reserved (strongly consistent)."""
    try:
        item = _guard(lambda: QuotaTotal.get(pk, TOTAL, consistent_read=True))
    except DoesNotExist:
        return Usage(0, 0)
    return Usage(int(item.used or 0), int(item.reserved or 0))


def entry(pk: str, attachment_id: str) -> Entry | None:
    try:
        item = _guard(lambda: QuotaEntry.get(pk, ENTRY_PREFIX + attachment_id, consistent_read=True))
    except DoesNotExist:
        return None
    return Entry(item.state, int(item.size), item.at)


def reserve(pk: str, attachment_id: str, size: int, limit: int, now: datetime) -> None:
    """Reserve `size` bytes for the attachment's upload, unless that would pass `limit` (QuotaFull).

    Asking again for the same attachment reserves nothing more (or only the size's difference)."""
    for _ in range(ATTEMPTS):
        current = entry(pk, attachment_id)
        if current is not None and current.state == USED:
            return
        delta = size - (current.size if current is not None else 0)
        transaction = _transaction()
        reservation = QuotaEntry(
            pk=pk, sk=ENTRY_PREFIX + attachment_id, state=RESERVED, size=size, at=now, tk=_time_key(now)
        )
        if current is None:
            transaction.save(reservation, condition=QuotaEntry.sk.does_not_exist())
        else:
            transaction.save(
                reservation, condition=(QuotaEntry.state == RESERVED) & (QuotaEntry.size == current.size)
            )
        if delta > 0:
            condition = QuotaTotal.total.does_not_exist() | (QuotaTotal.total <= limit - delta)
        else:
            condition = None
        transaction.update(
            QuotaTotal(pk=pk, sk=TOTAL),
            actions=[QuotaTotal.total.add(delta), QuotaTotal.reserved.add(delta), _typed()],
            condition=condition,
        )
        try:
            _guard(transaction._commit)
            return
        except (StaleRead, Busy):  # another change of this quota came first: read again
            found = usage(pk)
            if delta > 0 and found.total + delta > limit:
                raise QuotaFull(found) from None
    raise StaleRead("quota kept changing")


def settle(pk: str, attachment_id: str, size: int, now: datetime) -> None:
    """The file is stored: its reservation (if any is left) becomes `size` bytes used. Idempotent."""
    for _ in range(ATTEMPTS):
        current = entry(pk, attachment_id)
        if current is not None and current.state == USED:
            return
        transaction = _transaction()
        used = QuotaEntry(pk=pk, sk=ENTRY_PREFIX + attachment_id, state=USED, size=size, at=now)
        if current is None:  # its reservation was released as stale: the file counts all the same
            transaction.save(used, condition=QuotaEntry.sk.does_not_exist())
            held = 0
        else:
            transaction.save(
                used, condition=(QuotaEntry.state == RESERVED) & (QuotaEntry.size == current.size)
            )
            held = current.size
        transaction.update(
            QuotaTotal(pk=pk, sk=TOTAL),
            actions=[
                QuotaTotal.total.add(size - held),
                QuotaTotal.reserved.add(-held),
                QuotaTotal.used.add(size),
                _typed(),
            ],
        )
        try:
            _guard(transaction._commit)
            return
        except (StaleRead, Busy):  # another change of this quota came first: read again
            continue
    raise StaleRead("quota kept changing")


def release(pk: str, attachment_id: str, *, only_reserved_before: datetime | None = None) -> int:
    """Give the attachment's bytes back (its file is deleted, refused, or its upload went stale);
    returns the bytes released. With `only_reserved_before`, only a reservation older than that."""
    for _ in range(ATTEMPTS):
        current = entry(pk, attachment_id)
        if current is None:
            return 0
        if only_reserved_before is not None and (
            current.state != RESERVED or current.at >= only_reserved_before
        ):
            return 0
        transaction = _transaction()
        transaction.delete(
            QuotaEntry(pk=pk, sk=ENTRY_PREFIX + attachment_id),
            condition=(QuotaEntry.state == current.state) & (QuotaEntry.size == current.size),
        )
        field = QuotaTotal.reserved if current.state == RESERVED else QuotaTotal.used
        transaction.update(
            QuotaTotal(pk=pk, sk=TOTAL),
            actions=[QuotaTotal.total.add(-current.size), field.add(-current.size), _typed()],
        )
        try:
            _guard(transaction._commit)
            return current.size
        except (StaleRead, Busy):  # another change of this quota came first: read again
            continue
    raise StaleRead("quota kept changing")


def stale_reservations(pk: str, before: datetime) -> list[str]:
    """Attachment ids whose reservation was made before `before` (one Query of the byTime index)."""
    found: list[str] = []
    start: dict[str, Any] | None = None
    while True:
        data = _guard(
            TetherModel._get_connection().query,
            pk,
            range_key_condition=TetherModel.tk.between(RESERVED_TIME_PREFIX, _time_key(before)),
            index_name="byTime",
            consistent_read=True,
            exclusive_start_key=start,
        )
        found.extend(raw["sk"]["S"][len(ENTRY_PREFIX) :] for raw in data.get("Items", []))
        start = data.get("LastEvaluatedKey")
        if not start:
            return found


def _time_key(moment: datetime) -> str:
    return RESERVED_TIME_PREFIX + moment.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _typed() -> Any:
    # The total item is created by its first update: give it its model's type.
    return QuotaTotal.item_type.set(QuotaTotal)


def _transaction() -> TransactWrite:
    return TransactWrite(connection=TetherModel._get_connection().connection)
