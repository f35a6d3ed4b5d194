"""The trusted-operation executor (resolvers/trusted.py) answers the manifest's SyncPull and SyncPush
exactly as Strawberry's `Schema.execute` does: the same status, headers and body, byte for byte,
for valid operations, every kind of bad input, refusals, rate limits and DynamoDB faults.

Each scenario runs twice on the same clock, once with the executor and once without it, for two
fresh users (the same client ids and record ids); what differs by user alone (the user id, the
cursors bound to it, request ids) is named the same way in both before they are compared."""

from __future__ import annotations

import gc
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from starlette.testclient import TestClient
from strawberry.schema import schema_converter
from ulid import ULID

from app import create_app
from resolvers import limits
from resolvers.context import Context
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.http import GraphQLEndpoint
from resolvers.lazy_schema import LazySchema, sdl_schema
from resolvers.schema import build_schema
from resolvers.trusted import TRUSTED_OPERATIONS, TrustedOperations, prepare
from tests.conftest import Clock
from tests.faults import error_response, fail, throttling
from tether.persisted import Manifest
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.telemetry import logger

MANIFEST = Manifest.for_settings(Settings())
TEXTS = {op.name: op.body for op in MANIFEST.operations.values() if op.name in TRUSTED_OPERATIONS}
PULL, PUSH = TEXTS["SyncPull"], TEXTS["SyncPush"]
CHANGED_AT = "2026-03-10T09:00:00+10:00"
PIECE_A, PIECE_B = str(ULID()), str(ULID())


def pull(cursor: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"input": {"clientId": "phone", "cursor": cursor, "limit": 50, **extra}}


def mutation(n: int, change: dict[str, Any], changed_at: str = CHANGED_AT) -> dict[str, Any]:
    return {"mutationId": n, "changedAt": changed_at, "change": change}


def push(*mutations: dict[str, Any], client: str = "phone") -> dict[str, Any]:
    return {"input": {"clientId": client, "mutations": list(mutations)}}


SAVES = push(
    mutation(1, {"savePiece": {"id": PIECE_A, "title": "Aloha", "tags": ["a", "b"]}}),
    mutation(2, {"savePiece": {"id": PIECE_B, "title": "Oli", "notes": 'é ü ∑ "q"'}}),
    mutation(3, {"deletePiece": {"id": PIECE_A}}),
    mutation(4, {"deletePiece": {"id": str(ULID())}}),
    mutation(5, {"savePreferences": {"dailyGoalMinutes": 15}}),
)


@dataclass
class Request:
    body: Any = None  # a POST body (a request object or a batch)
    params: dict[str, str] | None = None  # GET parameters
    accept: str = "application/graphql-response+json"
    signed_in: bool = True
    cursor_from: int | None = None  # the request whose answer's cursor this pull continues from


class Run:
    """One scenario's requests against one app, answers normalized for comparison."""

    def __init__(self, client: TestClient, user: str, token: str) -> None:
        self.client, self.user, self.token = client, user, token
        self.answers: list[dict[str, Any]] = []
        self.cursors: dict[str, str] = {}

    def send(self, request: Request) -> dict[str, Any]:
        headers = {"Accept": request.accept}
        if request.signed_in:
            headers["Authorization"] = f"Bearer {self.token}"
        body = request.body
        if request.cursor_from is not None:
            body = json.loads(json.dumps(body))
            body["variables"]["input"]["cursor"] = self._cursor_of(self.answers[request.cursor_from])
        logs = _Logs()
        logging.getLogger(logger.name).addHandler(logs)
        try:
            if request.params is not None:
                response = self.client.get("/graphql", params=request.params, headers=headers)
            else:
                response = self.client.post("/graphql", json=body, headers=headers)
        finally:
            logging.getLogger(logger.name).removeHandler(logs)
        request_id = response.headers["x-request-id"]
        answer = {
            "status": response.status_code,
            "headers": {
                k: v for k, v in response.headers.items() if k not in ("x-request-id", "content-length")
            },
            "body": response.content.decode(),
            "logs": [log.seen(request_id) for log in logs.records],
        }
        self.answers.append(answer)
        return answer

    def _cursor_of(self, answer: dict[str, Any]) -> str:
        cursor: str = json.loads(answer["body"])["data"]["syncPull"]["cursor"]
        return cursor

    def normalized(self) -> list[dict[str, Any]]:
        """The answers with the user's own names replaced: its id, its cursors, request ids."""
        names = itertools.count()
        cursors: dict[str, str] = {}

        def cursor(found: re.Match[str]) -> str:
            return f'"cursor":"{cursors.setdefault(found.group(1), f"cursor-{next(names)}")}"'

        normalized = []
        for answer in self.answers:
            body = answer["body"].replace(self.user, "USER")
            body = re.sub(r'"cursor":"([^"]*)"', cursor, body)
            body = re.sub(r'"requestId":"[^"]*"', '"requestId":"ID"', body)
            normalized.append({**answer, "body": body})
        return normalized


