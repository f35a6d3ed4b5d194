"""What an invocation writes to stdout (what CloudWatch Logs ingests and bills by the byte): one JSON
object per API request, its log line with the EMF metrics at its root, which CloudWatch still
extracts (AWS's embedded metric format specification; docs/cost.md "One JSON object per request")."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from app import LambdaHandler, create_app
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tether.settings import Settings
from tether.telemetry import logger


class Stdout(io.TextIOBase):
    """Whatever `sys.stdout` is when written to (pytest swaps it between a test's phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)


@pytest.fixture
def stdout(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Lambda's stdout as one stream: the Powertools logger's lines and the EMF blobs it prints."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.stream
    handler.setStream(Stdout())
    try:
        yield lambda: capsys.readouterr().out
    finally:
        handler.setStream(previous)


def objects(text: str) -> list[dict[str, Any]]:
    """Each line a JSON object (a CloudWatch log event), nothing else."""
    return [json.loads(line) for line in text.splitlines()]


def assert_emf(document: dict[str, Any]) -> None:
    """The embedded metric format's rules for a document CloudWatch extracts metrics from: `_aws`
    with a millisecond `Timestamp` and `CloudWatchMetrics` directives (namespace, dimension sets,
    metric definitions); every dimension a string member of the root, every metric a number or an
    array of numbers at the root (not nested)."""
    meta = document["_aws"]
    assert isinstance(meta["Timestamp"], int)
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str)
        assert directive["Namespace"]
        for dimension_set in directive["Dimensions"]:
            assert len(dimension_set) <= 9
            for name in dimension_set:
                assert isinstance(document[name], str), name
        assert 0 < len(directive["Metrics"]) <= 100
        for definition in directive["Metrics"]:
            value = document[definition["Name"]]
            values = value if isinstance(value, list) else [value]
            assert values, definition
            assert all(isinstance(v, int | float) for v in values), definition


def api_event(client_name: str | None = None) -> dict[str, Any]:
    event = load_event("http_api_post_graphql.json")
    if client_name is not None:
        event["headers"] |= {"apollographql-client-name": client_name, "apollographql-client-version": "4.2"}
    return event


def test_an_api_request_writes_one_json_object_with_its_metrics(
    lambda_handler: LambdaHandler, stdout: Callable[[], str]
) -> None:
    context = FakeLambdaContext(aws_request_id="req-one-line")
    response = lambda_handler(api_event("hula-ios"), context)
    assert response["statusCode"] == 200

    [line] = objects(stdout())  # one CloudWatch log event, not a log line and a blob
    assert line["message"] == "graphql request"
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-one-line"
    assert line["status"] == 200
    assert_emf(line)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Tether"
    assert directive["Dimensions"] == [["ClientName", "ClientVersion", "service"]]
    # One metric: the requests are counted by Latency's SampleCount (one sample a request).
    assert directive["Metrics"] == [{"Name": "Latency", "Unit": "Milliseconds"}]
    assert len(line["Latency"]) == 1
    assert line["service"] == "tether"
    # The client is named once, by the metrics' dimensions (the log field said the same).
    assert (line["ClientName"], line["ClientVersion"]) == ("hula-ios", "4.2")
    assert "client_name" not in line
    assert "client_version" not in line
    # Each fact once: the request id (Powertools' `function_request_id` is the same), the time (the
    # metrics' `Timestamp`; CloudWatch stamps each event too), no constant source location.
    assert not {"function_request_id", "timestamp", "location"} & set(line)
    assert line["cold_start"] in (True, False)


def test_the_next_invocation_starts_afresh(lambda_handler: LambdaHandler, stdout: Callable[[], str]) -> None:
    """A warm Lambda: each invocation's object has its own request and only its own metrics."""
    for n in range(3):
        lambda_handler(api_event(), FakeLambdaContext(aws_request_id=f"req-{n}"))
    lines = objects(stdout())
    assert [line["request_id"] for line in lines] == ["req-0", "req-1", "req-2"]
    for line in lines:
        assert_emf(line)
        assert len(line["Latency"]) == 1
        assert (line["ClientName"], line["ClientVersion"]) == ("unknown", "unknown")


def test_an_event_without_a_request_line_still_publishes_its_metrics(
    lambda_handler: LambdaHandler, stdout: Callable[[], str]
) -> None:
    """A `$disconnect` of an unknown connection: no request line, the metrics blob alone."""
    event = load_event("websocket_disconnect.json")
    lambda_handler(event, FakeLambdaContext())
    [blob] = [line for line in objects(stdout()) if "_aws" in line]
    assert_emf(blob)
    assert blob["WebSocketEvents"] == [1.0]
    assert "message" not in blob


def test_outside_lambda_the_request_line_is_logged_as_it_is(
    settings: Settings, stdout: Callable[[], str]
) -> None:
    """The dev server (no invocation, no metrics): the line at once, with the client's fields."""
    with TestClient(create_app(settings)) as client:
        client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"apollographql-client-name": "hula-web", "apollographql-client-version": "1.0"},
        )
    [line] = [line for line in objects(stdout()) if line.get("message") == "graphql request"]
    assert (line["client_name"], line["client_version"]) == ("hula-web", "1.0")
    assert "_aws" not in line
    assert {"timestamp", "location"} <= set(line)


def test_other_lines_of_an_invocation_keep_every_field(
    lambda_handler: LambdaHandler, stdout: Callable[[], str]
) -> None:
    """Only the line with the metrics drops what they say: a job's lines keep the time, the place
    and the Lambda request id (their only request id)."""
    lambda_handler({"tetherJob": "move-deletion-locks"}, FakeLambdaContext(aws_request_id="req-job"))
    [line] = [line for line in objects(stdout()) if line.get("message") == "one-off job"]
    assert line["function_request_id"] == "req-job"
    assert {"timestamp", "location"} <= set(line)


def test_a_reply_job_writes_its_summary_line_with_its_metrics(
    lambda_handler: LambdaHandler, stdout: Callable[[], str]
) -> None:
    """The reply worker's invocation (an SQS batch): its `chat reply jobs` line carries the EMF
    metrics at its root, as an API request's line does; no metrics blob of its own (~190 bytes a
    job: docs/cost.md)."""
    event = load_event("sqs_chat_reply_job.json")  # a job of a message that is not there: done at once
    context = FakeLambdaContext(aws_request_id="req-job", function_name="tether-dev-chat-worker")
    assert lambda_handler(event, context) == {"batchItemFailures": []}
    written = objects(stdout())
    [line] = [line for line in written if "_aws" in line]  # one object with the metrics, no blob
    assert line["message"] == "chat reply jobs"
    assert_emf(line)
    [directive] = line["_aws"]["CloudWatchMetrics"]
    assert directive["Metrics"] == [{"Name": "ReplyJobs", "Unit": "Count"}]
    assert line["ReplyJobs"] == [1.0]
    assert (line["jobs"], line["returned_to_queue"]) == (1, 0)
    assert line["function_request_id"] == "req-job"  # its only request id stays
    assert not {"timestamp", "location"} & set(line)
    assert [line for line in written if "message" not in line] == []
