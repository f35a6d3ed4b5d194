"""The Lambda path without Docker: stored API Gateway events through the real handler (Mangum + Powertools)."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import LambdaHandler
from tests.deploy.lambda_support import FakeLambdaContext, lambda_environment, load_event
from tether.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent
GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"


def headers(response: dict[str, Any]) -> dict[str, str]:
    """Response headers, lower-cased, from either payload format (2.0 `headers`, 1.0 `multiValueHeaders`)."""
    merged = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        merged[name.lower()] = ", ".join(values)
    return merged


def body(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False, "a JSON/HTML body must reach API Gateway as text"
    return json.loads(response["body"])


def claims(event: dict[str, Any]) -> dict[str, Any]:
    authorizer = event["requestContext"]["authorizer"]
    found: dict[str, Any] = authorizer["jwt"]["claims"] if "jwt" in authorizer else authorizer["claims"]
    return found


def token_of(event: dict[str, Any]) -> str:
    """The raw token in the event's Authorization header (whatever its case)."""
    value = next(v for k, v in event["headers"].items() if k.lower() == "authorization")
    token: str = value.partition(" ")[2]
    return token


def log_lines(text: str) -> list[dict[str, Any]]:
    """Powertools' JSON log lines (and EMF metric blobs) among whatever was printed."""
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.mark.parametrize("name", ["http_api_post_graphql.json", "http_api_post_graphql_base64.json"])
def test_http_api_event_answers_me_from_the_authorizer_claims(
    lambda_handler: LambdaHandler, lambda_context: FakeLambdaContext, name: str
) -> None:
    event = load_event(name)
    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert headers(response)["content-type"] == GRAPHQL_RESPONSE
    me = body(response)["data"]["me"]
    expected = claims(event)
    assert me == {
        "id": expected["sub"],
        "email": expected["email"],
        "name": expected["name"],
        "isAdmin": True,
    }


def test_the_base64_event_really_is_base64() -> None:
    plain, encoded = load_event("http_api_post_graphql.json"), load_event("http_api_post_graphql_base64.json")
    assert encoded["isBase64Encoded"] is True
    assert base64.b64decode(encoded["body"]).decode() == plain["body"]


def test_rest_api_event_answers_me_from_the_cognito_authorizer_claims(
    lambda_handler: LambdaHandler, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("rest_api_post_graphql.json")
    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert headers(response)["content-type"] == GRAPHQL_RESPONSE
    me = body(response)["data"]["me"]
    expected = claims(event)
    assert expected["cognito:groups"] == "admin"  # REST APIs send groups comma-separated
    assert me == {
        "id": expected["sub"],
        "email": expected["email"],
        "name": expected["name"],
        "isAdmin": True,
    }


def test_without_claims_or_token_me_is_unauthenticated(
    lambda_handler: LambdaHandler, lambda_context: FakeLambdaContext
) -> None:
    event = load_event("http_api_post_no_claims.json")
    assert "authorizer" not in event["requestContext"]
    assert "authorization" not in event["headers"]

    response = lambda_handler(event, lambda_context)

    # The event asks for application/graphql-response+json: nothing ran without a sign-in, so 401.
    assert response["statusCode"] == 401
    assert headers(response)["www-authenticate"] == "Bearer"
    result = body(response)
    assert result["data"] is None
    assert [error["extensions"]["code"] for error in result["errors"]] == ["UNAUTHENTICATED"]


def test_malformed_body_is_a_400_bad_user_input(
    lambda_handler: LambdaHandler, lambda_context: FakeLambdaContext
) -> None:
    response = lambda_handler(load_event("http_api_post_malformed.json"), lambda_context)

    assert response["statusCode"] == 400
    assert headers(response)["content-type"] == GRAPHQL_RESPONSE
    result = body(response)
    assert "data" not in result
    assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]
    assert "not valid JSON" in result["errors"][0]["message"]


def test_dev_serves_graphiql_and_its_files_as_text(
    lambda_handler: LambdaHandler, lambda_context: FakeLambdaContext
) -> None:
    page = lambda_handler(load_event("http_api_get_graphiql.json"), lambda_context)
    assert page["statusCode"] == 200
    assert headers(page)["content-type"].startswith("text/html")
    assert page["isBase64Encoded"] is False
    assert "<title>Tether · GraphiQL</title>" in page["body"]

    asset = lambda_handler(load_event("http_api_get_graphiql_asset.json"), FakeLambdaContext())
    assert asset["statusCode"] == 200
    assert headers(asset)["content-type"].startswith("text/html")
    assert asset["isBase64Encoded"] is False
    assert asset["body"] == page["body"]


