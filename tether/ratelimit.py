"""Per-account request limits per hour and operation class, counted in the container, settled in batches.

Each container (a warm Lambda) counts the requests it admits per (account, class, hour) and adds
them to a shared DynamoDB counter every `batch` requests (one UpdateItem, which also returns what
every container has settled). A request is admitted while `settled + pending < limit`, where
`settled` is the shared total last seen and `pending` what this container admitted since.

Overshoot is bounded: a container admits at most `batch` requests between two looks at the shared
total, so one hour admits at most `limit + containers x batch` requests of one account, where
`containers` is how many warm Lambdas served that account in the hour (usually 1-3). Requests a
container admitted but had not yet settled when it was recycled are lost (at most `batch - 1`
each): the error is always in the user's favour. Within `batch` of the limit every request settles,
so the last requests of an hour are counted exactly. A DynamoDB failure while settling admits the
request (fail open) and keeps the count for the next settle.

Cost: one UpdateItem (1 WCU) per `batch` admitted requests per account and class, plus at most
`batch` more near the limit; a refused request costs nothing (bench/ratelimit_bench.py).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether.errors import ConfigurationError, RateLimited, Throttled, Unavailable
from tether.storage import rates
from tether.telemetry import logger

WINDOW_SECONDS = 3600
SYNC, CHAT, EXPORT, OTHER, ANONYMOUS = "sync", "chat", "export", "other", "anonymous"
CLASSES = (SYNC, CHAT, EXPORT, OTHER, ANONYMOUS)
MAX_TRACKED = 20_000  # (account, class) windows kept per container before old hours are dropped

# Root fields by operation class; every other field is OTHER. Anonymous requests are all ANONYMOUS.
FIELD_CLASSES: Mapping[str, str] = {
    "syncPush": SYNC,
    "syncPull": SYNC,
    "sendChatMessage": CHAT,
    "retryChatReply": CHAT,
    "chatThreads": CHAT,
    "chatThread": CHAT,
    "chatMessages": CHAT,
    "chatSuggestions": CHAT,
    "exportMyData": EXPORT,
}


def parse_limits(text: str) -> dict[str, int]:
    """`sync=1200,chat=300` -> {"sync": 1200, "chat": 300}; a class left out (or 0) is unlimited."""
    limits: dict[str, int] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in CLASSES or not value.strip().isdigit():
            raise ConfigurationError(
                f"TETHER_RATE_LIMITS: {part!r} is not <class>=<requests per hour> with class one of {', '.join(CLASSES)}"
            )
        if int(value):
            limits[name] = int(value)
    return limits


@dataclass
class _Window:
    window: int
    settled: int = 0  # the shared total at this container's last settle (its own requests included)
    pending: int = 0  # admitted here since, not yet added to the shared total


class RateLimiter:
    """The limits of one deployment; one per process, shared by its requests (thread-safe)."""

    def __init__(
        self,
        limits: Mapping[str, int],
        *,
        batch: int = 10,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.limits, self.batch, self.clock = dict(limits), max(1, batch), clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self._lock = threading.Lock()

    def charge(self, pk: str, operation_class: str) -> None:
        """Count one request of `pk` (`USER#<id>` or `ANON#<address>`); RATE_LIMITED with retryAfter if over."""
        settle = self.admit(pk, operation_class)
        if settle is not None:
            settle()

    def admit(self, pk: str, operation_class: str) -> Callable[[], None] | None:
        """`charge` in memory only: RATE_LIMITED if over, else the settle (one DynamoDB write) that
        is now due, for the caller to run where blocking is allowed, or None."""
        limit = self.limits.get(operation_class)
        if not limit:
            return None
        now = self.clock()
        window = int(now.timestamp()) // WINDOW_SECONDS
        with self._lock:
            state = self._state(pk, operation_class, window)
            if state.settled + state.pending >= limit:
                raise self._refusal(operation_class, limit, window, now)
            state.pending += 1
            due = state.pending >= self.batch or state.settled + state.pending >= limit - self.batch
            amount = state.pending if due else 0
            if due:
                state.pending = 0
        if not amount:
            return None
        return functools.partial(self._settle, pk, operation_class, state, window, amount)

    def _state(self, pk: str, operation_class: str, window: int) -> _Window:
        key = (pk, operation_class)
        state = self._windows.get(key)
        if state is None or state.window != window:
            if len(self._windows) >= MAX_TRACKED:
                self._windows = {k: v for k, v in self._windows.items() if v.window == window}
            state = self._windows[key] = _Window(window)
        return state

    def _settle(self, pk: str, operation_class: str, state: _Window, window: int, amount: int) -> None:
        expires = datetime.fromtimestamp((window + 2) * WINDOW_SECONDS, UTC)
        try:
            total = rates.add(pk, operation_class, window, amount, expires)
        except (Throttled, Unavailable):
            logger.warning(
                "rate limit settle failed; counted later", extra={"operation_class": operation_class}
            )
            with self._lock:
                state.pending += amount  # fail open: the request is admitted, the count kept
            return
        with self._lock:
            state.settled = max(state.settled, total)

    @staticmethod
    def _refusal(operation_class: str, limit: int, window: int, now: datetime) -> RateLimited:
        resets_at = datetime.fromtimestamp((window + 1) * WINDOW_SECONDS, UTC)
        retry_after = max(1, int((resets_at - now) / timedelta(seconds=1)) + 1)
        return RateLimited(
            f"Too many {operation_class} requests: at most {limit} an hour. Retry in {retry_after} s.",
            reason="TOO_MANY_REQUESTS",
            operationClass=operation_class,
            limit=limit,
            retryAfter=retry_after,
        )
