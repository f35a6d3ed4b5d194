"""Server overhead through the Lambda handler, against a hand-written handler in the same run.

`python -m bench handler_bench` (part of `make bench`). Each operation is answered by Tether's Lambda
handler (`app.make_handler`: Powertools, Mangum, Starlette, GraphQL, the engine, PynamoDB) and by the
floor (`bench/floor_handler.py`: the same DynamoDB calls with boto3 and json only), in process, each
the median of several runs, with the manifest's documents (what Apollo apps send: `__typename`
everywhere, which the floor answers too; resolvers/trusted.py executes them); the time spent waiting for DynamoDB Local (from sending a request to its
response arriving) is measured on both clients, so "outside DynamoDB" is each side's own work.

Then over HTTP (uvicorn on loopback): the 500-record page, and the initial sync of 10,000 records in
pages of 1,000 against the same Query pages kept as raw JSON, with the bytes per record on the wire
for each compression.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import gzip
import json
import os
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import brotli
import uvicorn
import zstandard
from ulid import ULID

from app import create_app, make_handler
from bench.common import RESULTS, local_table
from bench.floor_handler import FloorHandler
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tests.pages import notes, seed_pieces
from tether.persisted import Manifest
from tether.settings import Settings
from tether.storage.base import client as shared_client
from tether.storage.raw import raw_query_items
from tether.telemetry import logger

RUNS = 7
# An idle pull is ~5-10 ms: one alone is at the mercy of the scheduler on a shared machine (the
# same code measured 1.17x, 1.37x and 1.23x in three runs). Each of its RUNS is IDLE_BATCH pulls in a
# row on each side (interleaved as the others are), per pull: the ratio of the same work, steadier.
IDLE_BATCH = 20
PAGE = 500
INITIAL_SYNC = 10_000
SYNC_PAGE = 1000
COMPRESSIONS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}
PORT = int(os.environ.get("BENCH_PORT", "0"))  # 0: any free port (set one in your range by hand)

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class DynamoDBClock:
    """Seconds each thread spent waiting for DynamoDB (request sent → response received)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._local = threading.local()
        self._lock = threading.Lock()

    def watch(self, dynamodb: Any) -> None:
        events = dynamodb.meta.events
        events.register_first("before-send.dynamodb", self._sent)
        events.register_first("before-parse.dynamodb", self._received)

    def _sent(self, **_: Any) -> None:
        self._local.started = time.perf_counter()

    def _received(self, **_: Any) -> None:
        waited = time.perf_counter() - getattr(self._local, "started", time.perf_counter())
        with self._lock:
            self.total += waited


CLOCK = DynamoDBClock()


@dataclasses.dataclass
class Sample:
    total: float
    dynamodb: float

    @property
    def outside(self) -> float:
        return self.total - self.dynamodb


def sample(action: Callable[[], Any]) -> Sample:
    before = CLOCK.total
    started = time.perf_counter()
    action()
    total = time.perf_counter() - started
    return Sample(total, CLOCK.total - before)


def median(samples: list[Sample]) -> Sample:
    return Sample(statistics.median(s.total for s in samples), statistics.median(s.dynamodb for s in samples))


