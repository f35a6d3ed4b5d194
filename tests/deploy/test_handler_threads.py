"""The Lambda handler's per-request path: blocking DynamoDB calls never run on the event loop, and
the worker threads that run them are kept between invocations (not one new thread per request)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from ulid import ULID

from app import LambdaHandler
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tether.storage.base import client
from tether.storage.instrumentation import hooked


def graphql_event(user: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    event = load_event("http_api_post_graphql.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    event["headers"].pop("authorization", None)
    event["headers"].pop("content-length", None)
    event["body"] = json.dumps({"query": query, "variables": variables or {}})
    return event


def answer(handler: LambdaHandler, event: dict[str, Any]) -> dict[str, Any]:
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200, response
    body: dict[str, Any] = json.loads(response["body"])
    assert "errors" not in body, body["errors"]
    return body


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, bool]]]:
    """(operation, whether it was sent from the event loop's thread) of each DynamoDB request."""
    calls: list[tuple[str, bool]] = []

    def before_send(request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        name = target.decode() if isinstance(target, bytes) else str(target)
        calls.append((name.rpartition(".")[2], _on_event_loop()))

    with hooked(client().meta.events, [("before-send.dynamodb", before_send)]):
        yield calls


@contextmanager
def threads_started() -> Iterator[list[str]]:
    names: list[str] = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        names.append(thread.name)
        original(thread)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(threading.Thread, "start", start)
        yield names


def test_the_account_gate_reads_off_the_event_loop_on_a_cache_miss(lambda_handler: LambdaHandler) -> None:
    user = f"user-{ULID()}"  # never seen by this container: the gate's cache misses
    with dynamodb_calls() as calls:
        answer(lambda_handler, graphql_event(user, "query { me { id } }"))

    assert calls, "the gate read the account's sign-ins"
    assert [name for name, on_loop in calls if on_loop] == [], calls


@pytest.mark.parametrize("document", ["SyncPull"])
def test_idle_pulls_reuse_the_worker_threads(lambda_handler: LambdaHandler, document: str) -> None:
    user = f"user-{ULID()}"
    pull = operation(document)
    variables = {"input": {"clientId": "phone", "cursor": None, "limit": 100}}
    first = answer(lambda_handler, graphql_event(user, pull, variables))
    variables["input"]["cursor"] = first["data"]["syncPull"]["cursor"]
    answer(lambda_handler, graphql_event(user, pull, variables))  # the workers exist now

    with threads_started() as started, dynamodb_calls() as calls:
        for _ in range(10):
            answer(lambda_handler, graphql_event(user, pull, variables))

    assert len(calls) == 10  # one round trip per idle pull, as ever
    assert not any(on_loop for _, on_loop in calls)
    # A pool keeps its threads: at most a few more start while one is still handing back its
    # result (anyio's workers stopped with each invocation's root task: 10 of them).
    assert len(started) <= 3, started
