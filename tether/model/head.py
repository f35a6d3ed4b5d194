"""A partition's head: the last sequence number given to a change of its records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Head:
    """`seq` numbers the partition's last change; `epoch` names this life of the partition (None
    before its first write; it changes when the partition is erased and starts again)."""

    seq: int
    epoch: str | None
