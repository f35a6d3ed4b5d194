"""Record.copy: what a push hands back and what the engine goes on changing never share values."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from tether.model.record import Record, Stamp


def record() -> Record:
    return Record(
        collection="piece",
        id="p1",
        version=3,
        seq=7,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, tzinfo=UTC),
        data={"title": "Oli", "tags": ["a", "b"], "meta": {"verses": [1, 2], "note": None}},
        stamps={"title": Stamp(1, "phone", 1)},
        state={"totals": {"listened": 30}},
        stored_version=3,
    )


def test_a_copy_equals_a_deep_copy() -> None:
    original = record()
    assert original.copy() == copy.deepcopy(original)


def test_changing_a_copy_leaves_the_original_alone() -> None:
    original = record()
    copied = original.copy()
    copied.data["tags"].append("c")
    copied.data["meta"]["verses"].append(3)
    copied.state["totals"]["listened"] = 99
    copied.stamps["notes"] = Stamp(2, "phone", 2)
    copied.version += 1
    assert original == record()
