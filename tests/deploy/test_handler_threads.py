"""The Lambda handler's per-request path: an invocation is its event loop's only task, so its blocking
DynamoDB calls run right there (no hand-off to a worker thread and back), never while another task
could have run (resolvers/offload.py; with other tasks they go to a worker: tests/http/test_offload.py),
and no thread is started per request."""

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


def _others_on_the_loop() -> int | None:
    """How many other tasks the running loop of this thread has (None: not on a loop's thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return None
    return len(asyncio.all_tasks()) - 1


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, int | None]]]:
    """(operation, how many other tasks the loop had while it was sent from the loop's thread, or
    None when sent from a worker thread) of each DynamoDB request."""
    calls: list[tuple[str, int | None]] = []

    def before_send(request: Any, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        name = target.decode() if isinstance(target, bytes) else str(target)
        calls.append((name.rpartition(".")[2], _others_on_the_loop()))

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


def test_the_account_gate_reads_inline_only_while_nothing_else_could_run(
    lambda_handler: LambdaHandler,
) -> None:
    user = f"user-{ULID()}"  # never seen by this container: the gate's cache misses
    with dynamodb_calls() as calls:
        answer(lambda_handler, graphql_event(user, "query { me { id } }"))

    assert calls, "the gate read the account's sign-ins"
    # The invocation's task alone on its loop: its reads run right there, blocking no other task.
    assert [others for _, others in calls] == [0] * len(calls), calls


@pytest.mark.parametrize("document", ["SyncPull"])
def test_idle_pulls_start_no_thread_and_hand_nothing_off(
    lambda_handler: LambdaHandler, document: str
) -> None:
    user = f"user-{ULID()}"
    pull = operation(document)
    variables = {"input": {"clientId": "phone", "cursor": None, "limit": 100}}
    first = answer(lambda_handler, graphql_event(user, pull, variables))
    variables["input"]["cursor"] = first["data"]["syncPull"]["cursor"]
    answer(lambda_handler, graphql_event(user, pull, variables))

    with threads_started() as started, dynamodb_calls() as calls:
        for _ in range(10):
            answer(lambda_handler, graphql_event(user, pull, variables))

    assert len(calls) == 10  # one round trip per idle pull, as ever
    assert [others for _, others in calls] == [0] * 10  # inline, with no other task to block
    # No thread per invocation (anyio's workers stopped with each invocation's root task: 10 of them).
    assert started == []
