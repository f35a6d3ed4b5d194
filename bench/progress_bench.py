"""Progress and statistics: progressStats for a user with 3 years of daily activity, and progress
reports in a push: latency against the floor, round trips and capacity units."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

from ulid import ULID

from bench.common import Report, floor, local_table, measure
from tether import statistics
from tether.progress import PROGRESS
from tether.services import Services
from tether.sessions import SESSIONS
from tether.storage import counters
from tether.storage.instrumentation import Calls
from tether.storage.keys import user_key
from tether.sync.engine import Mutation, SyncEngine

RUNS = 15
YEARS = 3
ZONE = "Europe/Berlin"


def seed(engine: SyncEngine, user: str, today: date) -> int:
    """Every day for three years: two listening stretches, a completed track now and then, and a
    practice session. Returns the number of mutations pushed."""
    mutations: list[Mutation] = []
    start = today - timedelta(days=365 * YEARS)
    for offset in range(365 * YEARS):
        day = datetime.combine(start + timedelta(days=offset), datetime.min.time(), UTC)
        track = {"track_id": f"track-{offset % 40}"}
        mutations.append(
            Mutation(
                len(mutations) + 1,
                day + timedelta(hours=6, minutes=40),
                PROGRESS,
                "record",
                {
                    **track,
                    "position_seconds": 900.0,
                    "listened_seconds_delta": 900.0,
                    "duration_seconds": 1800.0,
                },
            )
        )
        mutations.append(
            Mutation(
                len(mutations) + 1,
                day + timedelta(hours=7, minutes=0),
                PROGRESS,
                "record",
                {
                    **track,
                    "position_seconds": 1790.0 if offset % 3 == 0 else 1200.0,
                    "listened_seconds_delta": 890.0,
                },
            )
        )
        mutations.append(
            Mutation(
                len(mutations) + 1,
                day + timedelta(hours=19),
                SESSIONS,
                "save",
                {
                    "id": str(ULID()),
                    "started_at": day + timedelta(hours=18, minutes=30),
                    "duration_seconds": 1200,
                },
            )
        )
    for batch in range(0, len(mutations), 100):
        engine.push(user, "phone", mutations[batch : batch + 100])
    return len(mutations)


def main() -> None:
    today = datetime.now(UTC).date()
    with local_table() as settings:
        engine = Services.build(settings).sync
        report = Report("progress", floor())
        user = f"bench-{ULID()}"
        pushed = seed(engine, user, today)
        fresh = f"bench-{ULID()}"
        month = (today - timedelta(days=29), today)
        year = (today - timedelta(days=365), today)
        cases = {
            "progressStats 30 days, 3 y history": (user, month),
            "progressStats 366 days, 3 y history": (user, year),
            "progressStats 366 days, no history": (fresh, year),
        }
        for name, (who, (start, end)) in cases.items():
            query = functools.partial(statistics.progress_stats, who, start, end, ZONE)
            runs: list[tuple[float, Calls]] = [measure(query) for _ in range(RUNS)]
            report.add(name, [elapsed for elapsed, _ in runs], runs[-1][1])
        result = statistics.progress_stats(user, *year, ZONE, datetime.now(UTC))
        next_id = pushed + 1
        now = datetime.now(UTC)

        def one_report() -> None:
            nonlocal next_id
            payload = {"track_id": "track-live", "position_seconds": 10.0, "listened_seconds_delta": 0.0}
            engine.push(user, "phone", [Mutation(next_id, now, PROGRESS, "record", payload)])
            next_id += 1

        samples = [measure(one_report) for _ in range(RUNS)]
        report.add("push 1 progress report", [elapsed for elapsed, _ in samples], samples[-1][1])

        def hundred_reports() -> None:
            nonlocal next_id
            batch = [
                Mutation(
                    next_id + n,
                    now,
                    PROGRESS,
                    "record",
                    {"track_id": f"live-{n}", "position_seconds": 10.0, "listened_seconds_delta": 0.0},
                )
                for n in range(100)
            ]
            engine.push(user, "phone", batch)
            next_id += 100

        samples = [measure(hundred_reports) for _ in range(5)]
        report.add("push 100 progress reports", [e for e, _ in samples], samples[-1][1], items=100)
        report.print()
        pk = user_key(user)
        weeks = counters.counts(pk, start=statistics.WEEK_PREFIX, end=statistics.WEEK_PREFIX + "~")
        days = counters.counts(
            pk, start=statistics.day_key(year[0] - timedelta(days=1)), end=statistics.day_key(today)
        )
        print(
            f"history: {pushed} mutations over {YEARS} years; a 366-day query reads {len(days)} day items "
            f"and {len(weeks)} week items; longest streak {result.longest_streak} days, current "
            f"{result.current_streak}"
        )


if __name__ == "__main__":
    main()
