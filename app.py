"""Wiring only: the Starlette ASGI app (local server, tests) and the Lambda handler (Mangum)."""

# ruff: noqa: E402  (the cyclic collector is paused before the imports, see below)
from __future__ import annotations

import gc

# Init (these imports, the schema, the services, the DynamoDB client) allocates ~180,000 objects
# that live as long as the process and makes almost no cyclic garbage (~700 objects): the
# collector's ~180 passes over them while it runs are ~15% of a cold start's CPU
# (bench/coldstart_bench.py). Paused here, frozen and resumed once init is over (end of module).
_COLLECTING = gc.isenabled()
gc.disable()

# Before any import defines a dataclass: its generated methods run the code the package's build
# compiled (tether/dataclass_code.py; ~1,000 classes at init, each ~1.2-2 ms of compiling without it).
from tether import dataclass_code

dataclass_code.install()

# botocore without pyOpenSSL and cryptography's OpenSSL bindings (~60-100 ms): it takes only ssl's
# SSLContext from them (tether/storage/tls.py).
from tether.storage import tls

tls.import_botocore()

import asyncio
import base64
import logging
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from mangum import Mangum
from mangum.handlers import HTTPGateway
from mangum.protocols.http import HTTPCycle, HTTPCycleState
from mangum.types import LambdaConfig, LambdaContext, LambdaEvent, Message, Scope
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette_compress import CompressMiddleware, add_compress_type

from resolvers.client import NAME_HEADER, VERSION_HEADER
from resolvers.errors import GRAPHQL_RESPONSE_JSON
from resolvers.http import GraphQLEndpoint
from resolvers.lazy_schema import LazySchema
from resolvers.webhooks import Webhooks
from resolvers.websocket import Sockets, is_websocket_event
from tether.attachments import is_s3_event
from tether.chat.worker import handle_sqs_event, is_sqs_event
from tether.poke import LocalPoster
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.telemetry import invocation, logger, metrics

GRAPHIQL_ASSETS = Path(__file__).resolve().parent / "static" / "graphiql"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
# What browsers may send (template.yaml's CorsConfiguration lists the same, a test keeps them equal):
# Apollo's client-awareness headers name the app and version in the logs and metrics.
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", NAME_HEADER, VERSION_HEADER]
DEV_ORIGINS = r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """The whole API as one ASGI app, configured by `settings` (default: the environment)."""
    settings = services.settings if services is not None else settings or Settings.from_env()
    storage.configure(settings)
    services = services or Services.build(settings)
    endpoint = GraphQLEndpoint(LazySchema(settings), services)  # Strawberry's built on first use
    webhooks = Webhooks(services)
    sockets = Sockets(services, endpoint.authenticator)
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint.handle, methods=ALL_METHODS),
        # Public (no authorizer, no user token): each verifies the store's own signature.
        Route("/webhooks/app-store", webhooks.app_store, methods=["POST"]),
        Route("/webhooks/play", webhooks.play, methods=["POST"]),
    ]
    if isinstance(services.pokes.poster, LocalPoster):  # no API Gateway WebSocket API: serve it here
        routes.append(WebSocketRoute("/ws", sockets.serve))
    if settings.graphiql_enabled:
        routes.append(Mount("/graphiql", StaticFiles(directory=GRAPHIQL_ASSETS, check_dir=False)))
    middleware = [*_cors(settings), _compression(settings)]
    asgi_app = Starlette(routes=routes, middleware=middleware)
    asgi_app.state.services = services  # for scheduled jobs (make_handler)
    asgi_app.state.sockets = sockets  # for API Gateway's WebSocket events (make_handler)
    return asgi_app


ERASE_DUE_ACCOUNTS = "erase-due-accounts"
MOVE_DELETION_LOCKS = "move-deletion-locks"


def run_job(services: Services, job: str) -> dict[str, Any]:
    """A scheduled job (template.yaml's schedule invokes the function with `{"tetherJob": ...}`), or
    `move-deletion-locks` at once after deploying the lock's move onto the gate item (docs/accounts.md
    "Deployed accounts"; the hourly erasure job moves them too, so none waits more than an hour)."""
    if job == MOVE_DELETION_LOCKS:
        moved: dict[str, Any] = {"job": job, "moved": _move_deletion_locks(services)}
        logger.info("one-off job", extra=moved)
        return moved
    if job != ERASE_DUE_ACCOUNTS:
        raise ValueError(f"unknown job {job!r}")
    locks_moved = _move_deletion_locks(services)  # (a deploy's old locks, and an old Lambda's late ones)
    results = services.accounts.grace.run_due()
    erased = sum(1 for _, result in results if result.complete)
    unfinished = len(results) - erased  # the next run finishes them
    summary: dict[str, Any] = {
        "job": job,
        "erased": erased,
        "unfinished": unfinished,
        "movedDeletionLocks": locks_moved,
    }
    logger.info("scheduled job", extra=summary)
    # What an alarm watches: erasures left unfinished run again (and again) on the next schedule.
    metrics.add_metric(name="ErasedAccounts", unit=MetricUnit.Count, value=erased)
    metrics.add_metric(name="UnfinishedErasures", unit=MetricUnit.Count, value=unfinished)
    return summary


