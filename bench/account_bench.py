"""Accounts: exporting and erasing a user with 100,000 records (DynamoDB Local + moto's S3).

Reports each against a floor measured in the same run (one GetItem round trip) and against a plain
read of the same partition (the Query pages alone), with round trips, capacity units, throughput,
the export's size and the process's peak memory. `python -m bench account_bench [records]`.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from ulid import ULID

from bench.common import Report, floor, local_table, measure
from localdev.dynamodb import free_port, port_in_use
from tether.auth import User
from tether.media import PART_SIZE
from tether.model.record import Record
from tether.pieces import PIECES
from tether.services import Services
from tether.sessions import SESSIONS
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage import partition
from tether.storage.base import TetherModel, client
from tether.storage.keys import user_key
from tether.storage.record_items import Write, record_item

RECORDS = 100_000
BUCKET = "tether-bench-media"


@contextmanager
def local_s3(settings: Settings) -> Iterator[Settings]:
    """moto's S3 server in a process of its own (the files it keeps do not count in our memory)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not port_in_use(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    configured = Settings(
        stage="dev",
        table_name=settings.table_name,
        dynamodb_endpoint=settings.dynamodb_endpoint,
        media_bucket=BUCKET,
        s3_endpoint=f"http://127.0.0.1:{port}",
        # DynamoDB Local pages a 100,000-item partition far more slowly than DynamoDB does.
        dynamodb_read_timeout=60.0,
    )
    storage.configure(configured)
    try:
        yield configured
    finally:
        server.terminate()
        server.wait(timeout=10)


def seed(user_id: str, count: int) -> None:
    """`count` records (two thirds practice sessions, one third pieces with lyrics), ~0.5 KB each,
    written with parallel BatchWriteItem calls (seeding is not what is measured)."""
    pk = user_key(user_id)
    now = datetime.now(UTC)
    table = str(TetherModel.Meta.table_name)

    def item(n: int) -> dict[str, Any]:
        if n % 3:
            data = {"started_at": "2026-03-01T09:00:00.000Z", "duration_seconds": 600, "notes": "n" * 150}
            record = Record(SESSIONS.name, str(ULID()), 1, n + 1, now, now, data=data)
            write = Write(SESSIONS.sort_key(record.id), record, time_key=f"SESSION#{data['started_at']}")
        else:
            data = {"title": f"Piece {n}", "lyrics": "l" * 400, "tags": ["oli", "hula"]}
            record = Record(PIECES.name, str(ULID()), 1, n + 1, now, now, data=data)
            write = Write(PIECES.sort_key(record.id), record)
        raw: dict[str, Any] = record_item(pk, write).serialize()
        return raw

    def write(start: int) -> None:
        requests = [{"PutRequest": {"Item": item(n)}} for n in range(start, min(start + 25, count))]
        while requests:
            response = client().batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(0, count, 25)))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(count: int = RECORDS) -> None:
    """Seed, export and erase one user with `count` records."""
    # 100,000 records are ~100 MB in DynamoDB Local's memory (the change-feed index copies them).
    with local_table(heap_mb=2048) as table_settings, local_s3(table_settings) as settings:
        services = Services.build(settings)
        services.accounts.media.client.create_bucket(Bucket=BUCKET)
        report = Report("accounts", floor())
        user = f"bench-{ULID()}"
        started = time.perf_counter()
        seed(user, count)
        print(f"seeded {count} records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        pk = user_key(user)

        def read_all() -> int:
            return sum(len(page) for page in partition.pages(pk))

        read_all()  # DynamoDB Local is much slower on its first pass over the data
        cpu_started = time.process_time()
        elapsed, calls = measure(read_all)
        read_cpu = time.process_time() - cpu_started
        report.add(f"read the partition ({count} records)", [elapsed], calls, items=count)
        exported: list[Any] = []
        cpu_started = time.process_time()
        elapsed, calls = measure(lambda: exported.append(services.accounts.exports.export(User(user))))
        export_cpu = time.process_time() - cpu_started
        report.add(f"export {count} records", [elapsed], calls, items=count)
        result = exported[0]
        assert result.counts["records"] == count, result.counts
        erasures = []

        def erase() -> None:  # a call stops at its time budget (complete: false); the app calls again
            while True:
                erasures.append(1)
                if services.accounts.erasure.erase(User(user)).complete:
                    return

        elapsed, calls = measure(erase)
        report.add(f"erase {count} records ({len(erasures)} call(s))", [elapsed], calls, items=count)
        assert partition.count(pk) == 0
        report.print()
        print(
            f"export: {result.size / 1e6:.1f} MB, {-(-result.size // PART_SIZE)} part(s); "
            f"peak RSS of this process {peak_rss_mb():.0f} MB (seeding and the table's client included)\n"
            f"CPU seconds of this process: reading the partition {read_cpu:.2f} s, "
            f"the whole export {export_cpu:.2f} s (a 512 MB Lambda has ~0.3 vCPU)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else RECORDS)
