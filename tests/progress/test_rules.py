"""The progress merge rules on their own: random offline reports and resets from three devices give
the same record, and the same statistics, in every order the devices could sync them."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tether.progress import DELTA_MARGIN_MS, PROGRESS
from tether.sync.collection import Change, Rejected
from tether.sync.records import Record

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DURATION = 1000


@dataclass(frozen=True)
class Event:
    client: str
    mutation_id: int
    seconds: int
    operation: str
    payload: dict[str, Any]


def device_events(rng: random.Random, client: str) -> list[Event]:
    events = []
    seconds = rng.randint(0, 300)
    for mutation_id in range(1, rng.randint(2, 7)):
        elapsed = rng.choice([0, 1, 30, 60, 200, 2000])
        seconds += elapsed
        if rng.random() < 0.15:
            events.append(Event(client, mutation_id, seconds, "reset", {"track_id": "t"}))
            continue
        delta = rng.choice([0, elapsed, elapsed / 2, elapsed + 1, elapsed + DELTA_MARGIN_MS, -1])
        payload: dict[str, Any] = {
            "track_id": "t",
            "position_seconds": rng.choice([0, 10, 500, 949, 950, 999, DURATION]),
            "listened_seconds_delta": delta,
        }
        if rng.random() < 0.5:
            payload["duration_seconds"] = DURATION
        if rng.random() < 0.2:
            payload["completed"] = rng.choice([True, False])
        events.append(Event(client, mutation_id, seconds, "record", payload))
    return events


def apply_all(events: list[Event]) -> tuple[dict[str, Any], dict[tuple[str, str], int]]:
    """What the engine does with each mutation, in this order; returns the record and the counters."""
    record: Record | None = None
    counters: dict[tuple[str, str], int] = defaultdict(int)
    for event in events:
        changed_at = T0 + timedelta(seconds=event.seconds)
        change = Change(
            partition="USER#rules",
            client_id=event.client,
            mutation_id=event.mutation_id,
            changed_at=changed_at,
            now=changed_at,
            tombstone_retention=timedelta(days=30),
        )
        operation = PROGRESS.operations[event.operation]
        payload = operation.check(PROGRESS, event.payload, "change")
        try:
            outcome = operation.apply(PROGRESS, record.copy() if record else None, payload, change)
        except Rejected:
            continue
        if outcome.changed:
            record = outcome.record
            record.version += 1
            for increment in outcome.increments:
                for name, amount in increment.add.items():
                    counters[(increment.sort_key, name)] += int(amount)
    assert record is not None
    return record.data, {key: amount for key, amount in counters.items() if amount}


def random_order(rng: random.Random, devices: list[list[Event]]) -> list[Event]:
    """Any interleaving that keeps each device's own order (the engine applies a client in order)."""
    queues = [list(events) for events in devices]
    order = []
    while any(queues):
        queue = rng.choice([queue for queue in queues if queue])
        order.append(queue.pop(0))
    return order


def test_every_sync_order_gives_the_same_record_and_statistics() -> None:
    rng = random.Random(20261124)
    for _ in range(40):
        devices = [device_events(rng, client) for client in ("phone", "tablet", "watch")]
        results = [apply_all(random_order(rng, devices)) for _ in range(20)]
        assert all(result == results[0] for result in results), results
        record, counters = results[0]
        listened = sum(amount for (key, name), amount in counters.items() if name.startswith("l"))
        assert listened == record["listened_seconds"]
        completions = sum(amount for (key, name), amount in counters.items() if name.startswith("c"))
        assert completions == int(record["completed"])