class _Logs(logging.Handler):
    """The log records of one request."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[_Seen] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(_Seen(record))


class _Seen:
    """What a log record says, and whether it names the request's id."""

    KEPT = ("status", "operation", "method", "graphql_path")

    def __init__(self, record: logging.LogRecord) -> None:
        self.record = record

    def seen(self, request_id: str) -> dict[str, Any]:
        record = self.record
        return {
            "level": record.levelname,
            "message": record.getMessage(),
            "names_the_request": getattr(record, "request_id", None) == request_id,
            "error": repr(record.exc_info[1]) if record.exc_info else None,
            **{name: getattr(record, name, None) for name in self.KEPT},
        }


def endpoint_of(app: Any) -> GraphQLEndpoint:
    route = next(route for route in app.routes if getattr(route, "path", None) == "/graphql")
    endpoint: GraphQLEndpoint = route.endpoint.__self__
    return endpoint


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The operation names Strawberry's `Schema.execute` ran (the others the trusted executor did)."""
    ran: list[str] = []
    execute = strawberry.Schema.execute

    async def counted(self: strawberry.Schema, query: str | None, *args: Any, **kwargs: Any) -> Any:
        ran.append(next((name for name, text in TEXTS.items() if text == query), "other"))
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(strawberry.Schema, "execute", counted)
    return ran


Scenario = Callable[[Run], None]


@pytest.fixture
def compare(
    settings: Settings, make_token: Callable[..., str], executions: list[str]
) -> Callable[..., tuple[list[dict[str, Any]], list[str]]]:
    """Run `requests` with the trusted executor and without it; assert both answered the same.
    Returns the answers and the operations Strawberry ran on the trusted side."""

    def run(
        requests: list[Request], *, settings_of: Settings | None = None, around: Any = None
    ) -> tuple[list[dict[str, Any]], list[str]]:
        used = settings_of or settings
        storage.configure(used)
        results = []
        strawberry_ran: list[str] = []
        for trusted in (True, False):
            clock = Clock(datetime(2026, 3, 10, 18, 30, tzinfo=UTC))
            services = Services.build(used, clock=clock)
            app = create_app(services=services)
            if not trusted:
                endpoint_of(app).trusted = None
            user = f"user-{ULID()}"
            executions.clear()
            with TestClient(app) as client:
                run = Run(client, user, make_token(user))
                for index, request in enumerate(requests):
                    with around(index) if around is not None else nullcontext():
                        run.send(request)
            if trusted:
                strawberry_ran = list(executions)
            results.append(run.normalized())
        storage.configure(settings)
        assert results[0] == results[1]
        return results[0], strawberry_ran

    return run


def post(query: str, variables: Any, **extra: Any) -> Request:
    return Request(body={"query": query, "variables": variables, **extra})


