"""Through the Lambda handler (Mangum, API Gateway events): APQ, compressed bodies, batches, CORS, client metrics."""

from __future__ import annotations

import base64
import copy
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from ulid import ULID

from app import LambdaHandler
from tests.conftest import PAGE_SIZE
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.deploy.test_lambda import headers
from tests.http.test_clients import decode, pull_body, without_cursor
from tether.persisted import sha256_hex


def event_for(user: str, *, body: Any = None, query_string: str = "", **extra_headers: str) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event of `user`, signed in by the authorizer: POST `body` or GET."""
    event = copy.deepcopy(load_event("http_api_post_graphql.json"))
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    del event["headers"]["authorization"], event["headers"]["content-length"]
    event["headers"].update(extra_headers)
    if body is None:
        event["requestContext"]["http"]["method"] = "GET"
        event["routeKey"] = "GET /graphql"
        event["rawQueryString"] = query_string
        event["body"] = None
        del event["headers"]["content-type"]
    else:
        event["body"] = json.dumps(body)
    return event


def raw_body(response: dict[str, Any]) -> bytes:
    if response["isBase64Encoded"]:
        return base64.b64decode(response["body"])
    return str(response["body"]).encode("utf-8")


def test_apollo_apq_flow_through_the_lambda_handler(lambda_handler: LambdaHandler) -> None:
    user = f"user-{ULID()}"
    query = f"query Me{ULID()} {{ me {{ id }} }}"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}

    missing = lambda_handler(event_for(user, body={"extensions": extensions}), FakeLambdaContext())
    assert missing["statusCode"] == 200
    assert json.loads(missing["body"])["errors"][0] == {
        "message": "PersistedQueryNotFound",
        "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
    }
    registered = lambda_handler(
        event_for(user, body={"query": query, "extensions": extensions}), FakeLambdaContext()
    )
    assert json.loads(registered["body"]) == {"data": {"me": {"id": user}}}
    by_get = lambda_handler(
        event_for(user, query_string=urlencode({"extensions": json.dumps(extensions)})), FakeLambdaContext()
    )
    assert by_get["statusCode"] == 200
    assert json.loads(by_get["body"]) == {"data": {"me": {"id": user}}}

    mismatch = lambda_handler(
        event_for(user, body={"query": "{ __typename }", "extensions": extensions}), FakeLambdaContext()
    )
    assert mismatch["statusCode"] == 400
    assert (
        json.loads(mismatch["body"])["errors"][0]["extensions"]["reason"] == "PERSISTED_QUERY_HASH_MISMATCH"
    )


@pytest.mark.xdist_group("page-of-1000")
def test_a_compressed_1000_record_pull_reaches_api_gateway_base64_encoded(
    lambda_handler: LambdaHandler, page_user: str
) -> None:
    pages: dict[str, Any] = {}
    for encoding in ("gzip", "br", "zstd"):
        response = lambda_handler(
            event_for(page_user, body=pull_body(), **{"accept-encoding": f"{encoding}, identity;q=0.5"}),
            FakeLambdaContext(),
        )
        assert response["statusCode"] == 200
        assert headers(response)["content-encoding"] == encoding
        assert response["isBase64Encoded"] is True, "compressed bytes must not pass as text"
        compressed = raw_body(response)
        plain = decode(encoding, compressed)
        assert len(compressed) < len(plain) / 3
        pages[encoding] = without_cursor(json.loads(plain))
    assert len(pages["gzip"]["pieces"]) == PAGE_SIZE
    assert pages["br"] == pages["gzip"] == pages["zstd"]


def test_a_batch_through_the_lambda_handler_answers_in_order(lambda_handler: LambdaHandler) -> None:
    user = f"user-{ULID()}"
    batch = [{"query": "{ me { id } }"}, {"query": "{ __typename }"}]
    response = lambda_handler(event_for(user, body=batch), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == [{"data": {"me": {"id": user}}}, {"data": {"__typename": "Query"}}]


def test_the_client_name_and_version_are_a_metrics_dimension(
    lambda_handler: LambdaHandler, lambda_logs: io.StringIO
) -> None:
    event = event_for(
        f"user-{ULID()}",
        body={"query": "{ __typename }"},
        **{"apollographql-client-name": "retreat-android", "apollographql-client-version": "5.0.2"},
    )
    lambda_handler(event, FakeLambdaContext())
    # The request's log line carries its metrics (one JSON object: tests/telemetry).
    access = next(
        json.loads(line) for line in lambda_logs.getvalue().splitlines() if "graphql request" in line
    )
    assert access["ClientName"] == "retreat-android"
    assert access["ClientVersion"] == "5.0.2"
    dimensions = access["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
    assert {"ClientName", "ClientVersion"} <= set(dimensions)


def test_later_invocations_do_not_inherit_a_client_dimension(
    lambda_handler: LambdaHandler, lambda_logs: io.StringIO
) -> None:
    named: Callable[..., dict[str, Any]] = lambda **h: event_for(  # noqa: E731
        f"user-{ULID()}", body={"query": "{ __typename }"}, **h
    )
    lambda_handler(named(**{"apollographql-client-name": "web"}), FakeLambdaContext())
    lambda_handler(named(), FakeLambdaContext())
    blobs = [json.loads(line) for line in lambda_logs.getvalue().splitlines() if '"_aws"' in line]
    assert blobs[-1]["ClientName"] == "unknown"
