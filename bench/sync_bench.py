"""Sync engine: push and pull latency, throughput, round trips and capacity units per operation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ulid import ULID

from bench.common import Report, floor, local_table, measure
from tether.pieces import PIECES
from tether.services import Services
from tether.storage.instrumentation import Calls
from tether.sync.engine import Mutation, SyncEngine

RUNS = 15


def new_pieces(first_mutation: int, count: int) -> list[Mutation]:
    now = datetime.now(UTC) - timedelta(minutes=5)
    return [
        Mutation(
            first_mutation + i,
            now,
            PIECES,
            "save",
            {"id": str(ULID()), "title": f"Piece {i}", "notes": "n" * 300, "tags": ["a", "b"]},
        )
        for i in range(count)
    ]


def one_user(engine: SyncEngine, loader: str) -> dict[str, tuple[float, Calls]]:
    """Each measured operation once, for a fresh user."""
    user = f"bench-{ULID()}"
    batch = new_pieces(1, 100)
    measured = {"push 100 new records": measure(lambda: engine.push(user, "phone", batch))}
    now = datetime.now(UTC)
    edits = [
        Mutation(101 + i, now, PIECES, "save", {"id": m.payload["id"], "favorite": True})
        for i, m in enumerate(batch)
    ]
    measured["push 100 edits"] = measure(lambda: engine.push(user, "phone", edits))
    for n in range(3):  # 500 changes in the feed
        engine.push(user, loader, new_pieces(1 + n * 100, 100))
    measured["pull a page of 500 changes"] = measure(lambda: engine.pull(user, "tablet", None, limit=500))
    cursor = None
    while True:
        page = engine.pull(user, "idle", cursor, limit=1000)
        cursor = page.cursor
        if not page.has_more:
            break
    measured["idle pull"] = measure(lambda: engine.pull(user, "idle", cursor))
    return measured


def main() -> None:
    items = {
        "push 100 new records": 100,
        "push 100 edits": 100,
        "pull a page of 500 changes": 500,
        "idle pull": 1,
    }
    with local_table() as settings:
        engine = Services.build(settings).sync
        report = Report("sync", floor())
        runs = [one_user(engine, f"loader-{n}") for n in range(RUNS)]
        for operation, count in items.items():
            samples = [run[operation][0] for run in runs]
            report.add(operation, samples, runs[-1][operation][1], items=count)
        report.print()


if __name__ == "__main__":
    main()