def test_the_sync_loop_is_answered_the_same_way_by_both_paths(compare: Any) -> None:
    answers, strawberry_ran = compare(
        [
            post(PULL, pull()),
            post(PUSH, SAVES),
            post(PUSH, SAVES),  # a retry: each mutation applied once
            Request(body={"query": PULL, "variables": pull()}, cursor_from=0),
            post(PULL, pull(), operationName="SyncPull"),
            post(PUSH, push(mutation(6, {"savePiece": {"id": PIECE_B, "title": "Oli 2"}}))),
            Request(body={"query": PULL, "variables": pull()}, cursor_from=3),
            Request(params={"query": PULL, "variables": json.dumps(pull())}),  # a pull over GET
            Request(body={"query": PULL, "variables": pull()}, accept="application/json"),
            Request(body={"query": PULL, "variables": pull()}, accept="*/*"),
            Request(body=[{"query": PULL, "variables": pull()}, {"query": PUSH, "variables": SAVES}]),
        ]
    )
    pushed = json.loads(answers[1]["body"])["data"]["syncPush"]
    assert [r["status"] for r in pushed["results"]][:3] == ["APPLIED", "APPLIED", "APPLIED"]
    pulled = json.loads(answers[3]["body"])["data"]["syncPull"]
    assert {PIECE_A, PIECE_B} <= {piece["id"] for piece in pulled["pieces"]}
    assert pulled["preferences"][0]["dailyGoalMinutes"] == 15
    assert strawberry_ran == []  # every one of them answered by the trusted executor