def event(
    user: str, document: str, variables: dict[str, Any], accept_encoding: str | None = None
) -> dict[str, Any]:
    """An API Gateway HTTP API event with the authorizer's claims for `user`."""
    base = load_event("http_api_post_graphql.json")
    base["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    base["headers"].pop("authorization", None)
    base["headers"].pop("content-length", None)
    if accept_encoding:
        base["headers"]["accept-encoding"] = accept_encoding
    base["body"] = json.dumps({"query": document, "variables": variables})
    return base


def pull_variables(client_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    return {"input": {"clientId": client_id, "cursor": cursor, "limit": limit}}


def push_variables(count: int) -> dict[str, Any]:
    changed_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    import random

    rng = random.Random(count)
    return {
        "input": {
            "clientId": "phone",
            "mutations": [
                {
                    "mutationId": n + 1,
                    "changedAt": changed_at,
                    "change": {
                        "savePiece": {
                            "id": str(ULID()),
                            "title": f"Piece {n}",
                            "notes": notes(rng),
                            "tags": ["breathe", "slow"],
                        }
                    },
                }
                for n in range(count)
            ],
        }
    }


def answer(handler: Handler, request: dict[str, Any]) -> dict[str, Any]:
    response = handler(request, FakeLambdaContext())
    assert response["statusCode"] == 200, response
    body = json.loads(response["body"])
    assert "errors" not in body, body["errors"]
    return dict(body["data"])


def cursor_at_end(handler: Handler, user: str, client_id: str) -> str | None:
    cursor = None
    while True:
        data = answer(handler, event(user, operation("SyncPull"), pull_variables(client_id, cursor, 1000)))
        page = next(iter(data.values()))
        cursor = str(page["cursor"])
        if not page["hasMore"]:
            return cursor


@functools.cache
def trusted_operation(name: str) -> str:
    """The manifest's text of an operation: what an Apollo app sends (with `__typename` everywhere),
    and what Tether's trusted-operation executor answers (resolvers/trusted.py)."""
    manifest = Manifest.for_settings(Settings())
    return next(op.body for op in manifest.operations.values() if op.name == name)


def lambda_rows(tether: Handler, floor: Handler, user: str) -> list[dict[str, Any]]:
    """The three in-process measures: page of 500, idle pull, push of 100 new records, each with the
    manifest's document (the floor answers its `__typename`s too)."""
    pull = trusted_operation("SyncPull")
    push = trusted_operation("SyncPush")
    rows = []
    page_event = event(user, pull, pull_variables("tablet", None, PAGE))
    for handler in (tether, floor):
        answer(handler, page_event)  # warm up (and record the device's presence once)
    rows.append(compare("500-record pull page (Lambda handler)", tether, floor, lambda: page_event, pages=1))
    ends = {id(h): cursor_at_end(h, user, "idle") for h in (tether, floor)}
    rows.append(
        compare(
            "idle pull (Lambda handler)",
            tether,
            floor,
            lambda: None,
            make=lambda h: event(user, pull, pull_variables("idle", ends[id(h)], PAGE)),
            batch=IDLE_BATCH,
        )
    )
    rows.append(
        compare(
            "push of 100 new records (Lambda handler)",
            tether,
            floor,
            lambda: None,
            make=lambda h: event(f"bench-push-{ULID()}", push, push_variables(100)),
        )
    )
    return rows


def compare(
    name: str,
    tether: Handler,
    floor: Handler,
    request: Callable[[], dict[str, Any] | None],
    *,
    make: Callable[[Handler], dict[str, Any]] | None = None,
    pages: int = 1,
    batch: int = 1,
) -> dict[str, Any]:
    """Each side's median of RUNS runs, interleaved; a run is `batch` requests in a row (per request)."""
    measured: dict[str, list[Sample]] = {"tether": [], "floor": []}
    for _ in range(RUNS):  # interleaved, so both sides see the same machine
        for side, handler in (("tether", tether), ("floor", floor)):
            built = make(handler) if make else request()
            assert built is not None
            run = sample(functools.partial(_answer_all, handler, built, batch))
            measured[side].append(Sample(run.total / batch, run.dynamodb / batch))
    if os.environ.get("BENCH_PROFILE"):
        profile(name, tether, make(tether) if make else request())
    extra = {"requests_per_run": batch} if batch > 1 else {}
    return row(name, median(measured["tether"]), median(measured["floor"]), **extra)


def _answer_all(handler: Handler, request: dict[str, Any], times: int) -> None:
    for _ in range(times):
        answer(handler, request)


def profile(name: str, handler: Handler, request: dict[str, Any] | None) -> None:
    """`BENCH_PROFILE=1`: the top entries (own time) of one more run of Tether's side."""
    import cProfile
    import pstats
    from concurrent.futures import ThreadPoolExecutor

    from resolvers import offload

    assert request is not None
    profiler, worker = cProfile.Profile(), cProfile.Profile()
    kept = offload._POOL  # the core's worker thread is profiled too (cProfile sees one thread)
    offload._POOL = ThreadPoolExecutor(max_workers=1, initializer=worker.enable)
    try:
        profiler.runcall(lambda: answer(handler, request))
        offload._POOL.submit(worker.disable).result()
    finally:
        offload._POOL.shutdown()
        offload._POOL = kept
    print(f"\nprofile: {name} (the handler's thread and the core's worker thread)")
    stats = pstats.Stats(profiler).add(worker)
    stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(
        int(os.environ["BENCH_PROFILE"])
    )


def row(name: str, ours: Sample, floor: Sample, **extra: Any) -> dict[str, Any]:
    return {
        "measure": name,
        "tether_ms": round(ours.total * 1000, 1),
        "tether_outside_ms": round(ours.outside * 1000, 1),
        "floor_ms": round(floor.total * 1000, 1),
        "floor_outside_ms": round(floor.outside * 1000, 1),
        "ratio": round(ours.total / floor.total, 2),
        **extra,
    }


# ---- over HTTP ----


@contextmanager
def serve(app: Any, port: int) -> Iterator[str]:
    """`app` under uvicorn in a background thread on 127.0.0.1:`port` (0: any free port)."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def floor_asgi(floor: FloorHandler) -> Any:
    """The floor handler as a minimal ASGI app (the claims come from an `x-user` header)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        user = headers[b"x-user"].decode()
        request = {
            "body": body.decode(),
            "requestContext": {"authorizer": {"jwt": {"claims": {"sub": user}}}},
        }
        response = floor(request, None)
        content = response["body"].encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(content)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})

    return app


