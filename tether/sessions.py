"""Practice sessions: one practice of a piece or a content track."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tether import statistics
from tether.model.record import Record
from tether.sync.collection import Change, Collection, Delete, Outcome, Rejected, SavePatch
from tether.sync.fields import CatalogId, Integer, RecordId, Text, Timestamp, millis, parse_time

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


def _practice(record: Record) -> statistics.Practice | None:
    """What a live session adds to the statistics: its start, and its duration (durationSeconds,
    else endedAt - startedAt, at most a day)."""
    started = record.data.get("started_at")
    if record.deleted or not started:
        return None
    seconds = record.data.get("duration_seconds")
    if seconds is None and record.data.get("ended_at"):
        seconds = (parse_time(record.data["ended_at"]) - parse_time(started)).total_seconds()
    return millis(parse_time(started)), min(DAY_SECONDS, max(0, int(seconds or 0)))


def _counted(record: Record | None) -> statistics.Practice | None:
    # What this session added when it was last stored (none for sessions stored before statistics).
    stored = record.state.get("practice") if record is not None else None
    return (int(stored[0]), int(stored[1])) if stored else None


class SaveSession(SavePatch):
    """A field-level patch that also moves the session's contribution to the statistics."""

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        counted = _counted(record)
        outcome = super().apply(collection, record, payload, change)
        if outcome.changed:
            practice = _practice(outcome.record)
            if practice is None:
                outcome.record.state.pop("practice", None)
            else:
                outcome.record.state["practice"] = list(practice)
            outcome.increments = statistics.practice(counted, practice)
        return outcome


class DeleteSession(Delete):
    """A tombstone that also takes the session out of the statistics."""

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        counted = _counted(record)
        outcome = super().apply(collection, record, payload, change)
        if outcome.changed:
            outcome.increments = statistics.practice(counted, None)
        return outcome


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
    operations={"save": SaveSession(), "delete": DeleteSession()},
    lookup_key=_by_piece,
    time_key=_by_start,
    check_patch=_check_times,
)
