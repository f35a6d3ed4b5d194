"""A point in time a piece of work must stop by, on the clock of whoever set it (injectable)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    """`at` on `clock` (seconds, monotonic): work checks `passed()` between its steps."""

    at: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(clock() + seconds, clock)

    def passed(self) -> bool:
        return self.clock() >= self.at