def _move_deletion_locks(services: Services) -> int:
    """Locks written as items of their own before the lock moved onto the gate item, moved there."""
    moved = services.accounts.grace.move_legacy_locks()
    metrics.add_metric(name="MovedDeletionLocks", unit=MetricUnit.Count, value=moved)
    return moved


def _cors(settings: Settings) -> list[Middleware]:
    """Browser origins: the configured ones, and in dev any port of localhost and 127.0.0.1."""
    origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
    local = None if settings.is_prod else DEV_ORIGINS
    if not origins and local is None:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_origin_regex=local,
            allow_methods=["GET", "POST"],
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=["X-Request-Id"],
            max_age=600,
        )
    ]


def _compression(settings: Settings) -> Middleware:
    """zstd, br or gzip (the client's `Accept-Encoding` decides) for bodies above the threshold."""
    add_compress_type(GRAPHQL_RESPONSE_JSON)
    # Levels chosen on the 1,000-record pull page (bench/clients_bench.py): most of the size win
    # of higher levels at a fraction of their CPU time.
    return Middleware(
        CompressMiddleware, minimum_size=settings.compress_min_bytes, gzip_level=6, brotli_quality=5
    )


LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
# What Powertools adds to every log line from the Lambda context and the function's log group and
# configuration already say: ~150 bytes of each ~850-byte request's logs (CloudWatch bills the bytes
# ingested, docs/cost.md). The request id (`function_request_id`) and `cold_start` stay.
CONSTANT_LOG_KEYS = ["function_name", "function_memory_size", "function_arn"]


class HTTPAPIEvent(HTTPGateway):
    """Mangum's adapter for API Gateway HTTP API events, with the ASGI scope built once per event.

    Mangum's own builds the whole scope (headers copied and encoded, host parsed) a second time when
    it converts the response, only to read the payload version back from it. (Built in `__init__`,
    not by a `functools.cached_property`, whose first read takes a lock in Python 3.11.)
    """

    def __init__(self, event: LambdaEvent, context: LambdaContext, config: LambdaConfig) -> None:
        super().__init__(event, context, config)
        self._scope = super().scope

    @property
    def scope(self) -> Scope:
        return self._scope


class RequestMessages:
    """What Mangum's HTTP cycle reads from and writes to its `asyncio.Queue` (`put_nowait`, `get`,
    `put`), for its one request: the request message, then `http.disconnect` once the response is
    sent. A queue per invocation (its deques, an `Event`, a getter future per wait) was a visible
    part of an idle pull's edge work; nothing else reads the cycle's messages."""

    __slots__ = ("_messages", "_waiter")

    def __init__(self) -> None:
        self._messages: list[Message] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, message: Message) -> None:
        self._messages.append(message)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def put(self, message: Message) -> None:
        self.put_nowait(message)

    async def get(self) -> Message:
        while not self._messages:  # (an app reading past its request: wait for the disconnect)
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self._messages.pop(0)


_CYCLE_LOGGER = logging.getLogger("mangum.http")


class LambdaHTTPCycle(HTTPCycle):
    """Mangum's HTTP cycle (its `run`, `receive` and `send`, unchanged) over `RequestMessages`."""

    def __init__(self, scope: Scope, body: bytes) -> None:
        self.scope = scope
        self.buffer = BytesIO()
        self.state = HTTPCycleState.REQUEST
        self.logger = _CYCLE_LOGGER
        self.app_queue = RequestMessages()  # type: ignore[assignment]
        self.app_queue.put_nowait({"type": "http.request", "body": body, "more_body": False})


class LambdaAdapter(Mangum):
    """Mangum with its lifespan off, each invocation's HTTP cycle a `LambdaHTTPCycle`: the same
    handler inference, scope, ASGI run and response conversion, without the lifespan's exit stack."""

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        assert self.lifespan == "off"  # (make_handler's: app.py's app has no lifespan handlers)
        handler = self.infer(event, context)
        return handler(LambdaHTTPCycle(handler.scope, handler.body)(self.app))


