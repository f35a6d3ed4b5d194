"""Many devices pushing at once while another device keeps pulling: nothing missed, nothing twice."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.sync.conftest import new_id
from tether.errors import Conflict
from tether.pieces import PIECES
from tether.services import Services
from tether.sessions import SESSIONS
from tether.settings import Settings
from tether.sync.engine import Mutation, SyncEngine

WRITERS = 4
PUSHES = 8
PER_PUSH = 5


def writer(
    engine: SyncEngine, user_id: str, client: str, pieces: list[str], seed: int, log: list[Any]
) -> None:
    rng = random.Random(seed)
    mutation_id = 0
    for _ in range(PUSHES):
        batch = []
        for _ in range(PER_PUSH):
            mutation_id += 1
            changed_at = datetime.now(UTC) - timedelta(seconds=rng.randint(0, 5))
            if rng.random() < 0.7:
                field, value = rng.choice(
                    [("notes", f"{client} {mutation_id}"), ("favorite", rng.random() < 0.5)]
                )
                batch.append(
                    Mutation(
                        mutation_id, changed_at, PIECES, "save", {"id": rng.choice(pieces), field: value}
                    )
                )
            else:
                session = {"id": new_id(), "started_at": changed_at, "piece_id": rng.choice(pieces)}
                batch.append(Mutation(mutation_id, changed_at, SESSIONS, "save", session))
        while True:  # a real client retries a push that reports a retryable error
            try:
                result = engine.push(user_id, client, batch)
                break
            except Conflict:
                continue
        assert result.last_mutation_id == mutation_id
        log.extend(result.results)


def test_concurrent_pushes_while_pulling_miss_nothing_and_repeat_nothing(
    settings: Settings, user_id: str
) -> None:
    engine = Services.build(settings).sync
    pieces = [new_id() for _ in range(6)]
    now = datetime.now(UTC) - timedelta(minutes=1)
    setup = [
        Mutation(i + 1, now, PIECES, "save", {"id": p, "title": f"piece {i}"}) for i, p in enumerate(pieces)
    ]
    engine.push(user_id, "setup", setup)

    results: list[Any] = []
    writers_done = threading.Event()
    observed: list[tuple[str, int]] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            cursor = None
            while True:
                finished = writers_done.is_set()
                while True:
                    page = engine.pull(user_id, "reader", cursor, limit=7)
                    cursor = page.cursor
                    observed.extend((record.id, record.version) for record in page.records)
                    if not page.has_more:
                        break
                if finished:
                    return
        except BaseException as error:  # surfaced by the main thread
            errors.append(error)

    reading = threading.Thread(target=reader)
    reading.start()
    threads = [
        threading.Thread(target=writer, args=(engine, user_id, f"device-{n}", pieces, n, results))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writers_done.set()
    reading.join()
    assert not errors, errors

    assert len(results) == WRITERS * PUSHES * PER_PUSH
    assert {result.status for result in results} <= {"APPLIED", "MERGED"}  # nothing lost or rejected

    # Nothing twice: a record's version is delivered at most once, and versions only go up.
    assert len(observed) == len(set(observed))
    last_seen: dict[str, int] = {}
    for record_id, version in observed:
        assert version > last_seen.get(record_id, 0), (record_id, version)
        last_seen[record_id] = version

    # Nothing missed: the reader ends with every record at its final version.
    final = {record.id: record.version for record in _everything(engine, user_id)}
    assert last_seen == final
    sessions_created = sum(1 for result in results if result.collection is SESSIONS)
    assert len(final) == len(pieces) + sessions_created


def _everything(engine: SyncEngine, user_id: str) -> list[Any]:
    records, cursor = [], None
    while True:
        page = engine.pull(user_id, "fresh-device", cursor, limit=1000)
        records += page.records
        cursor = page.cursor
        if not page.has_more:
            return records
