"""The cost model: what 100, 1,000 and 100,000 active users cost a month on AWS (docs/cost.md).

Measured in this run, through the Lambda handler in process (API Gateway events, Mangum, Starlette,
GraphQL, the engine, DynamoDB Local): each request's CPU time (this process's, all its threads:
`time.process_time`, which a loaded machine stretches far less than wall-clock time, since waiting
for a core is not counted), its wall-clock duration and time inside DynamoDB calls (shown, not
billed), its round trips and its capacity units as DynamoDB bills them (tether/storage/capacity.py).
Priced with the stated workload (WORKLOAD) and prices (PRICES); every line item printed.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from ulid import ULID

from app import create_app, make_handler
from bench.catalog_bench import engine_for, write_catalog
from bench.common import RESULTS, local_table
from bench.cost_prices import PRICES, PRICES_DATE
from localdev import sqs as local_sqs
from localdev import tokens
from tests.chat.conftest import FakeAPI, openai_reply
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tether.settings import Settings
from tether.storage.base import client
from tether.storage.capacity import Meter, Priced, meter_capacity
from tether.storage.instrumentation import record_calls

RUNS = 7
CATALOG_TRACKS = 200  # the catalog the page is read from (bench/catalog_bench.py's generator)
# How long the measured Lambda trusts its cached catalog head (TETHER_CATALOG_HEAD_TTL_SECONDS, 5 s
# deployed): 0, so every sync request and catalog read reads the head, as in a deployment of 100 or
# 1,000 users, whose requests are seconds apart (docs/cost.md). With the deployed 5 s the figures
# depended on how long the run took: on a loaded machine the cache expired mid-run.
CATALOG_HEAD_TTL_SECONDS = 0.0
# A DynamoDB round trip from a Lambda in the same region (loopback here is faster or slower
# depending on the machine's load): the time a request waits per call, billed as duration.
AWS_ROUND_TRIP_MS = 6.0
# The bench machine's core against a Lambda's: a Lambda gets one full vCPU at 1,769 MB and a
# share in proportion below that; at 1,769 MB it runs this code about as fast as one core here.
FULL_VCPU_MB = 1769
USERS = (100, 1_000, 100_000)
DAYS = 30.4
NOTES = "Breathe before the third line; hold the vowel, let the chant rise and fall like the tide. " * 6


@dataclass(frozen=True)
class Workload:
    """What one active user does on an average day (docs/cost.md says why)."""

    app_opens: float = 4  # each: a pull that brings the other devices' changes (~5 records)
    pushes: float = 10  # each: 3 records of ~0.8 KB
    records_per_push: int = 3
    foreground_minutes: float = 20  # the app open, listening for changes
    long_polls: float = 20  # without the poke channel: waitSeconds 20 pulls while in the foreground
    long_poll_seconds: float = 20
    pokes: float = 10  # with it: a poke per push from another device of the account
    chat_messages: float = 3  # each: a send (the handler) and a reply finished by the worker
    chat_reply_seconds: float = 4.0  # the worker waits for the provider's streamed reply
    chat_reply_chars: int = 1_000  # a reply of a few paragraphs
    catalog_reads: float = 2  # a catalog page (cached catalog in the warm Lambda; CATALOG_TRACKS tracks)
    attachment_uploads: float = 0.2  # a ~500 KB photo or recording, one in five days
    attachment_kb: float = 500
    stored_kb: float = 60  # DynamoDB data per user (records, their index entries, bookkeeping)


WORKLOAD = Workload()


@dataclass
class Measured:
    """One request kind: median duration, time in DynamoDB, round trips and units as billed."""

    name: str
    ms: float  # wall clock here (shown: it depends on the machine's load)
    dynamodb_ms: float  # of it inside DynamoDB calls
    cpu_ms: float  # this process's CPU time for the request (what a Lambda's vCPU would run)
    round_trips: int  # DynamoDB calls
    wru: float
    rru: float
    log_bytes: int  # what the request writes to stdout: its log line(s) and its EMF metrics blob
    parts: list[Priced] = dataclasses.field(default_factory=list)  # its units item by item
    other_trips: int = 0  # calls to other AWS services the request waits for (SQS: a reply job handed over)

    def billed_ms(self, memory_mb: int) -> float:
        """Duration on a Lambda of `memory_mb`: the request's CPU time scaled by the Lambda's vCPU
        share, plus its round trips (DynamoDB's and the other services') at AWS_ROUND_TRIP_MS each."""
        trips = self.round_trips + self.other_trips
        return self.cpu_ms * max(1.0, FULL_VCPU_MB / memory_mb) + trips * AWS_ROUND_TRIP_MS


@contextmanager
def stdout_bytes() -> Iterator[list[int]]:
    """Bytes written to this process's stdout (file descriptor 1: the Powertools logger's handler
    and the EMF metrics' print alike) in this block: what CloudWatch Logs would ingest."""
    sys.stdout.flush()
    counted = [0]
    saved = os.dup(1)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 1)
        try:
            yield counted
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
            counted[0] = capture.seek(0, os.SEEK_END)


