"""A synced record as its GraphQL object (resolvers/syncable.py), for every bound collection."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from resolvers.sync.bindings import RECORDS
from resolvers.syncable import Syncable
from tether.model.record import Record


def _record(collection: str, data: dict[str, Any]) -> Record:
    moment = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    return Record(
        collection=collection,
        id="01J0000000000000000000000",
        version=3,
        seq=9,
        created_at=moment,
        updated_at=moment,
        deleted=False,
        data=data,
        stamps={},
        state={},
        stored_version=3,
    )


def _expected(record_type: type, record: Record) -> dict[str, Any]:
    """What the object must hold, worked out field by field from the type and its collection."""
    collection = record_type.collection  # type: ignore[attr-defined]
    expected: dict[str, Any] = {}
    for item in dataclasses.fields(record_type):
        if callable(item.default):
            continue  # a field with a resolver of its own, not data
        base = {"id": record.id, "version": 3, "updated_at": record.updated_at, "deleted": False}
        base["created_at"] = record.created_at
        if item.name in base:
            expected[item.name] = base[item.name]
        elif item.name in collection.fields and record.data.get(item.name) is not None:
            expected[item.name] = collection.fields[item.name].load(record.data[item.name])
        elif item.default is not dataclasses.MISSING:
            expected[item.name] = item.default
        elif item.default_factory is not dataclasses.MISSING:
            expected[item.name] = item.default_factory()
        else:
            expected[item.name] = None
    return expected


def _held(made: Any, expected: dict[str, Any]) -> dict[str, Any]:
    return {name: getattr(made, name) for name in expected}


# The types mapped by Syncable.from_record itself (the others map their records their own way).
PLAIN = sorted(c for c, (t, _) in RECORDS.items() if t.from_record.__func__ is Syncable.from_record.__func__)  # type: ignore[attr-defined]


@pytest.mark.parametrize("collection", PLAIN)
def test_an_empty_record_takes_each_types_defaults(collection: str) -> None:
    record_type, _ = RECORDS[collection]
    record = _record(collection, {})
    expected = _expected(record_type, record)
    assert _held(record_type.from_record(record), expected) == expected


def test_stored_values_are_loaded_by_their_fields() -> None:
    record_type, _ = RECORDS["session"]
    stored = {"started_at": "2026-05-01T11:55:00.000000+00:00", "duration_seconds": 300, "rating": 4}
    record = _record("session", stored)
    made = record_type.from_record(record)
    assert made.started_at == datetime(2026, 5, 1, 11, 55, tzinfo=UTC)  # type: ignore[attr-defined]
    expected = _expected(record_type, record)
    assert _held(made, expected) == expected
    pieces, _ = RECORDS["piece"]
    piece = pieces.from_record(_record("piece", {"title": "Ave", "tags": ["a"], "favorite": True}))
    assert (piece.title, piece.tags, piece.favorite) == ("Ave", ["a"], True)  # type: ignore[attr-defined]
    assert pieces.from_record(_record("piece", {"title": "Ave"})).tags == []  # type: ignore[attr-defined]