def make_handler(asgi_app: Starlette) -> LambdaHandler:
    """A Lambda handler serving `asgi_app` (API Gateway HTTP API 2.0 and REST 1.0 events)."""
    mangum = LambdaAdapter(
        asgi_app,
        lifespan="off",
        custom_handlers=[HTTPAPIEvent],  # tried first; REST API events fall through to Mangum's
        text_mime_types=[GRAPHQL_RESPONSE_JSON, "application/json", "application/javascript", "text/"],
    )

    @logger.inject_lambda_context(clear_state=True)
    @invocation  # Powertools' metrics, flushed into the request's log line: one JSON object
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.remove_keys(CONSTANT_LOG_KEYS)
        if isinstance(event.get("tetherJob"), str):
            return run_job(asgi_app.state.services, event["tetherJob"])
        started = time.perf_counter()
        if not is_http_request(event):  # (an API request is none of the others: not tested for them)
            answered = _non_http_event(asgi_app, event)
            if answered is not None:
                return answered
        response: dict[str, Any] = _binary_if_encoded(mangum(event, context))
        # One metric a request: its count is Latency's SampleCount (a Requests metric of 1s said it again:
        # ~50 bytes of every request's log line, and a custom metric per client dimension).
        metrics.add_metric(
            name="Latency",
            unit=MetricUnit.Milliseconds,
            value=round((time.perf_counter() - started) * 1000, 1),
        )
        return response

    return handler


def is_http_request(event: dict[str, Any]) -> bool:
    """An API Gateway HTTP API (2.0) or REST API (1.0) request: what Mangum answers, and no WebSocket
    route, SQS, S3 or scheduled event (none of those has an HTTP request context or method)."""
    context = event.get("requestContext")
    return (
        isinstance(context, dict)
        and "eventType" not in context
        and ("http" in context or "httpMethod" in event)
        and "Records" not in event
    )


def _non_http_event(asgi_app: Starlette, event: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a WebSocket route, SQS or S3 event (None: any other event, for Mangum)."""
    if is_websocket_event(event):  # $connect / $disconnect of the poke channel (docs/sync.md)
        answer: dict[str, Any] = asgi_app.state.sockets.handle_event(event)
        metrics.add_metric(name="WebSocketEvents", unit=MetricUnit.Count, value=1)
        return answer
    if is_sqs_event(event) and asgi_app.state.services.publisher.handles(event):
        # catalog publish jobs (CatalogPublisherFunction): the read index after editors' changes
        answer = asgi_app.state.services.publisher.handle_event(event)
        metrics.add_metric(name="CatalogPublishJobs", unit=MetricUnit.Count, value=len(event["Records"]))
        return answer
    if is_sqs_event(event):  # reply jobs: the assistant's replies that pushes handed over
        answer = handle_sqs_event(asgi_app.state.services.chat, event)
        metrics.add_metric(name="ReplyJobs", unit=MetricUnit.Count, value=len(event["Records"]))
        return answer
    if is_s3_event(event):  # a file arrived: complete its attachment (apps killed mid-upload)
        handled = asgi_app.state.services.uploads.on_s3_event(event)
        metrics.add_metric(name="AttachmentEvents", unit=MetricUnit.Count, value=handled)
        return {"handled": handled}
    return None


def _binary_if_encoded(response: dict[str, Any]) -> dict[str, Any]:
    """A compressed body is bytes, whatever its media type: API Gateway must get it base64-encoded.

    (Mangum sends a text media type as text when the bytes happen to decode as UTF-8.)
    """
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    if headers.get("content-encoding") and not response.get("isBase64Encoded"):
        body = response.get("body") or ""
        response["body"] = base64.b64encode(body.encode("utf-8")).decode("ascii")
        response["isBase64Encoded"] = True
    return response


app = create_app()
# The DynamoDB client (botocore's service model, endpoint rules and credentials, ~200 ms) is built
# during Lambda's init phase, which runs at full CPU and before the first request waits for it
# (and is inside the snapshot where SnapStart is on), not inside the first request.
storage.client()

handler = make_handler(app)
"""The Lambda entry point (template.yaml: `Handler: app.handler`)."""

# Init is over. What it built is moved to the collector's permanent generation (never scanned
# again: a warm function's full collections only walk what requests allocate), and collection
# resumes for the requests.
gc.freeze()
if _COLLECTING:
    gc.enable()