@contextmanager
def dynamodb_time() -> Iterator[list[float]]:
    """Seconds spent inside DynamoDB calls (request sent to response parsed) in this block."""
    spent = [0.0]
    started: dict[int, float] = {}
    events = client().meta.events

    def before(**_: Any) -> None:
        started[threading.get_ident()] = time.perf_counter()

    def after(**_: Any) -> None:
        spent[0] += time.perf_counter() - started.pop(threading.get_ident(), time.perf_counter())

    events.register("before-send.dynamodb", before)
    events.register("after-call.dynamodb", after)
    try:
        yield spent
    finally:
        events.unregister("before-send.dynamodb", before)
        events.unregister("after-call.dynamodb", after)


@contextmanager
def other_calls(emitters: Sequence[Any]) -> Iterator[list[int]]:
    """API calls made through the clients of these botocore event emitters (the app's SQS client)
    in this block: round trips the request waits for besides DynamoDB's."""
    made = [0]

    def before_call(**_: Any) -> None:
        made[0] += 1

    for events in emitters:
        events.register("before-call", before_call)
    try:
        yield made
    finally:
        for events in emitters:
            events.unregister("before-call", before_call)


class Api:
    """The Lambda handler, called in process with API Gateway HTTP API events of one user."""

    def __init__(
        self, handler: Callable[[dict[str, Any], Any], dict[str, Any]], key_dir: Path | None = None
    ) -> None:
        self.handler, self.key_dir = handler, key_dir  # key_dir: the dev tokens' keys ($connect)
        self.template = load_event("http_api_post_graphql.json")
        self.other_clients: list[Any] = []  # event emitters of the app's non-DynamoDB clients (SQS)

    def call(self, sub: str, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        event = copy.deepcopy(self.template)
        event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = sub
        event["headers"].pop("authorization", None)
        event["body"] = json.dumps({"query": operation(name), "variables": variables})
        event["isBase64Encoded"] = False
        response = self.handler(event, FakeLambdaContext())
        body: dict[str, Any] = json.loads(response["body"])
        if response["statusCode"] != 200 or "errors" in body:
            raise RuntimeError(f"the handler refused a bench request: {body}")
        data: dict[str, Any] = body["data"]
        return data

    def websocket(self, kind: str, connection_id: str, query: dict[str, str] | None = None) -> None:
        """A `$connect` (with `query`: the token and the device) or `$disconnect` event, as API
        Gateway's WebSocket API sends it."""
        event = load_event(f"websocket_{kind}.json")
        event["requestContext"]["connectionId"] = connection_id
        if query is not None:
            event["queryStringParameters"] = query
        answer = self.handler(event, FakeLambdaContext())
        if answer.get("statusCode") != 200:
            raise RuntimeError(f"the handler refused a bench {kind}: {answer}")


@dataclass
class ReplyQueue:
    """The local SQS queue pushes hand reply jobs to, read as the event source mapping reads it."""

    sqs: Any
    url: str

    def next_event(self) -> dict[str, Any]:
        """The SQS event that delivers the next job to the worker."""
        [message] = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=1)["Messages"]
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        event = load_event("sqs_chat_reply_job.json")
        event["Records"][0] |= {"messageId": message["MessageId"], "body": message["Body"]}
        return event


