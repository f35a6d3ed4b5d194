"""The progress merge rules through the real engine (and DynamoDB): the listened-time bound at its
exact edge, and random offline reports and resets from three devices that give the same record, and
the same statistics, in every order the devices could sync them, equal stamps included."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ulid import ULID

from tether import progress, statistics
from tether.collections import COLLECTIONS
from tether.progress import DELTA_MARGIN_MS, PROGRESS
from tether.settings import Settings
from tether.sync.engine import Mutation, SyncEngine

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)  # the server's clock: after every report
DURATION = 1000
MARGIN = DELTA_MARGIN_MS // 1000  # seconds
TIE_SECONDS = 30_000  # after every random report: the devices' last reports share this time...
TIE_MUTATION = 50  # ...and this mutationId, so only the clientId can order them
TRACK = "t"


@pytest.fixture
def engine(settings: Settings) -> SyncEngine:
    return SyncEngine(
        collections=COLLECTIONS,
        cursor_key=b"test-cursor-key",
        tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        clock=lambda: NOW,
        sleep=lambda seconds: None,
    )


def report(mutation_id: int, seconds: float, position: float, delta: float, **extra: Any) -> Mutation:
    payload = {"track_id": TRACK, "position_seconds": position, "listened_seconds_delta": delta, **extra}
    return Mutation(mutation_id, T0 + timedelta(seconds=seconds), PROGRESS, "record", payload)


def reset(mutation_id: int, seconds: float) -> Mutation:
    return Mutation(mutation_id, T0 + timedelta(seconds=seconds), PROGRESS, "reset", {"track_id": TRACK})


def test_the_listened_time_bound_at_its_exact_edge(engine: SyncEngine) -> None:
    """A report may claim at most the time since the device's previous report plus the margin."""
    user = f"edge-{ULID()}"
    pushed = engine.push(
        user,
        "phone",
        [
            report(1, 0, 0, 0),
            report(2, 100, 100, 100 + MARGIN - 1),  # one second inside: counted
            report(3, 200, 200, 100 + MARGIN + 1),  # one second outside: refused
            report(4, 300, 300, 200 + MARGIN),  # exactly the bound (since report 2): counted
        ],
    )
    assert [(r.status, r.code) for r in pushed.results] == [
        ("APPLIED", None),
        ("APPLIED", None),
        ("REJECTED", "DELTA_EXCEEDS_ELAPSED"),
        ("APPLIED", None),
    ]
    record = progress.get(user, TRACK)
    assert record is not None
    assert PROGRESS.value(record, "listened_seconds") == (100 + MARGIN - 1) + (200 + MARGIN)


@dataclass(frozen=True)
class Event:
    client: str
    mutation: Mutation


def device_events(rng: random.Random, client: str, index: int) -> list[Event]:
    events = []
    seconds = rng.choice([0, 100, 300])  # devices often report at the same moments
    mutation_id = 0
    for mutation_id in range(1, rng.randint(2, 7)):
        elapsed = rng.choice([0, 1, 30, 60, 200, 2000])
        seconds += elapsed
        if rng.random() < 0.15:
            events.append(Event(client, reset(mutation_id, seconds)))
            continue
        delta = rng.choice([0, elapsed, elapsed / 2, elapsed + 1, elapsed + MARGIN, elapsed + MARGIN + 1, -1])
        extra: dict[str, Any] = {}
        if rng.random() < 0.5:
            extra["duration_seconds"] = DURATION
        if rng.random() < 0.2:
            extra["completed"] = rng.choice([True, False])
        position = rng.choice([0, 10, 500, 949, 950, 999, DURATION])
        events.append(Event(client, report(mutation_id, seconds, position, delta, **extra)))
    # The last report of every device: the same time and mutationId, a position of its own.
    if rng.random() < 0.2:
        events.append(Event(client, reset(TIE_MUTATION, TIE_SECONDS)))
    else:
        events.append(Event(client, report(TIE_MUTATION, TIE_SECONDS, 100 * (index + 1), 0)))
    return events


def random_pushes(rng: random.Random, devices: list[list[Event]]) -> list[list[Event]]:
    """Any interleaving of the devices' pushes (each device's queue cut into 1-3 pushes, in order)."""
    queues: list[list[list[Event]]] = []
    for events in devices:
        cuts = sorted(rng.sample(range(1, len(events)), min(len(events) - 1, rng.randint(0, 2))))
        bounds = [0, *cuts, len(events)]
        queues.append([events[start:end] for start, end in itertools.pairwise(bounds)])
    order = []
    while any(queues):
        queue = rng.choice([queue for queue in queues if queue])
        order.append(queue.pop(0))
    return order


def sync(engine: SyncEngine, pushes: list[list[Event]]) -> tuple[dict[str, Any], tuple[int, int]]:
    """Push in this order through the engine; the stored record and the user's statistics."""
    user = f"rules-{ULID()}"
    for push in pushes:
        engine.push(user, push[0].client, [event.mutation for event in push])
    record = progress.get(user, TRACK)
    assert record is not None
    stats = statistics.progress_stats(user, date(2026, 3, 1), date(2026, 3, 2), "UTC", now=NOW)
    return record.data, (stats.listened_ms, stats.tracks_completed)


def test_every_sync_order_gives_the_same_record_and_statistics(engine: SyncEngine) -> None:
    rng = random.Random(20261124)
    for _ in range(8):
        devices = [
            device_events(rng, client, index) for index, client in enumerate(("phone", "tablet", "watch"))
        ]
        results = [sync(engine, random_pushes(rng, devices)) for _ in range(4)]
        assert all(result == results[0] for result in results), results
        record, (listened_ms, completed) = results[0]
        assert listened_ms == record["listened_seconds"]
        assert completed == int(record["completed"])
