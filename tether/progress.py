"""Listening progress: one record per user and track (its id is the track id), merged by meaning.

Devices send reports (`record`: position, time listened since their previous report, optional
completion) and resets (`reset`: "mark as unplayed"). These are not last-writer-wins patches:
position follows the latest report, completion is only undone by a later reset, listened time
adds up. Every rule gives the same record whatever order the devices sync in (docs/progress.md).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tether import statistics
from tether.errors import BadUserInput
from tether.model.record import Record, Stamp
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.sync import reads
from tether.sync.collection import APPLIED, MERGED, Change, Collection, Operation, Outcome, Rejected
from tether.sync.fields import (
    Boolean,
    CatalogId,
    Field,
    Integer,
    LimitExceeded,
    Number,
    Timestamp,
    check_catalog_id,
    format_time,
    millis,
    parse_time,
)

MAX_SECONDS = 86_400  # positions and durations: tracks are shorter than a day
END_SHARE = 0.95  # reaching the last 5% of the track completes it
MAX_DELTA_MS = 24 * 3600 * 1000
DELTA_MARGIN_MS = 60_000  # timers, rounding and report scheduling on the device
NEW_PLAY_GAP_MS = 30 * 60 * 1000  # listening again after this long is a new play
MAX_CLIENTS = 20  # per-device report state kept per track (least recently reporting dropped)
MAX_PASSES = 12  # passes through the end kept since the latest reset (the earliest, and the latest)


class Milliseconds(Field):
    """Seconds kept as whole milliseconds, so that sums are exact in any order. Server-set."""

    def check(self, value: Any, where: str) -> Any:
        raise LimitExceeded(f"{where} is set by the server", field=where)

    def load(self, stored: Any) -> Any:
        return None if stored is None else int(stored) / 1000


REPORT_FIELDS: dict[str, Field] = {
    "track_id": CatalogId(required=True),
    "position_seconds": Number(minimum=0, maximum=MAX_SECONDS, required=True),
    # Negative and absurd deltas are REJECTED on their own (not a malformed push): see apply().
    "listened_seconds_delta": Number(required=True),
    "duration_seconds": Number(minimum=0, maximum=MAX_SECONDS),
    "completed": Boolean(),
}
RESET_FIELDS: dict[str, Field] = {"track_id": CatalogId(required=True)}


def _check(payload: Mapping[str, Any], where: str, specs: Mapping[str, Field]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for name, value in payload.items():
        spec = specs.get(name)
        if name == "id" and value == payload.get("track_id"):
            continue  # the record's id is the track id; a server-side change may name it twice
        if spec is None:
            raise BadUserInput(f"{where}.{name} is not a field of this change", field=f"{where}.{name}")
        if value is not None:
            checked[name] = spec.check(value, f"{where}.{name}")
    for name, spec in specs.items():
        if spec.required and name not in checked:
            raise LimitExceeded(f"{where}.{name} is required", field=f"{where}.{name}")
    checked["id"] = checked["track_id"]  # the record's id is the track id
    return checked


def _new(collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change) -> Record:
    if record is not None and record.exists:
        return record
    return Record(
        collection=collection.name,
        id=str(payload["id"]),
        created_at=change.changed_at,
        data={
            "track_id": payload["id"],
            "position_seconds": 0.0,
            "completed": False,
            "listened_seconds": 0,
            "play_count": 0,
        },
    )


def _set_latest(record: Record, name: str, value: Any, stamp: Stamp, conflicting: list[str]) -> None:
    """A last-writer-wins register: the value of the change with the latest stamp."""
    current = record.stamps.get(name)
    if current is None or stamp > current:
        record.data[name] = value
        record.stamps[name] = stamp
    elif record.data.get(name) != value:
        conflicting.append(name)


@dataclass
class Pass:
    """A run of one device's consecutive completing reports (a pass through the end of the track):
    `id` is its first report, `lo`/`hi` its earliest and latest."""

    id: Stamp
    lo: Stamp
    hi: Stamp

    def dump(self) -> list[Any]:
        return [self.id.dump(), self.lo.dump(), self.hi.dump()]

    @classmethod
    def load(cls, stored: list[Any]) -> Pass:
        return cls(Stamp.load(stored[0]), Stamp.load(stored[1]), Stamp.load(stored[2]))


def _completion(record: Record) -> tuple[list[Pass], Stamp | None]:
    passes = [Pass.load(stored) for stored in record.state.get("passes", [])]
    reset = record.state.get("reset")
    return passes, Stamp.load(reset) if reset is not None else None


def _settle(record: Record, passes: list[Pass], reset: Stamp | None) -> None:
    """Completed = some pass reached past the latest reset; completedAt = the earliest moment at the
    end after that reset: the first report of the earliest such pass, or the reset itself if a
    device was already reporting from the end when it was made."""
    passes = sorted((p for p in passes if reset is None or p.hi > reset), key=lambda p: (p.lo, p.id))
    if len(passes) > MAX_PASSES:  # keep the earliest (completedAt) and the latest (completed)
        latest = max(passes, key=lambda p: p.hi)
        passes = [*[p for p in passes if p is not latest][: MAX_PASSES - 1], latest]
        passes.sort(key=lambda p: (p.lo, p.id))
    record.state["passes"] = [p.dump() for p in passes]
    if reset is not None:
        record.state["reset"] = reset.dump()
    record.data["completed"] = bool(passes)
    if passes:
        first = min(p.lo if reset is None else max(p.lo, reset) for p in passes)
        record.data["completed_at"] = format_time(_time(first.millis))
    else:
        record.data.pop("completed_at", None)


def _completed_ms(record: Record) -> int | None:
    stored = record.data.get("completed_at")
    return millis(parse_time(stored)) if stored else None


def _time(at_ms: int) -> datetime:
    return datetime.fromtimestamp(at_ms / 1000, UTC)


def _outcome(
    before: tuple[Any, ...], record: Record, conflicting: list[str], changes: statistics.Changes
) -> Outcome:
    changed = before != (record.data, record.stamps, record.state) or not record.exists
    return Outcome(
        MERGED if conflicting else APPLIED,
        record,
        changed,
        conflicting,
        increments=changes.increments() if changed else [],
    )


class RecordProgress(Operation):
    """A device's report: where the player is, how long it listened since its previous report."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return _check(payload, where, REPORT_FIELDS)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        stamp = change.stamp
        delta = float(payload["listened_seconds_delta"])
        delta_ms = _checked_delta(delta)
        record = _new(collection, record, payload, change)
        before = copy.deepcopy((record.data, record.stamps, record.state))
        clients: dict[str, Any] = record.state.setdefault("clients", {})
        mine: dict[str, Any] = dict(clients.get(change.client_id) or {})
        _check_elapsed(mine, stamp.millis, delta, delta_ms)
        report = _Report.of(payload, mine, stamp, delta_ms)
        conflicting: list[str] = []
        before_ms = _completed_ms(record)
        pass_id = _count_pass(record, report, mine, conflicting)
        _set_latest(record, "position_seconds", report.position, stamp, conflicting)
        if payload.get("duration_seconds") is not None:
            _set_latest(record, "duration_seconds", round(payload["duration_seconds"]), stamp, conflicting)
        _add_listening(record, report, change)
        clients[change.client_id] = _client_entry(mine, report, pass_id)
        _keep_latest_clients(clients)
        changes = statistics.listening(stamp.millis, delta_ms)
        statistics.completion(changes, before_ms, _completed_ms(record))
        return _outcome(before, record, conflicting, changes)