class User:
    """One account with two devices (a phone that pushes, a tablet that pulls)."""

    def __init__(self, api: Api) -> None:
        self.api, self.sub = api, f"bench-{ULID()}"
        self.mutation = 0
        self.connection = ""
        self.more = False  # the last pull said there is more
        self.cursors: dict[str, str | None] = {}
        self.thread: str | None = None
        self.job: dict[str, Any] | None = None

    def start_chat(self) -> None:
        self.thread = str(ULID())
        self._push_changes([{"saveChatThread": {"id": self.thread, "title": "Practice"}}])

    def send_chat(self) -> None:
        """A chat message pushed from the phone (its reply handed to the worker's queue)."""
        message = {"id": str(ULID()), "threadId": self.thread, "text": "How long should I hold the vowel?"}
        self._push_changes([{"sendChatMessage": message}])

    def work_reply(self) -> None:
        """The worker's invocation for the job the last chat message queued."""
        assert self.job is not None
        answer = self.api.handler(self.job, FakeLambdaContext(function_name="tether-bench-chat-worker"))
        if answer != {"batchItemFailures": []}:
            raise RuntimeError(f"the worker did not finish the bench's reply: {answer}")

    def _push_changes(self, changes: list[dict[str, Any]]) -> None:
        mutations = []
        for change in changes:
            self.mutation += 1
            mutations.append(
                {"mutationId": self.mutation, "changedAt": "2026-03-01T09:00:00Z", "change": change}
            )
        self.api.call(self.sub, "SyncPush", {"input": {"clientId": "phone", "mutations": mutations}})

    def push(self, records: int) -> None:
        mutations = []
        for _ in range(records):
            self.mutation += 1
            piece: dict[str, Any] = {
                "id": str(ULID()),
                "title": f"Oli, verse {self.mutation}",
                "notes": NOTES,
            }
            piece |= {"category": "oli", "language": "haw", "tags": ["practice", "hula"]}
            mutations.append(
                {
                    "mutationId": self.mutation,
                    "changedAt": "2026-03-01T09:00:00Z",
                    "change": {"savePiece": piece},
                }
            )
        self.api.call(self.sub, "SyncPush", {"input": {"clientId": "phone", "mutations": mutations}})

    def connect(self, device: str) -> None:
        """The device opens the poke channel: `$connect` with its token (verified by the function,
        as in AWS: no authorizer runs for a WebSocket API)."""
        assert self.api.key_dir is not None, "a $connect needs the dev tokens' keys (Api(key_dir=...))"
        self.connection = f"{ULID()}="
        token = tokens.mint(self.sub, key_dir=self.api.key_dir)
        self.api.websocket("connect", self.connection, {"clientId": device, "token": token})

    def disconnect(self) -> None:
        self.api.websocket("disconnect", self.connection)

    def browse(self) -> int:
        """A catalog page online (the app's Collections query): the catalog cached in the warm Lambda."""
        data = self.api.call(self.sub, "Collections", {"first": 20})
        return len(data["collections"]["nodes"])

    def pull(self, device: str) -> int:
        data = self.api.call(
            self.sub, "SyncPull", {"input": {"clientId": device, "cursor": self.cursors.get(device)}}
        )["syncPull"]
        self.cursors[device] = data["cursor"]
        self.more = bool(data["hasMore"])
        return len(data["pieces"])

    def synced(self, device: str) -> None:
        """The device pulls until it has everything (the catalog's feed too, as an app's first sync)."""
        self.pull(device)
        while self.more:
            self.pull(device)


