"""Preferences: one synced record per user (id `me`), merged field by field like any record.

The app-defined `custom` map is merged key by key: each key is its own last-writer-wins register,
so two devices setting different keys offline both keep their value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tether.model.record import Record, Stamp
from tether.sync.collection import APPLIED, MERGED, Change, Collection, Outcome, Rejected, SavePatch
from tether.sync.fields import Boolean, Field, Integer, LanguageTag, LimitExceeded, TimeZone

PREFERENCES_ID = "me"
MAX_CUSTOM_KEYS = 50
MAX_CUSTOM_VALUE = 1000
# Removed custom keys keep their stamp (so an older edit can't bring them back) up to this many stamps.
MAX_CUSTOM_STAMPS = 200
CUSTOM_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
CUSTOM_STAMP = "custom."
CUSTOM_CLEARED = "custom"  # the stamp of the latest `custom: null` (clear every key)


@dataclass(frozen=True)
class CustomMap(Field):
    """App-defined settings: string keys to string values. A patch lists the keys it sets
    (`value` null removes a key); at most 50 keys are kept."""

    def check(self, value: Any, where: str) -> dict[str, str | None]:
        if not isinstance(value, list) or not all(isinstance(entry, Mapping) for entry in value):
            raise LimitExceeded(f"{where} must be a list of {{key, value}} entries", field=where)
        if len(value) > MAX_CUSTOM_KEYS:
            raise LimitExceeded(
                f"{where} has {len(value)} entries; the limit is {MAX_CUSTOM_KEYS}",
                field=where,
                limit=MAX_CUSTOM_KEYS,
            )
        entries: dict[str, str | None] = {}
        for entry in value:
            key, text = entry.get("key"), entry.get("value")
            if not isinstance(key, str) or not CUSTOM_KEY.match(key):
                raise LimitExceeded(
                    f"{where} keys are 1-64 characters of letters, digits and . _ : -, not {str(key)[:70]!r}",
                    field=where,
                )
            if key in entries:
                raise LimitExceeded(f"{where} sets the key {key!r} twice", field=where)
            if text is not None and (not isinstance(text, str) or len(text) > MAX_CUSTOM_VALUE):
                raise LimitExceeded(
                    f"{where}[{key}] must be a string of at most {MAX_CUSTOM_VALUE} characters",
                    field=where,
                    limit=MAX_CUSTOM_VALUE,
                )
            entries[key] = text
        return entries

    def load(self, stored: Any) -> Any:
        return {} if stored is None else {str(key): str(value) for key, value in dict(stored).items()}


class SavePreferences(SavePatch):
    """Patch the user's one preferences record: scalar fields like SavePatch, `custom` key by key."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        given = payload.get("id", PREFERENCES_ID)
        if given != PREFERENCES_ID:
            raise LimitExceeded(
                f"{where}.id of preferences is always {PREFERENCES_ID!r}", field=f"{where}.id"
            )
        fields = {name: value for name, value in payload.items() if name != "id"}
        return {**collection.check_fields({**fields, "id": _ANY_RECORD_ID}, where), "id": PREFERENCES_ID}

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        outcome = super().apply(
            collection, record, {name: value for name, value in payload.items() if name != "custom"}, change
        )
        if "custom" not in payload:
            return outcome
        record = outcome.record
        values: dict[str, str] = dict(record.data.get("custom") or {})
        if payload["custom"] is None:
            changed, lost = _clear_custom(record, values, change.stamp)
        else:
            changed, lost = _set_custom(record, values, payload["custom"], change.stamp)
        if len(values) > MAX_CUSTOM_KEYS:
            raise Rejected(
                "TOO_MANY_KEYS", f"custom would hold {len(values)} keys; at most {MAX_CUSTOM_KEYS} are kept"
            )
        _forget_old_removals(record, values)
        if values:
            record.data["custom"] = values
        else:
            record.data.pop("custom", None)
        outcome.changed = outcome.changed or changed
        if lost and "custom" not in outcome.conflicting_fields:
            outcome.conflicting_fields.append("custom")
        outcome.status = MERGED if outcome.conflicting_fields else APPLIED
        return outcome


def _key_stamp(record: Record, key: str) -> Stamp | None:
    """The stamp a key's value (or its absence) has: its own edit's, or a later clear of every key."""
    own, cleared = record.stamps.get(CUSTOM_STAMP + key), record.stamps.get(CUSTOM_CLEARED)
    if own is None or cleared is None:
        return own or cleared
    return max(own, cleared)


def _set_custom(
    record: Record, values: dict[str, str], entries: Mapping[str, str | None], stamp: Stamp
) -> tuple[bool, bool]:
    """Each key is a last-writer-wins register (a null value removes it). A newer stamp is stored even
    when the value (or the absence) is the one already there. Returns (changed, some value lost)."""
    changed = lost = False
    for key, value in entries.items():
        current = _key_stamp(record, key)
        if current is None or stamp > current:
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
            record.stamps[CUSTOM_STAMP + key] = stamp
            changed = True
        elif values.get(key) != value:
            lost = True
    return changed, lost


def _clear_custom(record: Record, values: dict[str, str], stamp: Stamp) -> tuple[bool, bool]:
    """`custom: null` removes every key edited before it, also keys whose edits arrive later: it is
    one stamp (`custom`) that every key's own edit must be newer than. Returns (changed, lost)."""
    cleared = record.stamps.get(CUSTOM_CLEARED)
    changed = cleared is None or stamp > cleared
    if changed:
        record.stamps[CUSTOM_CLEARED] = stamp
        for name in [name for name in record.stamps if name.startswith(CUSTOM_STAMP)]:
            if record.stamps[name] < stamp:  # dominated by the clear: its own stamp is no longer needed
                del record.stamps[name]
                values.pop(name.removeprefix(CUSTOM_STAMP), None)
    return changed, bool(values)  # keys edited after the clear stay


# check_fields wants a record id; preferences have a fixed one, checked above.
_ANY_RECORD_ID = "00000000-0000-0000-0000-000000000000"


def _forget_old_removals(record: Record, values: Mapping[str, str]) -> None:
    stamps = [name for name in record.stamps if name.startswith(CUSTOM_STAMP)]
    if len(stamps) <= MAX_CUSTOM_STAMPS:
        return
    removed = sorted(
        (name for name in stamps if name.removeprefix(CUSTOM_STAMP) not in values),
        key=lambda name: record.stamps[name],
    )
    for name in removed[: len(stamps) - MAX_CUSTOM_STAMPS]:
        del record.stamps[name]


PREFERENCES = Collection(
    name="preferences",
    key_prefix="PREFERENCES",
    fields={
        "language": LanguageTag(),
        "content_language": LanguageTag(),
        "time_zone": TimeZone(),
        "notifications": Boolean(),
        "daily_goal_minutes": Integer(minimum=0, maximum=24 * 60),
        "custom": CustomMap(),
    },
    operations={"save": SavePreferences()},
)
