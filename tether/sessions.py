"""Practice sessions: one practice of a piece or a content track."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether.sync.collection import Collection, Delete, Rejected, SavePatch
from tether.sync.fields import CatalogId, Integer, RecordId, Text, Timestamp
from tether.sync.records import Record

DAY_SECONDS = 24 * 3600


def _by_piece(record: Record) -> str | None:
    piece_id = record.data.get("piece_id")
    return f"SESSION#{piece_id}#{record.data.get('started_at', '')}" if piece_id else None


def _by_start(record: Record) -> str | None:
    return f"SESSION#{record.data.get('started_at', '')}"


def _check_times(patch: Mapping[str, Any]) -> None:
    started, ended = patch.get("started_at"), patch.get("ended_at")
    if started and ended and ended < started:  # ISO-8601 UTC strings sort as times
        raise Rejected("INVALID_RANGE", "endedAt is before startedAt")


SESSIONS = Collection(
    name="session",
    key_prefix="SESSION",
    fields={
        "piece_id": RecordId(),
        "track_id": CatalogId(),
        "started_at": Timestamp(required=True),
        "ended_at": Timestamp(),
        "duration_seconds": Integer(minimum=0, maximum=DAY_SECONDS),
        "rating": Integer(minimum=1, maximum=5),
        "notes": Text(max_length=10_000),
    },
    operations={"save": SavePatch(), "delete": Delete()},
    lookup_key=_by_piece,
    time_key=_by_start,
    check_patch=_check_times,
)
