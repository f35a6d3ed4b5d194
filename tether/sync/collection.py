"""Declaring a synced collection once: its fields, limits and the operations (merge rules) it accepts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tether.errors import BadUserInput
from tether.model.increment import Increment
from tether.model.record import Record, Stamp
from tether.sync.fields import Field, LimitExceeded, RecordId

if TYPE_CHECKING:
    from tether.people.access import Access

APPLIED = "APPLIED"
MERGED = "MERGED"
DUPLICATE = "DUPLICATE"
REJECTED = "REJECTED"


class Rejected(Exception):
    """A mutation that is refused on its own (it still consumes its mutation id)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Change:
    """Everything an operation may know about the mutation it applies."""

    partition: str  # `USER#<sub>`, or a shared partition such as the catalog
    client_id: str
    mutation_id: int
    changed_at: datetime  # the client's time, clamped to the server's clock
    now: datetime
    tombstone_retention: timedelta

    @property
    def stamp(self) -> Stamp:
        return Stamp(int(self.changed_at.timestamp() * 1000), self.client_id, self.mutation_id)


@dataclass
class Outcome:
    status: str
    record: Record
    changed: bool
    conflicting_fields: list[str] = field(default_factory=list)
    increments: list[Increment] = field(default_factory=list)


@dataclass(frozen=True)
class FollowUp:
    """A change the server makes together with a client's change, in the same transaction (the
    PENDING reply to a sent chat message): applied as a server change, after the client's."""

    collection: Collection
    operation: str
    payload: Mapping[str, Any]
    expects_server_write: bool = False  # another server write follows soon (waiting pulls poll fast)


class Operation:
    """One kind of change a collection accepts: limits checked up front, then a merge rule."""

    def related(self, collection: Collection, payload: Mapping[str, Any]) -> list[str]:
        """Sort keys of other records of the partition `follow_ups` looks at: read in the push's
        own first BatchGetItem."""
        return []

    def follow_ups(
        self,
        collection: Collection,
        outcome: Outcome,
        records: Mapping[str, Record],
        access: Access | None,
    ) -> list[FollowUp]:
        """Server changes to commit with this (changed) one, from the records as the push has them
        (`records`, by sort key: what `related` named among them); `access` is a shared profile's."""
        return []

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Validate limits (LimitExceeded refuses the whole push); return the normalised payload."""
        raise NotImplementedError

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        """Merge the change into the record (None if it doesn't exist yet). May raise Rejected."""
        raise NotImplementedError

    def after_commit(self, collection: Collection, outcome: Outcome, change: Change) -> None:
        """Runs once the change is durably stored (e.g. start an assistant reply)."""
        return None


@dataclass(frozen=True)
class Collection:
    """A synced collection, declared once; the engine needs no code of its own per collection."""

    name: str
    key_prefix: str
    fields: Mapping[str, Field]
    operations: Mapping[str, Operation]
    # Optional secondary sort keys (LSIs byLookup / byTime), derived from the record.
    lookup_key: Callable[[Record], str | None] | None = None
    time_key: Callable[[Record], str | None] | None = None
    # Records waiting for a server write (a PENDING chat reply) are kept on the partition's head
    # (id -> the feed number it was first stored waiting with: their order) while this is true,
    # instead of in `byTime` (its `time_key` then only for a head whose map is full):
    # docs/cost.md "The reply worker's job".
    pending: Callable[[Record], bool] | None = None
    # Server-set fields a client may read but never write.
    read_only: frozenset[str] = frozenset()
    # Cross-field rules of one patch (e.g. endedAt after startedAt); raises Rejected.
    check_patch: Callable[[Mapping[str, Any]], None] | None = None
    # What a record id must look like: client-made UUID/ULID, or e.g. CatalogId() for editors' ids.
    id_field: Field = field(default_factory=RecordId)

    def sort_key(self, record_id: str) -> str:
        return f"{self.key_prefix}#{record_id}"

    def value(self, record: Record, name: str) -> Any:
        stored = record.data.get(name)
        spec = self.fields.get(name)
        return spec.load(stored) if spec is not None and stored is not None else stored

    def check_fields(self, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        """Check every present field against its limits; None (clear) passes here."""
        checked: dict[str, Any] = {}
        for name, value in payload.items():
            if name == "id":
                checked["id"] = self.id_field.check(value, f"{where}.id")
                continue
            spec = self.fields.get(name)
            if spec is None or name in self.read_only:
                raise BadUserInput(
                    f"{where}.{name} is not a writable field of {self.name}", field=f"{where}.{name}"
                )
            checked[name] = None if value is None else spec.check(value, f"{where}.{name}")
        if "id" not in checked:
            raise LimitExceeded(f"{where}.id is required", field=f"{where}.id")
        return checked


class SavePatch(Operation):
    """Create or patch: each field takes the edit with the latest stamp; omitted fields are untouched."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return collection.check_fields(payload, where)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        fields = {name: value for name, value in payload.items() if name != "id"}
        if record is not None and record.deleted:
            raise Rejected("RECORD_DELETED", f"{collection.name} {record.id} was deleted; deletes are final")
        for name, value in fields.items():
            if value is None and collection.fields[name].required:
                raise Rejected("REQUIRED_FIELD", f"{name} is required and cannot be cleared")
        if collection.check_patch is not None:
            collection.check_patch(fields)
        if record is None or not record.exists:
            missing = [
                name for name, spec in collection.fields.items() if spec.required and fields.get(name) is None
            ]
            if missing:
                raise Rejected("REQUIRED_FIELD", f"a new {collection.name} needs {', '.join(missing)}")
            record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.changed_at)
        changed, conflicting = set_latest(record, fields, change.stamp)
        return Outcome(MERGED if conflicting else APPLIED, record, changed or not record.exists, conflicting)


def set_latest(record: Record, fields: Mapping[str, Any], stamp: Stamp) -> tuple[bool, list[str]]:
    """Last-writer-wins registers: each field takes the value whose stamp is newest.

    Returns (changed, the fields whose value lost). A newer stamp is a change even when the value is
    the one already stored (a re-saved form): it must be stored, or an older edit arriving later
    would win over it, and the result would depend on the sync order (docs/sync.md, guarantee 2).
    """
    changed = False
    conflicting: list[str] = []
    for name, value in fields.items():
        current = record.stamps.get(name)
        if current is None or stamp > current:
            if value is None:
                record.data.pop(name, None)
            else:
                record.data[name] = value
            record.stamps[name] = stamp
            changed = True
        elif record.data.get(name) != value:
            conflicting.append(name)
    return changed, conflicting


class Delete(Operation):
    """Make a tombstone: content cleared, `deleted` set, final. Deleting twice is harmless."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return {"id": collection.id_field.check(payload.get("id"), f"{where}.id")}

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is not None and record.deleted:
            return Outcome(APPLIED, record, changed=False)
        if record is None:
            record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.changed_at)
        record.deleted = True
        record.data.clear()
        record.stamps.clear()
        record.state.clear()
        return Outcome(APPLIED, record, changed=True)