def _checked_delta(delta: float) -> int:
    """The listened time of one report, in milliseconds: never negative, at most a day."""
    if delta < 0:
        raise Rejected("INVALID_DELTA", f"listenedSecondsDelta is negative ({delta:g})")
    delta_ms = round(delta * 1000)
    if delta_ms > MAX_DELTA_MS:
        raise Rejected(
            "DELTA_TOO_LARGE", f"listenedSecondsDelta is {delta:g} s; one report covers at most 24 h"
        )
    return delta_ms


def _check_elapsed(mine: Mapping[str, Any], at: int, delta: float, delta_ms: int) -> None:
    """A device can't have listened longer than the time since its previous report (plus a margin)."""
    if not mine:
        return
    elapsed = max(0, at - int(mine["at"]))
    if delta_ms > elapsed + DELTA_MARGIN_MS:
        raise Rejected(
            "DELTA_EXCEEDS_ELAPSED",
            f"listenedSecondsDelta is {delta:g} s, but only {elapsed / 1000:g} s passed since this "
            "device's previous report of this track",
        )


@dataclass(frozen=True)
class _Report:
    """What one report says, read against this device's previous reports of the track."""

    stamp: Stamp
    position: float
    duration: float  # 0: unknown
    delta_ms: int
    completing: bool  # at (or told to be at) the end
    new_play: bool  # listening again after a gap, or after finishing
    heard: int | None  # when this device last listened (before this report)

    @classmethod
    def of(cls, payload: Mapping[str, Any], mine: Mapping[str, Any], stamp: Stamp, delta_ms: int) -> _Report:
        position = float(payload["position_seconds"])
        duration = float(payload.get("duration_seconds") or mine.get("dur") or 0)
        completing = payload.get("completed") is True or (duration > 0 and position >= END_SHARE * duration)
        heard = mine.get("heard")
        new_play = delta_ms > 0 and (
            heard is None
            or stamp.millis - int(heard) > NEW_PLAY_GAP_MS
            or (bool(mine.get("fin")) and not completing)
        )
        return cls(stamp, position, duration, delta_ms, completing, new_play, heard)