def measure(
    name: str,
    prepare: Callable[[User], None],
    action: Callable[[User], Any],
    api: Api,
    after: Callable[[User], None] = lambda user: None,
) -> Measured:
    """`action` on RUNS fresh users after `prepare` (and `after` it): timed runs, then one metered run."""
    samples, in_dynamodb, cpu, trips, others = [], [], [], 0, 0
    for _ in range(RUNS):
        user = User(api)
        prepare(user)
        with dynamodb_time() as spent, record_calls() as calls, other_calls(api.other_clients) as made:
            started, cpu_started = time.perf_counter(), time.process_time()
            action(user)
            cpu.append(time.process_time() - cpu_started)
            samples.append(time.perf_counter() - started)
        in_dynamodb.append(spent[0])
        trips, others = calls.round_trips, made[0]
        after(user)
    user = User(api)
    prepare(user)
    meter: Meter
    with meter_capacity() as meter, stdout_bytes() as logged:
        action(user)
    after(user)
    return Measured(
        name,
        statistics.median(samples) * 1000,
        statistics.median(in_dynamodb) * 1000,
        statistics.median(cpu) * 1000,
        trips,
        meter.wru,
        meter.rru,
        logged[0],
        list(meter.parts),
        others,
    )


def measure_all(api: Api, queue: ReplyQueue) -> dict[str, Measured]:
    records = WORKLOAD.records_per_push

    def known(user: User) -> None:
        user.synced("tablet")
        user.synced("phone")

    def changes_waiting(user: User) -> None:
        known(user)
        user.push(records)
        user.push(records)

    def chatting(user: User) -> None:
        known(user)
        user.start_chat()

    def drain(user: User) -> None:
        queue.next_event()  # the job the measured push queued (not worked here)

    def reply_waiting(user: User) -> None:
        chatting(user)
        user.send_chat()
        user.job = queue.next_event()

    def poked(user: User) -> None:
        known(user)
        user.push(records)

    def reconnecting(user: User) -> None:
        """A device that opened the channel before (every app open but the partition's very first:
        the head's connections map exists)."""
        known(user)
        user.connect("tablet")
        user.disconnect()

    def connected(user: User) -> None:
        reconnecting(user)
        user.connect("tablet")

    return {
        "push": measure("push of 3 records", known, lambda u: u.push(records), api),
        "open": measure("pull of 6 changes (app open)", changes_waiting, lambda u: u.pull("tablet"), api),
        "poked": measure("pull after a poke (3 changes)", poked, lambda u: u.pull("tablet"), api),
        "connect": measure("$connect", reconnecting, lambda u: u.connect("tablet"), api),
        "disconnect": measure("$disconnect", connected, lambda u: u.disconnect(), api),
        "idle": measure("idle pull", known, lambda u: u.pull("tablet"), api),
        "catalog": measure("catalog page (Collections)", known, lambda u: u.browse(), api),
        "chat": measure("push of a chat message", chatting, lambda u: u.send_chat(), api, after=drain),
        "reply": measure("worker: one reply (SQS job)", reply_waiting, lambda u: u.work_reply(), api),
    }


@dataclass(frozen=True)
class Row:
    """One kind of API request in a user's day: how many, billed ms each, units and log bytes each."""

    count: float
    ms: float
    wru: float
    rru: float
    log_bytes: int


@dataclass
class Line:
    service: str
    item: str
    quantity: float
    unit: str
    price: float  # per unit

    @property
    def cost(self) -> float:
        return self.quantity * self.price


