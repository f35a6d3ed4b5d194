"""Faults DynamoDB Local cannot produce, injected at the botocore layer with event hooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.endpoint
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ReadTimeoutError

from tether.storage.base import client


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def error_response(code: str, message: str = "injected", status: int = 400, **extra: Any) -> AWSResponse:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}
    headers = HTTPHeaders()
    headers["x-amzn-RequestId"] = "injected"
    headers["Content-Type"] = "application/x-amz-json-1.0"
    return AWSResponse("https://dynamodb.injected", status, headers, _Raw(json.dumps(body).encode()))


def throttling() -> AWSResponse:
    return error_response("ThrottlingException", "Rate of requests exceeds the allowed throughput.")


def transaction_cancelled(*reasons: str) -> AWSResponse:
    return error_response(
        "TransactionCanceledException",
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{', '.join(reasons)}]",
        CancellationReasons=[{"Code": reason, "Message": reason} for reason in reasons],
    )


class _BackoffSleeps:
    """botocore.endpoint's `time` while a fault is injected: the retry backoff botocore computes is
    recorded, not slept (the retries themselves still happen, counted by the round-trip tests)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextmanager
def _no_real_backoff() -> Iterator[_BackoffSleeps]:
    namespace = vars(botocore.endpoint)  # the module's globals: `time.sleep(delay)` before a retry
    previous = namespace["time"]
    namespace["time"] = sleeps = _BackoffSleeps()
    try:
        yield sleeps
    finally:
        namespace["time"] = previous


@dataclass
class Injection:
    """How many times the fault fired, and how many requests of that operation were attempted."""

    fired: int = 0
    attempts: int = 0


@contextmanager
def fail(
    operation: str, response: Callable[[], AWSResponse], *, times: int = 1, skip: int = 0
) -> Iterator[Injection]:
    """Answer the next `times` attempts of `operation` (after `skip` real ones) with `response()`.

    The fake answer replaces the HTTP exchange, so botocore parses it and applies its own retries.
    """
    injection = Injection()

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not target.endswith(f".{operation}"):
            return None
        injection.attempts += 1
        if injection.attempts <= skip or injection.fired >= times:
            return None
        injection.fired += 1
        return response()

    events = client().meta.events
    events.register_first("before-send.dynamodb", before_send)
    try:
        with _no_real_backoff():
            yield injection
    finally:
        events.unregister("before-send.dynamodb", before_send)


@contextmanager
def lose_response(operation: str, *, times: int = 1, skip: int = 0) -> Iterator[Injection]:
    """Let `operation` reach DynamoDB and succeed, then lose the answer (a read timeout), for the
    `times` calls after the first `skip` ones."""
    injection = Injection()
    lock = threading.Lock()

    def after_call(model: Any, **_: Any) -> None:
        if model.name != operation:
            return
        with lock:  # calls may come from several threads
            injection.attempts += 1
            if injection.attempts <= skip or injection.fired >= times:
                return
            injection.fired += 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb.injected")

    events = client().meta.events
    events.register("after-call.dynamodb", after_call)
    try:
        with _no_real_backoff():
            yield injection
    finally:
        events.unregister("after-call.dynamodb", after_call)


@contextmanager
def before_write(operation: str, action: Callable[[], None]) -> Iterator[Injection]:
    """Run `action` (e.g. another device's push) just before the first `operation` is sent."""
    injection = Injection()

    def before_call(model: Any, **_: Any) -> None:
        if model.name == operation and injection.fired == 0:
            injection.fired += 1
            action()

    events = client().meta.events
    events.register("before-call.dynamodb", before_call)
    try:
        yield injection
    finally:
        events.unregister("before-call.dynamodb", before_call)
