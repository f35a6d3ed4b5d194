"""Structured JSON logs and EMF metrics (Powertools for AWS Lambda), shared by the whole app.

In Lambda each API request writes one JSON object to stdout: its `graphql request` log line with the
invocation's EMF metrics merged into it (a reply worker's invocation likewise: its `chat reply jobs`
line) (`_aws` and the metric and dimension members at its root, as
the embedded metric format allows: docs/cost.md "One JSON object per request"), not a log line and
a metrics blob apart. CloudWatch Logs bills the bytes ingested; the two objects repeated the
service, the client's name and version and the JSON framing.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

SERVICE = "tether"
REQUEST_LINE = "graphql request"  # the message of the line every API request logs (resolvers/http.py)
# ... and the line every reply worker's invocation ends with (tether/chat/worker.py)
REPLY_JOBS_LINE = "chat reply jobs"
# The lines an invocation's metrics are flushed into (the first of them it logs).
INVOCATION_LINES = frozenset({REQUEST_LINE, REPLY_JOBS_LINE})

# What a JSON text can begin with (json.loads skips leading whitespace; NaN and Infinity are its
# extensions).
_JSON_STARTS = frozenset('{["-0123456789tfnNI \t\n\r')


def decode_message(message: dict[Any, Any] | str | bool | int | float) -> Any:
    """Powertools' decoding of a log message that is itself JSON (logged as structure), minus the
    decoder's raised-and-caught error for every message that cannot be JSON: ours are sentences."""
    if not isinstance(message, str):
        raise TypeError("not a string")  # as json.loads would (Powertools passes only strings)
    if not message or message[0] not in _JSON_STARTS:
        raise ValueError("not JSON")
    return json.loads(message)


class _Invocation:
    """One Lambda invocation's request line, held until its metrics are flushed."""

    __slots__ = ("open", "record")

    def __init__(self) -> None:
        self.record: logging.LogRecord | None = None
        self.open = True


_invocation: ContextVar[_Invocation | None] = ContextVar("tether_invocation", default=None)


class HoldRequestLine(logging.Filter):
    """Inside `invocation`, the first request line (or reply worker's summary line: INVOCATION_LINES)
    waits for the metrics (any other line passes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = _invocation.get()
        if (
            current is None
            or not current.open
            or current.record is not None
            or record.msg not in INVOCATION_LINES
        ):
            return True
        current.record = record
        return False


class OneObjectEMFProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider, flushing an invocation's metrics into its held request line (one
    JSON object); without one (WebSocket, catalog publish and S3 events, jobs) the metrics blob is
    printed alone."""

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        current = _invocation.get()
        record = current.record if current is not None else None
        if current is not None:
            current.open, current.record = False, None
        if record is None:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)
        else:
            if self.metric_set and not is_metrics_disabled():
                merge_metrics(record, dict(self.serialize_metric_set()))
            logger.registered_handler.handle(record)
        # Dropped when disabled too: Powertools keeps a disabled set for ever (printing it whenever a
        # metric reaches 100 values, formatting the growing list into a debug message on every
        # add_metric); an invocation's metrics are its own (tests/telemetry/test_metrics_disabled.py).
        self.clear_metrics()


def merge_metrics(record: logging.LogRecord, emf: dict[str, Any]) -> None:
    """The EMF members onto the log record (its root). A member that would clash with one of the
    record's own attributes (none of ours do) leaves the blob to be printed on its own."""
    fields = record.__dict__
    if any(name in fields and fields[name] != value for name, value in emf.items()):
        print(json.dumps(emf, separators=(",", ":")))
        return
    fields.update(emf)


class OneObjectFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter; a line carrying the metrics (`_aws`) says each fact once: the
    time by `_aws.Timestamp` (CloudWatch stamps every log event too), the client by the
    `ClientName`/`ClientVersion` dimensions, the request id by `request_id` (equal to the Lambda
    request id, `function_request_id`), and not the formatter's constant source location."""

    def serialize(self, log: dict[str, Any]) -> str:  # type: ignore[override]
        if "_aws" in log:
            for field, carried_by in REPEATED_IN_ONE_OBJECT.items():
                if field in log and (carried_by is None or log.get(carried_by) == log[field]):
                    del log[field]
        return super().serialize(log)


# A field of the request line -> the member that carries the same value in the one object (None:
# nothing needs it there).
REPEATED_IN_ONE_OBJECT: dict[str, str | None] = {
    "client_name": "ClientName",
    "client_version": "ClientVersion",
    "function_request_id": "request_id",
    "timestamp": None,
    "location": None,
}


Handler = TypeVar("Handler", bound=Callable[..., Any])


def invocation(handler: Handler) -> Handler:
    """The Lambda handler with Powertools' metrics (`log_metrics`), its request line and metrics
    written as one JSON object at the end of the invocation."""
    with_metrics = metrics.log_metrics(handler)

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        token = _invocation.set(_Invocation())
        try:
            return with_metrics(event, context)
        finally:
            _invocation.reset(token)

    return invoke  # type: ignore[return-value]


logger = Logger(service=SERVICE, logger_formatter=OneObjectFormatter(json_deserializer=decode_message))
logger.registered_handler.addFilter(HoldRequestLine())
metrics = Metrics(provider=OneObjectEMFProvider(namespace="Tether", service=SERVICE))

# Libraries that log request bodies at DEBUG (DynamoDB items, provider prompts) stay at WARNING even
# when the root logger is at DEBUG: chat text and other user content never reach the logs.
QUIET_LIBRARIES = ("botocore", "boto3", "pynamodb", "urllib3", "openai", "anthropic", "httpx2", "httpcore2")
for _name in QUIET_LIBRARIES:
    logging.getLogger(_name).setLevel(logging.WARNING)
