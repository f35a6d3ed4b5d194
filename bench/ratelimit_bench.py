"""DynamoDB cost of the per-account rate limits per 1,000 requests (tether/ratelimit.py).

Rows: one account in one container far from its limit, the same account spread over three
containers, 1,000 accounts making one request each (every first request of an hour settles at
once when the batch is 1, later otherwise), and requests refused after the limit (free).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from datetime import UTC, datetime

from ulid import ULID

from bench.common import Report, floor, local_table, measure
from tether.errors import RateLimited
from tether.ratelimit import RateLimiter

REQUESTS = 1000


def _clock() -> datetime:
    return datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def one_container(batch: int) -> None:
    limiter = RateLimiter({"sync": 100_000}, batch=batch, clock=_clock)
    pk = f"USER#bench-{ULID()}"
    for _ in range(REQUESTS):
        limiter.charge(pk, "sync")


def three_containers(batch: int) -> None:
    containers = [RateLimiter({"sync": 100_000}, batch=batch, clock=_clock) for _ in range(3)]
    pk = f"USER#bench-{ULID()}"
    for turn in range(REQUESTS):
        containers[turn % 3].charge(pk, "sync")


def many_accounts(batch: int) -> None:
    limiter = RateLimiter({"sync": 100_000}, batch=batch, clock=_clock)
    for _ in range(REQUESTS):
        limiter.charge(f"USER#bench-{ULID()}", "sync")


def used_up() -> tuple[RateLimiter, str]:
    limiter = RateLimiter({"sync": 10}, batch=10, clock=_clock)
    pk = f"USER#bench-{ULID()}"
    for _ in range(10):
        limiter.charge(pk, "sync")
    return limiter, pk


def refused(limiter: RateLimiter, pk: str) -> None:
    for _ in range(REQUESTS):
        with contextlib.suppress(RateLimited):
            limiter.charge(pk, "sync")


def main() -> None:
    with local_table():
        report = Report("ratelimit", floor())
        for batch in (1, 10, 50):
            actions: list[tuple[str, Callable[[int], None]]] = [
                ("1 account, 1 container", one_container),
                ("1 account, 3 containers", three_containers),
                ("1,000 accounts x 1 request", many_accounts),
            ]
            for name, action in actions:
                elapsed, calls = measure(functools.partial(action, batch))
                report.add(f"{name}, batch {batch} (per 1,000 requests)", [elapsed], calls, REQUESTS)
        limiter, pk = used_up()
        elapsed, calls = measure(lambda: refused(limiter, pk))
        report.add("1,000 refused requests", [elapsed], calls, REQUESTS)
        report.print()


if __name__ == "__main__":
    main()
