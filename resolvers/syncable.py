"""What every synced record type shares, and the mapping between core records and GraphQL."""

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, Self, cast, overload

import strawberry
from strawberry.schema.name_converter import NameConverter

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


class RecordList(Sequence[Any]):
    """Core records of one synced type, as a list of its GraphQL objects: each object is built
    when it is read (`record_type.from_record`), so graphql-core completes them as usual, while
    resolvers/execution.py writes the whole list straight from `records` where it can."""

    __slots__ = ("record_type", "records")

    def __init__(self, record_type: type[Syncable], records: list[Record] | None = None) -> None:
        self.record_type = record_type
        self.records: list[Record] = records if records is not None else []

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.record_type.from_record(record) for record in self.records[index]]
        return self.record_type.from_record(self.records[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self.record_type.from_record, self.records)

    def __repr__(self) -> str:
        return f"RecordList({self.record_type.__name__}, {len(self.records)} records)"


def reads_plainly(cls: type) -> bool:
    """Whether `cls.from_record` is Syncable's own (no override mapping records its own way)."""
    method = getattr(cls, "from_record", None)
    return getattr(method, "__func__", None) is Syncable.from_record.__func__  # type: ignore[attr-defined]


def default_of(cls: type, name: str) -> Callable[[], Any] | None:
    """What `cls(**values)` gives the field `name` when it is not passed (None: it is required)."""
    for item in dataclasses.fields(cls):
        if item.name == name:
            if item.default is None:
                return _no_value
            if item.default is not dataclasses.MISSING:
                value = item.default
                return lambda: value
            if item.default_factory is not dataclasses.MISSING:
                return item.default_factory
            return None
    return None


# How a writer obtains an attribute's value from a record: a function of the record, the name of a
# data field whose stored value is the value (no load, no default): `record.data.get(name)`,
# (name, default) for such a field the type defaults when it is empty (e.g. no tags -> []), or
# (name, default or None, load) for a field whose stored value is loaded (a value not None is
# `load(stored)`, and a None the default's, as from_record reads it).
Getter = (
    Callable[[Record], Any]
    | str
    | tuple[str, Callable[[], Any]]
    | tuple[str, Callable[[], Any] | None, Callable[[Any], Any]]
)


# The getters of a record's own attributes, shared: a writer that sees one reads the attribute inline.
RECORD_ATTRIBUTES: dict[str, Callable[[Record], Any]] = {
    name: operator.attrgetter(name) for name in ("id", "version", "updated_at", "deleted", "created_at")
}


def record_getters(cls: type) -> dict[str, Getter] | None:
    """For each attribute of `cls`, how `cls.from_record(record)` obtains its value from the record
    (the same rules, step for step), so that a writer may read records without building objects.
    None where `from_record` is not Syncable's own, or could not build the object at all."""
    if not reads_plainly(cls):
        return None
    reading = _reading(cls)
    getters: dict[str, Getter] = {
        name: RECORD_ATTRIBUTES[name] for name in ("id", "version", "updated_at", "deleted")
    }
    for item in dataclasses.fields(cls):
        if item.name in getters:
            continue
        default = default_of(cls, item.name)
        if default is not None:
            getters[item.name] = _constant(default)
    if reading.created_at:
        getters["created_at"] = _created_at(reading.created_at_defaulted, default_of(cls, "created_at"))
    for name, load, defaulted in reading.fields:
        getters[name] = _data(name, load, default_of(cls, name) if defaulted else None)
    if any(item.name not in getters for item in dataclasses.fields(cls)):
        return None  # a field from_record never fills and the type does not default
    return getters


@functools.cache
def record_fields(cls: type) -> dict[str, str]:
    """The GraphQL name of each plain field of a record type (read as an attribute: no resolver of
    its own, no field extension) -> its Python attribute, from the type's own declaration (the
    schema's default naming), so that a schema built from the SDL needs no Strawberry extension."""
    names = NameConverter()
    return {
        names.from_field(field): field.python_name
        for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        if field.base_resolver is None
        and not getattr(field, "extensions", None)
        and not getattr(field, "permission_classes", None)
    }


def _no_value() -> None:
    """The default of a field that defaults to None (a getter reads such a field as it is stored)."""
    return None


def _constant(default: Callable[[], Any]) -> Callable[[Record], Any]:
    return lambda record: default()


def _created_at(defaulted: bool, default: Callable[[], Any] | None) -> Callable[[Record], Any]:
    if not defaulted or default is None or default is _no_value:
        return RECORD_ATTRIBUTES["created_at"]
    return lambda record: record.created_at if record.created_at is not None else default()


def _data(name: str, load: Callable[[Any], Any] | None, default: Callable[[], Any] | None) -> Getter:
    if default is _no_value:
        default = None  # (a null stays null)
    if load is None:
        return name if default is None else (name, default)  # the stored value is the value
    return (name, default, load)


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
