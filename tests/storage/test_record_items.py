"""The DynamoDB JSON a push writes for a record is exactly what the PynamoDB model serializes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tether.model.record import Record, Stamp
from tether.storage.record_items import Write, from_micros, micros, record_attributes, record_item

NOW = datetime(2026, 3, 10, 18, 30, 12, 345678, tzinfo=UTC)


def record(**overrides: Any) -> Record:
    values: dict[str, Any] = {
        "collection": "piece",
        "id": "01J0000000000000000000000A",
        "version": 3,
        "seq": 41,
        "created_at": NOW - timedelta(days=2),
        "updated_at": NOW,
        "deleted": False,
        "data": {"title": "Kaholo", "tags": ["slow", "hips"], "favorite": True, "rating": 4.5},
        "stamps": {
            "title": Stamp(1_770_000_000_000, "phone", 7),
            "tags": Stamp(1_770_000_000_000, "phone", 7),
        },
        "state": {},
    }
    values.update(overrides)
    return Record(**values)


CASES: dict[str, tuple[Record, dict[str, Any]]] = {
    "a new piece": (record(seq=None, version=1), {}),
    "a saved piece": (record(), {}),
    "with lookup and time keys": (record(), {"lookup_key": "PIECE#x", "time_key": "SESSION#2026-03-10"}),
    "a tombstone": (record(deleted=True, data={}, stamps={}), {"expires_at": NOW + timedelta(days=30)}),
    "nested data, nulls, numbers": (
        record(
            data={
                "notes": None,
                "count": 0,
                "big": 12345678901234567890,
                "score": -0.25,
                "empty": [],
                "nested": {"a": [1, "two", None, {"b": False}], "c": {}},
                "text": "\u02bbōlelo 🌺",
            }
        ),
        {},
    ),
    "merge state": (record(state={"counts": {"phone": 3}, "seen": ["a"]}), {}),
    "no times": (record(created_at=None, updated_at=None), {}),
}


@pytest.mark.parametrize("name", CASES)
def test_record_attributes_are_the_models_serialization(name: str) -> None:
    stored, keys = CASES[name]
    write = Write("PIECE#01J0000000000000000000000A", stored, **keys)
    assert record_attributes("USER#u", write) == record_item("USER#u", write).serialize()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # before the epoch
        datetime(2026, 12, 1, 16, 20, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 20, 0, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_record_times_round_trip_to_the_microsecond(moment: datetime) -> None:
    back = from_micros(micros(moment))
    assert back == moment
    assert back.tzinfo is UTC
