"""What one HTTP request may spend, shared by every operation in it (aliases now, batched operations later).

A waiting `syncPull` holds the Lambda for up to 20 s: 15 aliased ones would multiply the polling 15
times, so a request waits once; further waiting pulls in it answer at once, as with waitSeconds 0
(their data is still right; the app simply polls again). A `syncPush` applies up to 100 mutations
within its own limits and chat time budget; several per request would multiply those, so a request
gets one (a document with two is refused by validation before anything runs; in a batch the second
is refused). Batching (several operations in one body) must build one budget per HTTP request and
hand it to every operation.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from tether.errors import BadUserInput

WAITING_PULL = "waiting syncPull"
PUSH = "syncPush"
DEFAULT_LIMITS: Mapping[str, int] = {WAITING_PULL: 1, PUSH: 1}


@dataclass
class RequestBudget:
    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    spent: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def spend(self, what: str) -> None:
        """Count one `what`; BAD_USER_INPUT (reason ONE_PER_REQUEST) beyond the request's allowance."""
        limit = self.limits.get(what)
        with self._lock:
            if limit is not None and self.spent[what] >= limit:
                raise BadUserInput(
                    f"At most {limit} {what} per request; send the others in separate requests",
                    reason="ONE_PER_REQUEST",
                    limit=limit,
                )
            self.spent[what] += 1

    def try_spend(self, what: str) -> bool:
        """Count one `what` if the request's allowance has room; False (nothing counted) if not."""
        try:
            self.spend(what)
        except BadUserInput:
            return False
        return True