def _count_pass(
    record: Record, report: _Report, mine: Mapping[str, Any], conflicting: list[str]
) -> Stamp | None:
    """A completing report starts a pass through the end, or extends this device's current one;
    then completion is settled again. Returns the pass it belongs to (None if not completing)."""
    passes, reset = _completion(record)
    pass_id: Stamp | None = None
    stamp = report.stamp
    if report.completing:
        pass_id = Stamp.load(mine["pass"]) if mine.get("pass") else stamp
        current = next((p for p in passes if p.id == pass_id), None)
        if current is None:
            passes.append(Pass(pass_id, min(pass_id, stamp), stamp))
        else:
            current.lo, current.hi = min(current.lo, stamp), max(current.hi, stamp)
    _settle(record, passes, reset)
    if report.completing and not record.data["completed"]:
        conflicting.append("completed")  # a reset made later wins
    return pass_id


def _add_listening(record: Record, report: _Report, change: Change) -> None:
    """Listened time and plays add up; lastPlayedAt is the latest report's time."""
    data = record.data
    data["listened_seconds"] = int(data.get("listened_seconds", 0)) + report.delta_ms
    data["play_count"] = int(data.get("play_count", 0)) + int(report.new_play)
    if not data.get("last_played_at") or report.stamp.millis > millis(parse_time(data["last_played_at"])):
        data["last_played_at"] = format_time(change.changed_at)


def _client_entry(mine: Mapping[str, Any], report: _Report, pass_id: Stamp | None) -> dict[str, Any]:
    """What the next report of this device is checked against (its latest time, play and pass)."""
    at = report.stamp.millis
    entry: dict[str, Any] = {
        "at": max(at, int(mine.get("at", at))),
        "fin": report.completing or (bool(mine.get("fin")) and not report.new_play),
    }
    if report.delta_ms > 0:
        entry["heard"] = at if report.heard is None else max(at, int(report.heard))
    elif report.heard is not None:
        entry["heard"] = report.heard
    if pass_id is not None:
        entry["pass"] = pass_id.dump()
    if report.duration:
        entry["dur"] = report.duration
    return entry


def _keep_latest_clients(clients: dict[str, Any]) -> None:
    for stale in sorted(clients, key=lambda client: (int(clients[client]["at"]), client))[:-MAX_CLIENTS]:
        del clients[stale]


class ResetProgress(Operation):
    """Mark as unplayed: not completed and back to the start, unless a later report says otherwise."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return _check(payload, where, RESET_FIELDS)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        stamp = change.stamp
        record = _new(collection, record, payload, change)
        before = copy.deepcopy((record.data, record.stamps, record.state))
        before_ms = _completed_ms(record)
        passes, reset = _completion(record)
        reset = stamp if reset is None else max(reset, stamp)
        _settle(record, passes, reset)
        conflicting: list[str] = ["completed"] if record.data["completed"] else []
        _set_latest(record, "position_seconds", 0.0, stamp, conflicting)
        changes = statistics.Changes()
        statistics.completion(changes, before_ms, _completed_ms(record))
        return _outcome(before, record, conflicting, changes)


def _by_completion(record: Record) -> str:
    return f"PROGRESS#{int(bool(record.data.get('completed')))}#{record.data.get('last_played_at', '')}"


def _by_last_played(record: Record) -> str:
    return f"PROGRESS#{record.data.get('last_played_at', '')}"


READ_ONLY = frozenset(
    {
        "track_id",
        "position_seconds",
        "duration_seconds",
        "completed",
        "completed_at",
        "listened_seconds",
        "last_played_at",
        "play_count",
    }
)

PROGRESS = Collection(
    name="progress",
    key_prefix="PROGRESS",
    fields={
        "track_id": CatalogId(),
        "position_seconds": Number(minimum=0, maximum=MAX_SECONDS),
        "duration_seconds": Integer(minimum=0, maximum=MAX_SECONDS),  # whole seconds
        "completed": Boolean(),
        "completed_at": Timestamp(),
        "listened_seconds": Milliseconds(),
        "last_played_at": Timestamp(),
        "play_count": Integer(minimum=0),
    },
    operations={"record": RecordProgress(), "reset": ResetProgress()},
    lookup_key=_by_completion,
    time_key=_by_last_played,
    read_only=READ_ONLY,
)


def get(user_id: str, track_id: str) -> Record | None:
    """The user's progress on a track, or None if they never reported it."""
    check_catalog_id(track_id, "trackId")
    return get_record(user_key(user_id), PROGRESS.sort_key(track_id))


def page(
    user_id: str, *, first: int, after: Mapping[str, str] | None, completed: bool | None
) -> reads.RecordPage:
    """The user's progress records, most recently played first; optionally only (not) completed ones."""
    if completed is None:
        index, prefix = "byTime", "PROGRESS#"
    else:
        index, prefix = "byLookup", f"PROGRESS#{int(completed)}#"
    return reads.page(
        user_id, PROGRESS, first=first, after=after, index=index, prefix=prefix, descending=True
    )
