"""Closed-loop load over loopback HTTP: 8 clients, 25% pushes of 10 new records, 75% pulls from each
client's cursor, against the hand-written floor (bench/floor_handler.py) served the same way, in the
same run. `python -m bench load_bench` (part of `make bench`); LOAD_SECONDS (default 20) per side.

Both servers are one uvicorn process-thread on the same DynamoDB Local: what bounds the rate is
printed with it (this process's CPU seconds per wall second: near 1.0 means the one Python process,
its GIL, is the limit; well below it, DynamoDB Local or the machine is).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from ulid import ULID

from app import create_app
from bench.common import RESULTS, local_table
from bench.floor_handler import FloorHandler
from bench.handler_bench import PORT, floor_asgi, http_headers, post, serve
from tests.operations import operation
from tether.settings import Settings
from tether.telemetry import logger

CLIENTS = 8
PUSH_SHARE = 0.25
PUSH_SIZE = 10
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))


@dataclasses.dataclass
class Outcome:
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


def client_loop(url: str, settings: Settings, index: int, deadline: float, outcome: Outcome) -> None:
    """One device of its own user: push or pull, one request after the other, until the deadline."""
    user = f"load-{index}-{ULID()}"
    headers = http_headers(settings, user)
    rng = random.Random(index)
    cursor: str | None = None
    mutation_id = 0
    push, pull = operation("SyncPush"), operation("SyncPull")
    while time.perf_counter() < deadline:
        if rng.random() < PUSH_SHARE:
            changed_at = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
            mutations = []
            for _ in range(PUSH_SIZE):
                mutation_id += 1
                mutations.append(
                    {
                        "mutationId": mutation_id,
                        "changedAt": changed_at,
                        "change": {
                            "savePiece": {"id": str(ULID()), "title": f"t{mutation_id}", "tags": ["a"]}
                        },
                    }
                )
            body = {"query": push, "variables": {"input": {"clientId": "phone", "mutations": mutations}}}
        else:
            body = {
                "query": pull,
                "variables": {"input": {"clientId": "phone", "cursor": cursor, "limit": 500}},
            }
        started = time.perf_counter()
        try:
            answer = json.loads(post(url, body, headers))
            if "errors" in answer:
                raise RuntimeError(answer["errors"])
            if "syncPull" in answer["data"]:
                cursor = answer["data"]["syncPull"]["cursor"]
        except Exception:
            with outcome.lock:
                outcome.errors += 1
            continue
        with outcome.lock:
            outcome.latencies.append(time.perf_counter() - started)


def run(url: str, settings: Settings) -> dict[str, Any]:
    outcome = Outcome()
    cpu, wall = time.process_time(), time.perf_counter()
    deadline = wall + SECONDS
    threads = [
        threading.Thread(target=client_loop, args=(url, settings, n, deadline, outcome))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - wall
    latencies = sorted(outcome.latencies)
    return {
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "errors": outcome.errors,
        "cpu_per_wall_s": round((time.process_time() - cpu) / elapsed, 2),
    }


def main() -> None:
    logger.setLevel("WARNING")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    from localdev import tokens

    with local_table() as table_settings:
        settings = dataclasses.replace(
            table_settings, dynamodb_read_timeout=30.0, dev_public_key_file=str(tokens.ensure_key())
        )
        app = create_app(settings)
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=settings.dynamodb_endpoint,
            region_name=settings.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        heads = [feed.partition for feed in app.state.services.sync.shared_feeds.values()]
        floor = FloorHandler(dynamodb, settings.table_name, heads)
        with (
            serve(app, PORT + 2 if PORT else 0) as ours,
            serve(floor_asgi(floor), PORT + 3 if PORT else 0) as theirs,
        ):
            tether = run(ours, settings)
            floor_figures = run(theirs, settings)
        ratio = round(tether["requests_per_s"] / floor_figures["requests_per_s"], 2)
        bound = (
            "this Python process (GIL)"
            if tether["cpu_per_wall_s"] >= 0.85
            else "DynamoDB Local / the machine"
        )
        print(
            f"\nClosed-loop load over HTTP ({CLIENTS} clients, {PUSH_SHARE:.0%} pushes of {PUSH_SIZE}, "
            f"{SECONDS:.0f} s each, same run)"
        )
        print(f"  tether: {json.dumps(tether)}")
        print(f"  floor:  {json.dumps(floor_figures)}")
        print(f"  ratio (requests/s): {ratio}; Tether bounded by {bound}")
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "load.json").write_text(
            json.dumps({"tether": tether, "floor": floor_figures, "ratio": ratio, "bound": bound}, indent=2)
        )


if __name__ == "__main__":
    main()
