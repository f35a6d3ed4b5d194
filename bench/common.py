"""What every benchmark shares: a DynamoDB Local, the floor it is measured against, and a report."""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ulid import ULID

from localdev import dynamodb
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.capacity import meter_capacity
from tether.storage.heads import UserHead
from tether.storage.instrumentation import Calls, record_calls

RESULTS = Path(__file__).resolve().parent / "results"


@contextmanager
def local_table(heap_mb: int = 512) -> Iterator[Settings]:
    """A fresh in-memory DynamoDB Local with the table, for one benchmark run."""
    with dynamodb.start(heap_mb=heap_mb) as server:
        settings = Settings(stage="dev", table_name="tether-bench", dynamodb_endpoint=server.endpoint)
        storage.configure(settings)
        storage.create_table()
        yield settings


def timed(action: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock seconds of each of `repeat` runs."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def floor(repeat: int = 200) -> float:
    """Median seconds of the cheapest DynamoDB round trip (GetItem of a missing item)."""
    key = f"USER#floor-{ULID()}"

    def get() -> None:
        with contextlib.suppress(UserHead.DoesNotExist):
            UserHead.get(key, "HEAD", consistent_read=True)

    timed(get, 20)  # warm up connections
    return statistics.median(timed(get, repeat))


def measure(action: Callable[[], Any]) -> tuple[float, Calls]:
    """Seconds `action` took and its calls, with `calls.capacity` the units DynamoDB would bill
    (tether/storage/capacity.py; the meter's own time is taken off, not DynamoDB Local's figures)."""
    with record_calls() as calls, meter_capacity() as meter:
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started - meter.overhead_seconds
    for name, units in (*meter.write_units.items(), *meter.read_units.items()):
        calls.capacity[name] = calls.capacity.get(name, 0.0) + units
    return elapsed, calls


class Report:
    """Rows of (operation, median ms, ratio to floor, round trips, billed capacity units, throughput)."""

    def __init__(self, name: str, floor_seconds: float) -> None:
        self.name = name
        self.floor = floor_seconds
        self.rows: list[dict[str, Any]] = []

    def add(self, operation: str, samples: list[float], calls: Calls, items: int = 1) -> None:
        median = statistics.median(samples)
        self.rows.append(
            {
                "operation": operation,
                "median_ms": round(median * 1000, 2),
                "p95_ms": round(sorted(samples)[int(len(samples) * 0.95) - 1] * 1000, 2),
                "x_floor": round(median / self.floor, 1),
                "round_trips": calls.round_trips,
                "billed_units": round(calls.capacity_units, 1),
                "items_per_s": round(items / median, 1),
            }
        )

    def print(self) -> None:
        print(f"\n{self.name} (floor: one GetItem round trip = {self.floor * 1000:.2f} ms, same run)")
        header = [
            "operation",
            "median_ms",
            "p95_ms",
            "x_floor",
            "round_trips",
            "billed_units",
            "items_per_s",
        ]
        widths = [max(len(h), *(len(str(row[h])) for row in self.rows)) for h in header]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in self.rows:
            print("  ".join(str(row[h]).ljust(w) for h, w in zip(header, widths, strict=True)))
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{self.name}.json").write_text(
            json.dumps({"floor_ms": self.floor * 1000, "rows": self.rows}, indent=2)
        )
