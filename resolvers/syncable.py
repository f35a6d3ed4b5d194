"""What every synced record type shares, and the mapping between core records and GraphQL."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any, ClassVar, Self, cast

import strawberry

from tether.model.record import Record
from tether.sync.collection import Collection


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
        values: dict[str, Any] = {
            "id": strawberry.ID(record.id),
            "version": record.version,
            "updated_at": record.updated_at,
            "deleted": record.deleted,
            "created_at": record.created_at,
        }
        for name in cls.collection.fields:
            values[name] = cls.collection.value(record, name)
        names, defaulted = _field_names(cast(type, cls))
        # A field left empty takes the type's default (e.g. no tags -> []).
        return cls(
            **{
                name: value
                for name, value in values.items()
                if name in names and not (value is None and name in defaulted)
            }
        )


@functools.cache
def _field_names(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """A type's field names, and those with a default (read once per type, not per record)."""
    fields = dataclasses.fields(cls)
    defaulted = frozenset(
        item.name
        for item in fields
        if item.default is not dataclasses.MISSING or item.default_factory is not dataclasses.MISSING
    )
    return frozenset(item.name for item in fields), defaulted


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
