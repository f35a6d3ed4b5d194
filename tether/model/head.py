"""A partition's head: the last sequence number given to a change of its records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Head:
    """`seq` numbers the partition's last change; `epoch` names this life of the partition (None
    before its first write; it changes when the partition is erased and starts again).
    `poll_fast_until`: a server write is expected before then (an assistant's reply is being
    written), so waiting pulls re-read the head every second until then (docs/sync.md).
    `pending`: the records waiting for a server write (a PENDING chat reply: Collection.pending),
    record id -> the feed number it was first stored waiting with (their order); None when the
    head has no such map.
    `all_pending`: every waiting record of the partition is in `pending` (none is left in the
    `byTime` index from before they moved to the head, or because the map was full)."""

    seq: int
    epoch: str | None
    poll_fast_until: datetime | None = None
    pending: Mapping[str, int] | None = None
    all_pending: bool = False