def post(url: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/graphql-response+json",
            **headers,
        },
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return bytes(response.read())


def http_headers(settings: Settings, user: str) -> dict[str, str]:
    from localdev import tokens

    return {
        "Authorization": f"Bearer {tokens.mint(user, key_dir=tokens.ensure_key().parent)}",
        "x-user": user,
    }


def http_rows(
    settings: Settings, floor: FloorHandler, page_user: str, sync_user: str
) -> list[dict[str, Any]]:
    from localdev import tokens

    http_settings = dataclasses.replace(settings, dev_public_key_file=str(tokens.ensure_key()))
    rows = []
    http_app = create_app(http_settings)  # configures the storage anew: a new client to watch
    CLOCK.watch(shared_client())
    with serve(http_app, PORT) as ours, serve(floor_asgi(floor), PORT + 1 if PORT else 0) as theirs:
        pull = operation("SyncPull")
        headers = http_headers(settings, page_user)
        body = {"query": pull, "variables": pull_variables("tablet", None, PAGE)}
        for url in (ours, theirs):
            json.loads(post(url, body, headers))
        measured: dict[str, list[Sample]] = {"tether": [], "floor": []}
        for _ in range(RUNS):
            for side, url in (("tether", ours), ("floor", theirs)):
                measured[side].append(sample(functools.partial(post, url, body, headers)))
        rows.append(row("500-record pull page (HTTP)", median(measured["tether"]), median(measured["floor"])))
        rows.append(initial_sync(ours, sync_user))
    return rows


