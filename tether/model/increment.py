"""A counter update written in the same transaction as the records that cause it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Increment:
    """A counter update in the user's partition, written in the same transaction (e.g. daily stats)."""

    sort_key: str
    add: Mapping[str, int | float]
    set_once: Mapping[str, Any] = field(default_factory=dict)