def monthly_lines(
    m: dict[str, Measured], users: int, *, poke: bool, memory_mb: int, worker_mb: int | None = None
) -> list[Line]:
    """Every line item of a month for `users` active users (the live channel: pokes or long polls),
    the API at `memory_mb` and the reply worker at `worker_mb` (template.yaml's, by default)."""
    w, p = WORKLOAD, PRICES
    per_month = users * DAYS
    gb = memory_mb / 1024
    worker_mb = worker_mb or worker_memory_mb()
    lambda_gb_s = p["lambda_gb_s_arm64"]

    def request(
        count: float, kind: str, *, wru: bool = True, rru_times: float = 1.0, held_s: float = 0.0
    ) -> Row:
        measured = m[kind]
        return Row(
            count,
            measured.billed_ms(memory_mb) + held_s * 1000,
            measured.wru if wru else 0.0,
            measured.rru * rru_times,
            measured.log_bytes,
        )

    http = {  # API requests per user-day
        "app-open pulls": request(w.app_opens, "open"),
        "pushes": request(w.pushes, "push"),
        "catalog reads": request(w.catalog_reads, "catalog", wru=False),
        "chat sends": request(w.chat_messages, "chat"),
        "upload requests": request(w.attachment_uploads, "push"),
    }
    if poke:
        # Each poke: the device pulls once, bringing the one push that poked it (3 records).
        http["pulls after a poke"] = request(w.pokes, "poked", wru=False)
    else:
        polls = _head_reads(w.long_poll_seconds)
        http["long polls (held)"] = request(
            w.long_polls, "idle", wru=False, rru_times=1 + polls, held_s=w.long_poll_seconds
        )
    requests = sum(row.count for row in http.values()) * per_month
    gb_s = sum(row.count * row.ms / 1000 * gb for row in http.values()) * per_month
    wru = sum(row.count * row.wru for row in http.values()) * per_month
    rru = sum(row.count * row.rru for row in http.values()) * per_month
    # Logs as measured per request, per worker job and per $connect/$disconnect; the S3 events (one
    # line and one metrics blob each, like a push's) at a push's bytes.
    log_bytes = sum(row.count * row.log_bytes for row in http.values()) * per_month
    log_bytes += w.chat_messages * m["reply"].log_bytes * per_month
    log_bytes += w.attachment_uploads * m["push"].log_bytes * per_month
    if poke:
        log_bytes += w.app_opens * (m["connect"].log_bytes + m["disconnect"].log_bytes) * per_month
    # The chat worker (its own SQS-triggered function) holds its Lambda while the provider streams
    # the reply, and does the job's work as measured (at the worker's vCPU share).
    worker_requests = w.chat_messages * per_month
    worker_gb_s = (
        w.chat_messages
        * (w.chat_reply_seconds + m["reply"].billed_ms(worker_mb) / 1000)
        * worker_mb
        / 1024
        * per_month
    )
    wru += w.chat_messages * m["reply"].wru * per_month
    rru += w.chat_messages * m["reply"].rru * per_month
    upload_events = w.attachment_uploads * per_month  # the S3 event that completes an upload
    lines = [
        Line(
            "Lambda",
            "requests (API + worker + S3 events)",
            requests + worker_requests + upload_events,
            "request",
            p["lambda_request"],
        ),
        Line("Lambda", f"duration, API ({memory_mb} MB arm64)", gb_s, "GB-s", lambda_gb_s),
        Line("Lambda", f"duration, chat worker ({worker_mb} MB arm64)", worker_gb_s, "GB-s", lambda_gb_s),
        Line("API Gateway", "HTTP API requests", requests, "request", p["http_api_request"]),
        Line("DynamoDB", "write request units (on-demand)", wru, "WRU", p["dynamodb_wru"]),
        Line("DynamoDB", "read request units (on-demand)", rru, "RRU", p["dynamodb_rru"]),
        Line("DynamoDB", "storage", users * w.stored_kb / 1024**2, "GB-month", p["dynamodb_gb_month"]),
        Line("S3", "PUT (attachments)", upload_events, "request", p["s3_put"]),
        Line("S3", "GET (attachment downloads, 2 per upload)", 2 * upload_events, "request", p["s3_get"]),
        Line(
            "S3",
            "storage (a month's uploads)",
            upload_events * w.attachment_kb / 1024**2,
            "GB-month",
            p["s3_gb_month"],
        ),
        Line("SQS", "chat jobs (send, receive, delete)", 3 * worker_requests, "request", p["sqs_request"]),
        Line(
            "CloudWatch Logs",
            "ingestion",
            log_bytes / 1024**3,
            "GB",
            p["logs_gb"],
        ),
    ]
    if poke:
        sessions = w.app_opens * per_month
        lines += [
            Line(
                "API Gateway",
                "WebSocket connection minutes",
                w.foreground_minutes * per_month,
                "minute",
                p["ws_minute"],
            ),
            Line(
                "API Gateway",
                "WebSocket messages (pokes; $connect/$disconnect)",
                (w.pokes + 2 * w.app_opens) * per_month,
                "message",
                p["ws_message"],
            ),
            Line(
                "Lambda",
                "$connect/$disconnect",
                2 * sessions,
                "request",
                p["lambda_request"],
            ),
            Line(
                "Lambda",
                "duration, $connect/$disconnect and PostToConnection in the push",
                (
                    sessions * (m["connect"].billed_ms(memory_mb) + m["disconnect"].billed_ms(memory_mb))
                    + w.pokes * per_month * AWS_ROUND_TRIP_MS * 2
                )
                / 1000
                * gb,
                "GB-s",
                lambda_gb_s,
            ),
            # Measured through the handler (tether/storage/sockets.py): $connect the token's checks
            # (the account's sign-ins), the head's entry and the connection's item; $disconnect the
            # connection's item deleted (its partition returned by the delete) and the head's entry
            # taken. A push finds the connections on the head it reads anyway: nothing more.
            Line(
                "DynamoDB",
                "connections: $connect + $disconnect writes",
                sessions * (m["connect"].wru + m["disconnect"].wru),
                "WRU",
                p["dynamodb_wru"],
            ),
            Line(
                "DynamoDB",
                "connections: $connect + $disconnect reads",
                sessions * (m["connect"].rru + m["disconnect"].rru),
                "RRU",
                p["dynamodb_rru"],
            ),
        ]
    return lines


