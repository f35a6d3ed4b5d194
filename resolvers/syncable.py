"""What every synced record type shares, and the mapping between core records and GraphQL."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Self, cast

import strawberry

from tether.model.record import Record
from tether.sync.collection import Collection
from tether.sync.fields import Field


@strawberry.interface(
    description="A record that syncs between devices. `version` and `updatedAt` are the server's; "
    "a deleted record is a tombstone (`deleted: true`, content cleared) kept for a retention period."
)
class Syncable:
    collection: ClassVar[Collection]

    id: strawberry.ID
    version: int
    updated_at: datetime
    deleted: bool

    @classmethod
    def from_record(cls, record: Record) -> Self:
        """The GraphQL object of a core record of this type's collection."""
        reading = _reading(cast(type, cls))
        values: dict[str, Any] = {
            "id": strawberry.ID(record.id),
            "version": record.version,
            "updated_at": record.updated_at,
            "deleted": record.deleted,
        }
        if reading.created_at and (record.created_at is not None or not reading.created_at_defaulted):
            values["created_at"] = record.created_at
        data = record.data
        for name, load, defaulted in reading.fields:
            stored = data.get(name)
            value = load(stored) if load is not None and stored is not None else stored
            # A field left empty takes the type's default (e.g. no tags -> []).
            if value is not None or not defaulted:
                values[name] = value
        return cls(**values)


@dataclasses.dataclass(frozen=True, slots=True)
class _Reading:
    """How a type reads its collection's fields from a record (worked out once per type)."""

    created_at: bool  # the type has a createdAt field
    created_at_defaulted: bool
    # (field, its load, or None where the stored value is the value; whether the type defaults it)
    fields: tuple[tuple[str, Callable[[Any], Any] | None, bool], ...]


@functools.cache
def _reading(cls: type) -> _Reading:
    collection: Collection = cls.collection  # type: ignore[attr-defined]
    fields = dataclasses.fields(cls)
    names = {item.name for item in fields}
    defaulted = {
        item.name
        for item in fields
        if item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING
    }
    loads = []
    for name, spec in collection.fields.items():
        if name in names:
            load = None if type(spec).load is Field.load else spec.load
            loads.append((name, load, name in defaulted))
    return _Reading("created_at" in names, "created_at" in defaulted, tuple(loads))


def patch(change: Any) -> dict[str, Any]:
    """A core patch from an input object: `id`, plus only the fields the client sent (null = clear).

    Plain (not `Maybe`) fields are included when given (reports such as RecordProgressInput, a chat
    message's text); a nested input with `to_core()` (e.g. a thread's context) says how the core wants it."""
    payload: dict[str, Any] = {}
    for item in dataclasses.fields(change):
        value = getattr(change, item.name)
        if item.name == "id":
            payload["id"] = str(value)
        elif isinstance(value, strawberry.Some):
            inner = value.value
            # A nested input (e.g. a thread's context) says how the core wants it.
            payload[item.name] = inner.to_core() if hasattr(inner, "to_core") else _plain(inner)
        elif value is not None and value is not strawberry.UNSET:
            payload[item.name] = value  # a plain (required) field, e.g. a chat message's text
    return payload


def _plain(value: Any) -> Any:
    """Nested input objects (e.g. a list of key/value entries) as plain dicts for the core."""
    if isinstance(value, list):
        return [_plain(entry) for entry in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: _plain(getattr(value, item.name)) for item in dataclasses.fields(value)}
    return value
