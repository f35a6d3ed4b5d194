"""Synced records as DynamoDB items (`USER#<sub>` / `<PREFIX>#<id>`), and the conversions both ways.

The item is kept small because every write of it is billed per started 1 KB, twice (it is written
in a transaction), and once more for the `bySeq` feed index, which projects it whole (see
docs/cost.md): its id is the sort key's tail (not stored again), its times are epoch microseconds,
`deleted` and `state` are stored only when set, and its field stamps are grouped: one entry per
distinct stamp (`<millis>|<mutation id>|<client id>`) with the set of fields it stamps, so the
fields one mutation set share one copy of the client id.

Items written before this shape (`id`, `created_at`/`updated_at` as text, `stamps` as one list per
field) are still read as they are; the next write of a record stores it in the new shape.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    _get_class_for_serialize,
)

from tether.model.record import Record, Stamp
from tether.storage.base import TTL_ATTRIBUTE, TetherModel

# What a reader needs of a record item: everything but the merge bookkeeping (stamps, state).
READ_ATTRIBUTES = [
    "pk",
    "sk",
    "type",
    "seq",
    "collection",
    "version",
    "ct",
    "ut",
    "deleted",
    "data",
    # the earlier shape
    "id",
    "created_at",
    "updated_at",
]


RECORD_TYPE = "record"  # the item type (discriminator) of record items


class RecordItem(TetherModel, discriminator=RECORD_TYPE):
    """`USER#<sub>` / `<PREFIX>#<id>`: one synced record, with its field stamps."""

    collection = UnicodeAttribute()
    version = NumberAttribute()
    created = NumberAttribute(attr_name="ct", null=True)  # epoch microseconds
    updated = NumberAttribute(attr_name="ut", null=True)  # epoch microseconds
    deleted = BooleanAttribute(null=True)  # stored only when True
    data = MapAttribute[str, Any](default=dict)
    stamp_groups = MapAttribute[str, Any](attr_name="st", null=True)  # stamp text -> set of fields
    state = MapAttribute[str, Any](null=True)  # stored only when not empty
    # The earlier shape, read but never written.
    legacy_id = UnicodeAttribute(attr_name="id", null=True)
    legacy_created_at = UTCDateTimeAttribute(attr_name="created_at", null=True)
    legacy_updated_at = UTCDateTimeAttribute(attr_name="updated_at", null=True)
    legacy_stamps = MapAttribute[str, Any](attr_name="stamps", null=True)


@dataclass
class Write:
    """One record to store in a transaction, with the sort keys the collection derives."""

    sort_key: str
    record: Record
    lookup_key: str | None = None
    time_key: str | None = None
    expires_at: datetime | None = None
    attributes: dict[str, Any] | None = None  # its item (record_attributes), when built already
    pends: bool = False  # its collection keeps waiting records on the head (Collection.pending)
    pending: bool = False  # ... and this one is waiting

    def kept_on_head(self) -> None:
        """Waiting on the head, so not in `byTime`: its time key dropped (and from its item)."""
        self.time_key = None
        if self.attributes is not None:
            self.attributes.pop("tk", None)

    def numbered(self, seq: int) -> None:
        """Give the record (and its item, if built) its place in the feed."""
        self.record.seq = seq
        if self.attributes is not None:
            self.attributes["seq"] = {"N": str(seq)}


def to_record(item: RecordItem) -> Record:
    return Record(
        collection=item.collection,
        id=item.legacy_id or record_id_of(item.sk),
        version=int(item.version),
        seq=int(item.seq or 0),
        created_at=from_micros(item.created) if item.created is not None else item.legacy_created_at,
        updated_at=from_micros(item.updated) if item.updated is not None else item.legacy_updated_at,
        deleted=bool(item.deleted),
        data=_plain(item.data),
        stamps=load_stamps(_plain(item.stamp_groups), _plain(item.legacy_stamps)),
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
        version=record.version,
        created=micros(record.created_at) if record.created_at is not None else None,
        updated=micros(record.updated_at) if record.updated_at is not None else None,
        deleted=True if record.deleted else None,
        data=record.data,
        stamp_groups=dump_stamps(record.stamps) or None,
        state=record.state or None,
    )


def record_attributes(pk: str, write: Write) -> dict[str, Any]:
    """`record_item(pk, write).serialize()`, built directly as DynamoDB JSON: the item a push writes,
    once per record (its size taken from it), without a PynamoDB model per record and its
    serialization (most of a push's own CPU). tests/storage/test_record_items.py keeps the two equal."""
    record = write.record
    item: dict[str, Any] = {
        "pk": {"S": pk},
        "sk": {"S": write.sort_key},
        "type": {"S": RECORD_TYPE},
        "collection": {"S": record.collection},
        "version": {"N": json.dumps(record.version)},
        "data": {"M": _raw_map(record.data)},
    }
    if record.seq is not None:
        item["seq"] = {"N": json.dumps(record.seq)}
    if write.lookup_key is not None:
        item["lk"] = {"S": write.lookup_key}
    if write.time_key is not None:
        item["tk"] = {"S": write.time_key}
    if write.expires_at is not None:
        item[TTL_ATTRIBUTE] = {
            "N": json.dumps(calendar.timegm(write.expires_at.astimezone(UTC).utctimetuple()))
        }
    if record.created_at is not None:
        item["ct"] = {"N": json.dumps(micros(record.created_at))}
    if record.updated_at is not None:
        item["ut"] = {"N": json.dumps(micros(record.updated_at))}
    if record.deleted:
        item["deleted"] = {"BOOL": True}
    stamps = dump_stamps(record.stamps)
    if stamps:
        item["st"] = {"M": _raw_map(stamps)}
    if record.state:
        item["state"] = {"M": _raw_map(record.state)}
    return item


def _raw_map(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _raw_value(value) for name, value in values.items()}


def _raw_value(value: Any) -> dict[str, Any]:
    """A value of an untyped map as PynamoDB stores it (`MapAttribute[str, Any]`)."""
    kind = type(value)
    if kind is str:
        return {"S": value}
    if kind is bool:
        return {"BOOL": value}
    if kind is int or kind is float:
        return {"N": json.dumps(value)}
    if kind is dict:
        return {"M": _raw_map(value)}
    if kind is list:
        return {"L": [_raw_value(item) for item in value]}
    if value is None:
        return {"NULL": True}
    return _pynamodb_value(value)


def _pynamodb_value(value: Any) -> dict[str, Any]:
    """Whatever else (sets, bytes): PynamoDB's own serialization of it."""
    attribute = _get_class_for_serialize(value)
    serialized = attribute.serialize(value)
    return {"NULL": True} if serialized is None else {attribute.attr_type: serialized}


def record_id_of(sort_key: str) -> str:
    """A record's id: its sort key after the collection's prefix (`PIECE#<id>`)."""
    return sort_key.partition("#")[2]


def micros(moment: datetime) -> int:
    """Microseconds since the epoch (exact: a datetime has no finer resolution)."""
    delta = moment.astimezone(UTC) - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_micros(value: int | float) -> datetime:
    """The UTC time `value` microseconds after the epoch (exact integer arithmetic, one step: two
    per pulled record)."""
    return EPOCH + timedelta(microseconds=int(value))


def dump_stamps(stamps: Mapping[str, Stamp]) -> dict[str, set[str]]:
    """Stamps grouped by value: `<millis>|<mutation id>|<client id>` -> the fields it stamps."""
    groups: dict[str, set[str]] = {}
    for name, stamp in stamps.items():
        groups.setdefault(f"{stamp.millis}|{stamp.mutation_id}|{stamp.client_id}", set()).add(name)
    return groups


def load_stamps(groups: Mapping[str, Any], legacy: Mapping[str, Any]) -> dict[str, Stamp]:
    """The field stamps of an item: grouped (this shape) or one list per field (the earlier one)."""
    stamps = {name: Stamp.load(value) for name, value in legacy.items()}
    for text, names in groups.items():
        millis, mutation_id, client_id = text.split("|", 2)
        stamp = Stamp(int(millis), client_id, int(mutation_id))
        for name in names:
            stamps[name] = stamp
    return stamps


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)