# Lambda's pollers of a queue with an event source mapping long-poll it whether or not messages
# arrive: five, or "as few as 2 concurrent batches" when traffic is low, an optimization "not
# available if you enable the maximum concurrency setting" (AWS's SQS scaling page); a long poll
# waits at most 20 s. Per deployment, whatever its users (docs/cost.md "Fixed costs").
POLLERS = (2, 5)
LONG_POLL_SECONDS = 20


@dataclass(frozen=True)
class PolledQueue:
    """A queue template.yaml maps to a function: what its receives cost, its fewest pollers."""

    name: str
    price: str  # PRICES key
    fewest_pollers: int


def polled_queues() -> list[PolledQueue]:
    """The queues of template.yaml's SQS event source mappings."""
    from tests.deploy.cfn import load_template

    resources = load_template()["Resources"]
    queues = []
    for resource in resources.values():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping":
            continue
        properties = resource["Properties"]
        name = properties["EventSourceArn"]["Fn::GetAtt"][0]
        queue = resources[name]
        if queue["Type"] != "AWS::SQS::Queue":
            continue
        fifo = bool(queue["Properties"].get("FifoQueue"))
        capped = "MaximumConcurrency" in (properties.get("ScalingConfig") or {})
        queues.append(
            PolledQueue(
                name, "sqs_fifo_request" if fifo else "sqs_request", POLLERS[1] if capped else POLLERS[0]
            )
        )
    return queues


def fixed_costs(queues: list[PolledQueue]) -> tuple[float, float]:
    """A month of the deployment's fixed costs, the event source mappings' receives while no
    message arrives, at the fewest and the most pollers: not per user, outside the per-user figures."""
    receives = DAYS * 86_400 / LONG_POLL_SECONDS
    low = sum(queue.fewest_pollers * receives * PRICES[queue.price] for queue in queues)
    high = sum(POLLERS[1] * receives * PRICES[queue.price] for queue in queues)
    return low, high


@functools.cache
def worker_memory_mb() -> int:
    """The reply worker's memory: template.yaml's ChatWorkerMemorySize (its default)."""
    from tests.deploy.cfn import load_template

    return int(load_template()["Parameters"]["ChatWorkerMemorySize"]["Default"])


def _head_reads(seconds: float) -> int:
    """How many head reads a long poll of `seconds` makes while nothing changes (engine._wait)."""
    reads, waited, interval = 0, 0.0, 0.25
    while waited < seconds:
        waited += interval
        interval = min(interval * 2, 2.0)
        reads += 1
    return reads


