"""Online reads of synced records (plain queries), always inside the caller's own partition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tether.errors import check_between
from tether.model.record import Record
from tether.storage.keys import user_key
from tether.storage.listing import get_record, list_records
from tether.sync.collection import Collection
from tether.sync.fields import is_record_id

MAX_PAGE = 100


@dataclass(frozen=True)
class RecordPage:
    records: list[Record]
    next_key: dict[str, str] | None


def get(user_id: str, collection: Collection, record_id: str) -> Record | None:
    """The live record with this id, or None (unknown, malformed or deleted ids alike)."""
    if not is_record_id(record_id):
        return None
    record = get_record(user_key(user_id), collection.sort_key(record_id))
    return None if record is None or record.deleted else record


def page(
    user_id: str,
    collection: Collection,
    *,
    first: int,
    after: Mapping[str, str] | None = None,
    index: str | None = None,
    prefix: str | None = None,
    descending: bool = False,
    before: str | None = None,
) -> RecordPage:
    """Up to `first` live records of the collection, by id or by one of its index keys (those
    sorting before `before` only, when given: the Query stops there and fetches none of the rest)."""
    check_between("first", first, 1, MAX_PAGE)
    result = list_records(
        user_key(user_id),
        prefix=prefix or f"{collection.key_prefix}#",
        first=first,
        after=after,
        index=index,
        descending=descending,
        before=before,
    )
    return RecordPage(result.records, result.next_key)
