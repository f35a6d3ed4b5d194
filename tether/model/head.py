"""A partition's head: the last sequence number given to a change of its records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Head:
    """`seq` numbers the partition's last change; `epoch` names this life of the partition (None
    before its first write; it changes when the partition is erased and starts again).
    `poll_fast_until`: a server write is expected before then (an assistant's reply is being
    written), so waiting pulls re-read the head every second until then (docs/sync.md)."""

    seq: int
    epoch: str | None
    poll_fast_until: datetime | None = None
