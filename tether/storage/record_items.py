"""Synced records as DynamoDB items (`USER#<sub>` / `<PREFIX>#<id>`), and the conversions both ways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from tether.model.record import Record, Stamp
from tether.storage.base import TetherModel


class RecordItem(TetherModel, discriminator="record"):
    """`USER#<sub>` / `<PREFIX>#<id>`: one synced record, with a stamp per field."""

    collection = UnicodeAttribute()
    record_id = UnicodeAttribute(attr_name="id")
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    deleted = BooleanAttribute(default=False)
    data = MapAttribute[str, Any](default=dict)
    stamps = MapAttribute[str, Any](default=dict)
    state = MapAttribute[str, Any](default=dict)


@dataclass
class Write:
    """One record to store in a transaction, with the sort keys the collection derives."""

    sort_key: str
    record: Record
    lookup_key: str | None = None
    time_key: str | None = None
    expires_at: datetime | None = None


def to_record(item: RecordItem) -> Record:
    return Record(
        collection=item.collection,
        id=item.record_id,
        version=int(item.version),
        seq=int(item.seq or 0),
        created_at=item.created_at,
        updated_at=item.updated_at,
        deleted=bool(item.deleted),
        data=_plain(item.data),
        stamps={name: Stamp.load(value) for name, value in _plain(item.stamps).items()},
        state=_plain(item.state),
        stored_version=int(item.version),
    )


def record_item(pk: str, write: Write) -> RecordItem:
    record = write.record
    return RecordItem(
        pk=pk,
        sk=write.sort_key,
        seq=record.seq,
        lk=write.lookup_key,
        tk=write.time_key,
        expires_at=write.expires_at,
        collection=record.collection,
        record_id=record.id,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
        deleted=record.deleted,
        data=record.data,
        stamps={name: stamp.dump() for name, stamp in record.stamps.items()},
        state=record.state,
    )


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)