def print_model(measured: dict[str, Measured]) -> dict[str, Any]:
    print(f"\ncost model (prices: {PRICES_DATE}; workload per active user and day: bench/cost.py WORKLOAD)")
    print(
        f"{'request':32} {'ms here':>8} {'in DynamoDB':>11} {'CPU ms':>7} {'trips':>5} {'WRU':>6} {'RRU':>6} {'log B':>6} {'billed ms @512':>14}"
    )
    for m in measured.values():
        print(
            f"{m.name:32} {m.ms:8.1f} {m.dynamodb_ms:11.1f} {m.cpu_ms:7.1f} {_trips(m):>5} {m.wru:6.1f} {m.rru:6.1f} {m.log_bytes:6d} {m.billed_ms(512):14.1f}"
        )
    print_parts(measured)
    summary: dict[str, Any] = {}
    for channel, poke in (("poke", True), ("long poll", False)):
        for users in USERS:
            lines = monthly_lines(measured, users, poke=poke, memory_mb=512)
            total = sum(line.cost for line in lines)
            summary[f"{channel} {users}"] = round(total, 2)
            print(
                f"\n{users:,} active users, live channel: {channel}: ${total:,.2f} a month (${total / users * 100:,.2f} per 100 users)"
            )
            for line in lines:
                print(
                    f"  {line.service:16} {line.item:52} {line.quantity:>16,.1f} {line.unit:9} ${line.cost:>10,.4f}"
                )
    print(
        f"\nper 100 users a month by the API's Lambda memory (arm64, pokes / long polls; the worker at {worker_memory_mb()} MB):"
    )
    for memory in (256, 512, 1024):
        pokes = sum(line.cost for line in monthly_lines(measured, 100, poke=True, memory_mb=memory))
        polls = sum(line.cost for line in monthly_lines(measured, 100, poke=False, memory_mb=memory))
        summary[f"memory {memory}"] = (round(pokes, 2), round(polls, 2))
        print(
            f"  {memory:5} MB: ${pokes:.2f} / ${polls:.2f}   (a push takes {measured['push'].billed_ms(memory):.0f} ms)"
        )
    queues = polled_queues()
    low, high = fixed_costs(queues)
    summary["fixed a month"] = (round(low, 2), round(high, 2))
    polled = ", ".join(f"{queue.name} ({queue.fewest_pollers}-{POLLERS[1]} pollers)" for queue in queues)
    print(
        f"\nfixed a month per deployment, whatever its users (not in the figures above): the event source"
        f" mappings' receives, {LONG_POLL_SECONDS} s long polls of {polled}: ${low:.2f}-${high:.2f}"
    )
    return summary


def _trips(m: Measured) -> str:
    """DynamoDB round trips, then the other services' (`2+1`: two DynamoDB calls and a SendMessage)."""
    return f"{m.round_trips}+{m.other_trips}" if m.other_trips else str(m.round_trips)


def print_parts(measured: dict[str, Measured]) -> None:
    """Each request's units item by item: what it wrote (the item, each index entry) and read, with
    the sizes that round to those units (docs/cost.md)."""
    print("\nitem by item (bytes as DynamoDB sizes them; units as billed, transactions doubled):")
    for m in measured.values():
        print(f"  {m.name}: {m.wru:g} WRU, {m.rru:g} RRU")
        for part in m.parts:
            print(
                f"    {part.operation:18} {part.kind:16} {part.key[:44]:44} {part.size:6,d} B {part.units:4g}"
            )
        written = sum(part.units for part in m.parts if part.kind != "read")
        read = sum(part.units for part in m.parts if part.kind == "read")
        assert (written, read) == (m.wru, m.rru), f"{m.name}: the parts do not add up to the totals"


REPLY_SENTENCE = "Hold the vowel for four counts, let the chant fall with your breath, then rest. "


# What an app needs to chat against the local fakes (chat_stack): its provider and its reply queue.
CHAT_SETTINGS = (
    "chat_provider",
    "chat_openai_base_url",
    "chat_openai_model",
    "chat_api_key",
    "chat_queue_url",
    "sqs_endpoint",
)