def test_prod_serves_no_graphiql(
    settings: Settings,
    make_lambda_handler: Callable[[Settings], LambdaHandler],
    lambda_context: FakeLambdaContext,
) -> None:
    prod_settings = dataclasses.replace(
        settings, stage="prod", dev_public_key_file=None, cursor_secret="a-prod-cursor-signing-key"
    )
    prod = make_lambda_handler(prod_settings)

    page = prod(load_event("http_api_get_graphiql.json"), lambda_context)
    assert not headers(page)["content-type"].startswith("text/html")
    assert page["statusCode"] == 400
    assert "GraphiQL" not in page["body"]

    asset = prod(load_event("http_api_get_graphiql_asset.json"), FakeLambdaContext())
    assert asset["statusCode"] == 404


@pytest.mark.parametrize(
    "name", ["http_api_post_graphql.json", "rest_api_post_graphql.json", "http_api_post_malformed.json"]
)
def test_request_id_is_the_lambda_request_id_in_header_and_logs(
    lambda_handler: LambdaHandler,
    lambda_context: FakeLambdaContext,
    lambda_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    event = load_event(name)
    response = lambda_handler(event, lambda_context)

    assert headers(response)["x-request-id"] == lambda_context.aws_request_id
    printed = lambda_logs.getvalue() + capsys.readouterr().out
    access = [line for line in log_lines(lambda_logs.getvalue()) if line.get("message") == "graphql request"]
    assert len(access) == 1
    assert access[0]["request_id"] == lambda_context.aws_request_id
    # Said once: the line carries its metrics, and `function_request_id` would repeat it (tests/telemetry).
    assert "function_request_id" not in access[0]
    # Not the function's name, ARN and memory on every line (the log group and its configuration
    # say them; CloudWatch bills every byte ingested).
    assert not {"function_name", "function_arn", "function_memory_size"} & set(access[0])
    assert access[0]["status"] == response["statusCode"]
    assert access[0]["level"] == "INFO"
    token = token_of(event)
    assert token not in printed
    assert token.rsplit(".", 1)[-1] not in printed  # not even the signature


def test_the_deployed_entry_point_reads_its_settings_from_the_environment(
    settings: Settings, tmp_path: Path
) -> None:
    """`app.handler` exactly as Lambda runs it: a fresh interpreter configured only by environment
    variables (as template.yaml sets them), logging JSON to stdout."""
    env = lambda_environment(
        TETHER_STAGE="dev",
        TETHER_TABLE=settings.table_name,
        TETHER_DYNAMODB_ENDPOINT=str(settings.dynamodb_endpoint),
    )
    result_file = tmp_path / "response.json"
    script = (
        "import json, sys\n"
        "from tests.deploy.lambda_support import FakeLambdaContext, load_event\n"
        "import app\n"
        "response = app.handler(load_event(sys.argv[1]), FakeLambdaContext(aws_request_id='req-from-lambda'))\n"
        "open(sys.argv[2], 'w').write(json.dumps(response))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, "http_api_post_graphql.json", str(result_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr

    response = json.loads(result_file.read_text())
    event = load_event("http_api_post_graphql.json")
    assert response["statusCode"] == 200
    assert headers(response)["x-request-id"] == "req-from-lambda"
    assert body(response)["data"]["me"]["id"] == claims(event)["sub"]
    logs = log_lines(run.stdout)
    access = next(line for line in logs if line.get("message") == "graphql request")
    assert access["request_id"] == "req-from-lambda"
    assert access["service"] == "tether"
    assert access["cold_start"] is True
    assert token_of(event) not in run.stdout + run.stderr
    # Every invocation publishes its metrics to CloudWatch in EMF on stdout: in the request's line.
    emf = next(line for line in logs if "_aws" in line)
    assert emf is access
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Tether"
    assert len(emf["Latency"]) == 1  # a sample a request: its SampleCount counts the requests


@pytest.mark.parametrize("name", ["http_api_post_graphql.json", "rest_api_post_graphql.json"])
def test_each_event_is_converted_to_an_asgi_scope_once(
    lambda_handler: LambdaHandler,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    """Per-request work at the edge: one scope (headers copied and encoded, host parsed) per event."""
    import mangum.handlers.api_gateway as gateway
    from mangum.handlers.utils import get_server_and_port as original

    built = []

    def counted(headers: dict[str, Any]) -> tuple[str, int]:
        built.append(headers)
        return original(headers)

    monkeypatch.setattr(gateway, "get_server_and_port", counted)
    response = lambda_handler(load_event(name), lambda_context)

    assert response["statusCode"] == 200
    assert body(response)["data"]["me"]["id"] == claims(load_event(name))["sub"]
    assert len(built) == 1


@pytest.mark.parametrize(
    ("message", "logged"),
    [
        ("graphql request", "graphql request"),
        ('{"job": "erase", "erased": 2}', {"job": "erase", "erased": 2}),
        (" [1, 2]", [1, 2]),
        ("42", 42),
        ("true", True),
        ("not JSON {", "not JSON {"),
        ("{not JSON", "{not JSON"),
        ("", ""),
    ],
)
def test_log_messages_that_are_json_are_logged_as_structure(
    lambda_logs: io.StringIO, message: str, logged: Any
) -> None:
    """Powertools' rule (a message that is JSON is logged decoded), kept by our cheaper decoder."""
    from tether.telemetry import logger

    logger.info(message)

    assert log_lines(lambda_logs.getvalue())[-1]["message"] == logged


def test_an_invocation_hands_its_request_over_without_an_asyncio_queue(
    lambda_handler: LambdaHandler,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mangum's HTTP cycle built an `asyncio.Queue` per invocation for its one request message (an
    idle pull's edge work); app.py's cycle hands it over in a list, the answer unchanged."""
    import asyncio

    made = []

    class CountedQueue(asyncio.Queue[Any]):
        def __init__(self) -> None:
            made.append(self)
            super().__init__()

    monkeypatch.setattr(asyncio, "Queue", CountedQueue)  # (what mangum.protocols.http calls)
    event = load_event("http_api_post_graphql.json")
    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert body(response)["data"]["me"]["id"] == claims(event)["sub"]
    assert made == []


def test_an_app_reading_past_its_request_gets_the_disconnect_once_it_has_answered(
    lambda_context: FakeLambdaContext,
) -> None:
    """ASGI's order, as Mangum's queue gave it: the request, then (the response sent) `http.disconnect`;
    an app failing before it answers gets Mangum's 500."""
    import asyncio

    from starlette.types import Receive, Scope, Send

    from app import make_handler

    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((await receive())["type"])
        if scope["path"] == "/fails":
            raise RuntimeError("the app failed")
        waiting = asyncio.ensure_future(receive())  # the client is still there: nothing yet
        await asyncio.sleep(0)
        assert not waiting.done()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"answered"})
        seen.append((await waiting)["type"])

    handler = make_handler(app)  # type: ignore[arg-type]
    event = load_event("http_api_post_graphql.json")
    response = handler(event, lambda_context)

    assert (response["statusCode"], response["body"]) == (200, "answered")
    assert seen == ["http.request", "http.disconnect"]
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/fails"
    failed = handler(event, lambda_context)
    assert (failed["statusCode"], failed["body"]) == (500, "Internal Server Error")


@pytest.mark.parametrize("name", ["http_api_post_graphql.json", "rest_api_post_graphql.json"])
def test_an_api_request_is_not_tested_for_the_other_event_kinds(
    lambda_handler: LambdaHandler,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    """An API request goes straight to Mangum: no WebSocket, SQS (twice) and S3 tests of it first."""
    import app

    tested: list[str] = []

    def counted(kind: str) -> Callable[[dict[str, Any]], bool]:
        original = getattr(app, kind)

        def test(event: dict[str, Any]) -> bool:
            tested.append(kind)
            return bool(original(event))

        return test

    for kind in ("is_websocket_event", "is_sqs_event", "is_s3_event"):
        monkeypatch.setattr(app, kind, counted(kind))
    response = lambda_handler(load_event(name), lambda_context)

    assert response["statusCode"] == 200
    assert body(response)["data"]["me"]["id"] == claims(load_event(name))["sub"]
    assert tested == []
    assert not app.is_http_request({"requestContext": {"eventType": "CONNECT", "routeKey": "$connect"}})
    assert not app.is_http_request({"Records": [{"eventSource": "aws:sqs"}]})