def test_bad_inputs_and_refusals_are_answered_the_same_way(compare: Any) -> None:
    no_offset = "2026-03-10T09:00:00"
    answers, strawberry_ran = compare(
        [
            post(PULL, {"input": {"clientId": "phone", "limit": "ten"}}),  # the plan refuses: fallback
            post(PULL, {}),
            post(PULL, pull(), operationName="Other"),  # an unknown operation name
            post(PULL, pull(limit=0)),  # the engine's limit
            post(PULL, pull(limit=100_000)),
            post(PULL, pull(cursor="not-a-cursor")),
            post(PULL, pull(clientId="")),
            post(PUSH, push(mutation(1, {"savePiece": {"id": PIECE_A, "title": "x"}}, no_offset))),
            post(PUSH, push(mutation(1, {"savePiece": {"id": "not a ulid", "title": "x"}}))),
            post(PUSH, push(mutation(1, {"savePiece": {"id": PIECE_A, "title": "x" * 100_000}}))),
            post(PUSH, push(mutation(0, {"savePiece": {"id": PIECE_A, "title": "x"}}))),
            post(PUSH, push(*(mutation(n + 1, {"deletePiece": {"id": str(ULID())}}) for n in range(101)))),
            Request(params={"query": PUSH, "variables": json.dumps(SAVES)}),  # a mutation over GET: 405
            Request(body={"query": PULL, "variables": pull()}, signed_in=False),  # UNAUTHENTICATED
            Request(body={"query": PUSH, "variables": SAVES}, signed_in=False),
            Request(body={"query": PULL, "variables": pull()}, signed_in=False, accept="application/json"),
        ]
    )
    errors = [json.loads(answer["body"]).get("errors") for answer in answers]
    assert all(errors), "each of these is refused"
    assert answers[13]["status"] == 401
    assert errors[13][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert errors[7][0]["extensions"]["field"] == "mutations[0].changedAt"
    assert answers[12]["status"] == 405
    # Only what the executor leaves alone went to Strawberry: bad variables, the wrong name, GET push.
    assert strawberry_ran == ["SyncPull", "SyncPull", "SyncPull", "SyncPush"]


def test_rate_limits_are_answered_the_same_way(compare: Any, settings: Settings) -> None:
    limited = replace(settings, rate_limits="sync=2")
    answers, strawberry_ran = compare(
        [post(PULL, pull()), post(PUSH, SAVES), post(PULL, pull()), post(PUSH, SAVES)],
        settings_of=limited,
    )
    assert [answer["status"] for answer in answers] == [200, 200, 429, 429]
    assert answers[2]["headers"]["retry-after"]
    assert json.loads(answers[2]["body"])["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert strawberry_ran == []


def test_dynamodb_faults_are_answered_the_same_way(compare: Any, settings: Settings) -> None:
    quick = replace(settings, dynamodb_max_attempts=2)
    faults = {
        0: lambda: fail("BatchGetItem", lambda: error_response("ValidationException"), times=1),
        1: lambda: fail("BatchGetItem", throttling, times=5),
        2: lambda: fail("TransactWriteItems", throttling, times=5),
        3: lambda: fail("TransactWriteItems", lambda: error_response("ValidationException"), times=1),
    }

    def around(index: int) -> Any:
        return faults[index]() if index in faults else nullcontext()

    answers, _ = compare(
        [post(PULL, pull()), post(PULL, pull()), post(PUSH, SAVES), post(PUSH, SAVES), post(PUSH, SAVES)],
        settings_of=quick,
        around=around,
    )
    codes = [json.loads(a["body"]).get("errors", [{}])[0].get("extensions", {}).get("code") for a in answers]
    assert codes[0] == "INTERNAL"
    assert codes[3] == "INTERNAL"
    assert json.loads(answers[0]["body"])["errors"][0]["message"] == "Internal error"
    assert codes[1] is not None
    assert codes[2] is not None
    assert codes[4] is None  # and the push still applies once the faults are gone
    unhandled = [log for log in answers[0]["logs"] if log["message"] == "unhandled error"]
    assert len(unhandled) == 1  # logged once, with the request id, on both paths
    assert unhandled[0]["names_the_request"]
    assert unhandled[0]["level"] == "ERROR"


def test_a_document_the_schema_refuses_is_not_taken(settings: Settings) -> None:
    """A limit lower than the trusted documents need (tokens, depth, aliases) refuses them on both
    paths: the executor leaves them to Strawberry, which answers the error."""
    schema = build_schema(settings)
    assert prepare(schema._schema, PULL, settings.max_tokens, ()) is not None
    assert prepare(schema._schema, PULL, 50, ()) is None  # over the token limit
    assert prepare(schema._schema, PULL + " query Other { __typename }", 2000, ()) is None
    assert prepare(schema._schema, PULL.replace("syncPull(", "syncPull @skip(if: false) ("), 2000, ()) is None
    low = TrustedOperations(schema._schema, [PULL], max_tokens=50, rules=(), suggestions=False)
    assert low.get(PULL) is None
    assert low.get(PUSH) is None  # not one of its texts


def test_the_executor_knows_every_extension_of_the_schema(settings: Settings) -> None:
    """The trusted executor stands in for these four extensions (token limit, validation rules, the
    document cache, admission) and for TetherSchema.process_errors: a new one must be added there."""
    schema = build_schema(settings)
    names = sorted(type(factory()).__name__ for factory in schema.extensions)
    assert names == ["AddValidationRules", "AdmissionExtension", "MaxTokensLimiter", "TrustedDocumentCache"]
    assert not schema.directives
    assert not schema.config.disable_field_suggestions


def test_depth_and_token_limits_below_the_documents_refuse_them_on_both_paths(
    compare: Any, settings: Settings
) -> None:
    for limited in (replace(settings, max_tokens=100), replace(settings, max_query_depth=2)):
        answers, strawberry_ran = compare([post(PULL, pull()), post(PUSH, SAVES)], settings_of=limited)
        assert all(json.loads(answer["body"])["errors"] for answer in answers)
        assert strawberry_ran == ["SyncPull", "SyncPush"]


@pytest.fixture(autouse=True)
def _configured(settings: Settings) -> Iterator[None]:
    yield
    storage.configure(settings)


def test_the_sync_fields_run_as_plain_data_on_the_sdl_schema(
    settings: Settings, make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The executor runs on graphql-core's schema of the SDL (resolvers/lazy_schema.py), and syncPull
    and syncPush take the coerced variables as they are: no Strawberry resolver wrapper converts
    their arguments into input objects (resolvers/sync/plain.py)."""
    converted: list[str] = []
    get_arguments = schema_converter.get_arguments

    def recorded(*, field: Any, **kwargs: Any) -> Any:
        converted.append(field.python_name)
        return get_arguments(field=field, **kwargs)

    monkeypatch.setattr(schema_converter, "get_arguments", recorded)
    app = create_app(services=Services.build(settings))
    endpoint = endpoint_of(app)
    assert endpoint.trusted is not None
    assert endpoint.trusted.schema is sdl_schema()
    user = f"user-{ULID()}"
    with TestClient(app) as client:
        run = Run(client, user, make_token(user))
        pulled = run.send(post(PULL, pull()))
        pushed = run.send(post(PUSH, SAVES))
    assert json.loads(pulled["body"])["data"]["syncPull"]["cursor"]
    results = json.loads(pushed["body"])["data"]["syncPush"]["results"]
    assert [r["status"] for r in results][:3] == ["APPLIED"] * 3
    assert "sync_pull" not in converted
    assert "sync_push" not in converted


def test_syncs_need_no_strawberry_schema_and_another_operation_builds_it_once(
    settings: Settings, make_token: Callable[..., str]
) -> None:
    """The endpoint holds the lazy schema: a Lambda answering pulls and pushes never builds
    Strawberry's schema; the first other operation builds it (then it is kept)."""
    app = create_app(services=Services.build(settings))
    schema = endpoint_of(app).schema
    assert isinstance(schema, LazySchema)
    user = f"user-{ULID()}"
    with TestClient(app) as client:
        run = Run(client, user, make_token(user))
        run.send(post(PULL, pull()))
        run.send(post(PUSH, SAVES))
        run.send(Request(params={"query": PULL, "variables": json.dumps(pull())}))
        assert not schema.built
        other = json.loads(run.send(post("query Me { me { id } }", None))["body"])
        assert schema.built
        built = schema.strawberry
        again = json.loads(run.send(post("query Me { me { id } }", None))["body"])
    assert other == again
    assert other["data"]["me"]["id"] == user
    assert schema.strawberry is built


def test_admission_reads_a_trusted_documents_root_fields_once(
    settings: Settings, make_token: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rate limits charge a trusted operation's root fields, found when it is prepared: a
    request walks none of the document's fragments (a dict of them was built on every pull)."""
    walked: list[str] = []
    fields = limits._fields

    def counted(selection_set: Any, fragments: Any) -> Any:
        walked.append(type(selection_set).__name__)
        return fields(selection_set, fragments)

    monkeypatch.setattr(limits, "_fields", counted)
    app = create_app(services=Services.build(replace(settings, rate_limits="sync=4")))
    user = f"user-{ULID()}"
    with TestClient(app) as client:
        run = Run(client, user, make_token(user))
        run.send(post(PULL, pull()))  # prepares SyncPull
        walked.clear()
        statuses = [run.send(post(PULL, pull()))["status"] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # still charged once a request, to the sync class
    assert walked == []


def test_a_trusted_pull_leaves_nothing_to_the_cyclic_collector(
    settings: Settings, make_token: Callable[..., str]
) -> None:
    """The executor, its helpers and the request's Context are freed by their last reference when
    the answer is built: a cycle through them left ~35 objects a pull to gen-0 collections."""
    app = create_app(services=Services.build(settings))
    user = f"user-{ULID()}"
    with TestClient(app) as client:
        run = Run(client, user, make_token(user))
        run.send(post(PULL, pull()))  # prepared, the writers built
        gc.collect()
        gc.disable()
        try:
            before = [o for o in gc.get_objects() if isinstance(o, PlainFieldsExecutionContext | Context)]
            for _ in range(3):
                assert run.send(post(PULL, pull()))["status"] == 200
            alive = [
                o
                for o in gc.get_objects()
                if isinstance(o, PlainFieldsExecutionContext | Context) and all(o is not b for b in before)
            ]
        finally:
            gc.enable()
    assert alive == []