def _serve(start: Callable[[], str], reply: Any) -> None:
    """In a child process: start the server, send its URL back, serve until terminated."""
    reply.send(start())
    reply.close()
    threading.Event().wait()


@contextmanager
def served_apart(start: Callable[[], str]) -> Iterator[str]:
    """A local fake (`start` serves it from a thread and returns its URL) in a process of its own,
    forked from this one: its CPU time (parsing and answering requests) is not counted in this
    process's `process_time`, which the model bills as the Lambda's. In AWS the provider and SQS
    run elsewhere; in process, they added their own work to the chat send's and the reply's CPU."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_serve, args=(start, send), daemon=True)
    child.start()
    try:
        yield receive.recv()
    finally:
        child.terminate()
        child.join()


def fake_provider(reply_chars: int) -> str:
    """An OpenAI-compatible fake answering `reply_chars` characters at once: its URL."""
    provider = FakeAPI().start()
    reply = (REPLY_SENTENCE * (reply_chars // len(REPLY_SENTENCE) + 1))[:reply_chars]
    provider.default = lambda request: openai_reply(reply, prompt=400, completion=250)
    return provider.url


def local_sqs_server() -> str:
    """moto's SQS server: its endpoint."""
    return local_sqs.LocalSQSServer().start().endpoint


@contextmanager
def chat_stack(reply_chars: int, key_dir: Path | None = None) -> Iterator[tuple[Settings, ReplyQueue]]:
    """DynamoDB Local, a local SQS reply queue and an OpenAI-compatible fake provider answering
    `reply_chars` characters at once, the two fakes each in a process of its own (served_apart):
    the settings of an app chatting through them (verifying the dev tokens of `key_dir`, when
    given), and the queue."""
    with ExitStack() as stack:  # the fakes forked first, before this process has other threads
        provider_url = stack.enter_context(served_apart(functools.partial(fake_provider, reply_chars)))
        sqs_endpoint = stack.enter_context(served_apart(local_sqs_server))
        settings = stack.enter_context(local_table())
        sqs = boto3.client(
            "sqs",
            endpoint_url=sqs_endpoint,
            region_name=local_sqs.REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        queue = ReplyQueue(sqs, local_sqs.create_queues(sqs, f"bench-{ULID()}"))
        chat = dataclasses.replace(
            settings,
            chat_provider="openai",
            chat_openai_base_url=f"{provider_url}/v1",
            chat_openai_model="gpt-bench",
            chat_api_key="sk-bench",
            chat_queue_url=queue.url,
            sqs_endpoint=sqs_endpoint,
            dev_public_key_file=str(tokens.ensure_key(key_dir)) if key_dir is not None else None,
        )
        yield chat, queue


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as keys,
        chat_stack(WORKLOAD.chat_reply_chars, Path(keys)) as (
            chat,
            queue,
        ),
    ):
        write_catalog(engine_for(chat, ttl=5), chat.catalog_partition, CATALOG_TRACKS)
        measured_app = dataclasses.replace(chat, catalog_head_ttl_seconds=CATALOG_HEAD_TTL_SECONDS)
        asgi_app = create_app(measured_app)
        api = Api(make_handler(asgi_app), Path(keys))
        User(api).push(3)  # warm: imports, schema, connections
        assert User(api).browse() > 0  # and the catalog, as a warm Lambda holds it
        # The reply queue's SQS client: the chat send waits for its SendMessage too.
        api.other_clients.append(asgi_app.state.services.chat.queue.client.meta.events)
        measured = measure_all(api, queue)
        summary = print_model(measured)
    load = [round(value, 2) for value in os.getloadavg()]
    print(f"machine load (1, 5, 15 min) during this run: {load}: the CPU times above are what is billed")
    RESULTS.mkdir(exist_ok=True)
    (Path(RESULTS) / "cost.json").write_text(
        json.dumps(
            {
                "measured": [dataclasses.asdict(m) for m in measured.values()],
                "monthly": summary,
                "load": load,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