def initial_sync(url: str, user: str) -> dict[str, Any]:
    """10,000 records in pages of 1,000 over HTTP, against the same Query pages kept as raw JSON."""
    pull = operation("SyncPull")
    headers = http_headers(Settings(), user)

    decoding = [0.0]  # the client's own decoding of the pages: not server work, taken off below

    def sync(encoding: str = "identity") -> tuple[int, int]:
        # One new device syncing from the start (its presence is written on its first page only).
        cursor, size, pages, device = None, 0, 0, f"fresh-{ULID()}"
        while True:
            body = {"query": pull, "variables": pull_variables(device, cursor, SYNC_PAGE)}
            raw = post(url, body, {**headers, "Accept-Encoding": encoding})
            started = time.perf_counter()
            size += len(raw)
            pages += 1
            page = json.loads(COMPRESSIONS[encoding](raw) if encoding in COMPRESSIONS else raw)
            answer_page = page["data"]["syncPull"]
            cursor = answer_page["cursor"]
            decoding[0] += time.perf_counter() - started
            if not answer_page["hasMore"]:
                return size, pages

    def timed_sync() -> Sample:
        decoding[0] = 0.0
        measured = sample(sync)
        return Sample(measured.total - decoding[0], measured.dynamodb)

    def raw_pages() -> None:
        low, pk = 0, f"USER#{user}"
        dynamodb = shared_client()
        while True:
            with raw_query_items():
                data = dynamodb.query(
                    TableName=os.environ.get("BENCH_TABLE", "tether-bench"),
                    IndexName="bySeq",
                    KeyConditionExpression="pk = :pk AND seq > :a",
                    ExpressionAttributeValues={":pk": {"S": pk}, ":a": {"N": str(low)}},
                    ConsistentRead=True,
                    Limit=SYNC_PAGE,
                )
            json.dumps(data["Items"], separators=(",", ":"))
            if not data.get("LastEvaluatedKey"):
                return
            low = int(data["Items"][-1]["seq"]["N"])

    size, pages = sync()
    ours = median([timed_sync() for _ in range(3)])
    floor = median([sample(raw_pages) for _ in range(3)])
    per_record = {"identity": size / INITIAL_SYNC}
    for encoding in COMPRESSIONS:
        per_record[encoding] = sync(encoding)[0] / INITIAL_SYNC
    return row(
        f"initial sync of {INITIAL_SYNC:,} records, pages of {SYNC_PAGE:,} (HTTP, {pages} pages)",
        ours,
        floor,
        records_per_s_outside_dynamodb=round(INITIAL_SYNC / ours.outside),
        bytes_per_record={name: round(value, 1) for name, value in per_record.items()},
    )


def print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title}")
    header = ["measure", "tether_ms", "tether_outside_ms", "floor_ms", "floor_outside_ms", "ratio"]
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for r in rows:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths, strict=True)))
        extra = {k: v for k, v in r.items() if k not in header}
        if extra:
            print("    " + json.dumps(extra))


def main() -> None:
    if not os.environ.get("BENCH_LOGS"):  # BENCH_LOGS=1: each request's log line and metrics too
        logger.setLevel("WARNING")  # a line per request (and its metrics) would drown the figures
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    with local_table() as table_settings:
        settings = dataclasses.replace(table_settings, dynamodb_read_timeout=30.0)
        app = create_app(settings)
        tether = make_handler(app)
        CLOCK.watch(shared_client())
        services = app.state.services
        dynamodb = boto3.client(
            "dynamodb",
            endpoint_url=settings.dynamodb_endpoint,
            region_name=settings.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        CLOCK.watch(dynamodb)
        heads = [feed.partition for feed in services.sync.shared_feeds.values()]
        floor = FloorHandler(dynamodb, settings.table_name, heads)
        page_user = f"bench-page-{ULID()}"
        seed_pieces(settings, page_user, PAGE)
        # As app.py's init does in Lambda: what was built so far (the app was built after app.py's
        # own freeze) moved out of the collector's way, so full collections (~50-70 ms over ~60,000
        # objects, on either side's clock) walk only what the requests allocate.
        gc.collect()
        gc.freeze()
        rows = lambda_rows(tether, floor, page_user)
        print_rows("Server overhead through the Lambda handler, in process (median of 7, same run)", rows)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "handler.json").write_text(json.dumps({"rows": rows}, indent=2))
        if os.environ.get("BENCH_SKIP_HTTP"):
            return
        sync_user = f"bench-sync-{ULID()}"
        seed_pieces(settings, sync_user, INITIAL_SYNC)
        os.environ["BENCH_TABLE"] = settings.table_name
        http = http_rows(settings, floor, page_user, sync_user)
        print_rows("Over HTTP (uvicorn, loopback; same run)", http)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "handler.json").write_text(json.dumps({"rows": rows + http}, indent=2))


if __name__ == "__main__":
    main()
