"""A synced record as storage and the engine share it, and the stamps that order field edits."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, order=True)
class Stamp:
    """When and by whom a field was set: later wins; equal times are broken by client, then mutation."""

    millis: int
    client_id: str
    mutation_id: int

    def dump(self) -> list[Any]:
        return [self.millis, self.client_id, self.mutation_id]

    @classmethod
    def load(cls, stored: list[Any]) -> Stamp:
        return cls(int(stored[0]), str(stored[1]), int(stored[2]))


@dataclass(slots=True)
class Record:
    """One record of a collection: its fields (stored forms), their stamps and server bookkeeping."""

    collection: str
    id: str
    version: int = 0
    seq: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, Stamp] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    # The version read from DynamoDB, for the write's condition; None while the record is new.
    stored_version: int | None = None

    @property
    def exists(self) -> bool:
        return self.stored_version is not None or self.version > 0

    def copy(self) -> Record:
        """An independent copy: the field values (plain JSON-like data) copied, the stamps (frozen)
        and times (immutable) shared. Several times cheaper than `copy.deepcopy`."""
        return Record(
            self.collection,
            self.id,
            self.version,
            self.seq,
            self.created_at,
            self.updated_at,
            self.deleted,
            {name: _copied(value) for name, value in self.data.items()},
            dict(self.stamps),
            {name: _copied(value) for name, value in self.state.items()},
            self.stored_version,
        )


def _copied(value: Any) -> Any:
    """A copy of plain data: dicts and lists copied all the way down, anything else as it is
    when immutable (str, numbers, bool, None, datetimes), deep-copied otherwise."""
    if isinstance(value, dict):
        return {name: _copied(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool, datetime)):
        return value
    return copy.deepcopy(value)
