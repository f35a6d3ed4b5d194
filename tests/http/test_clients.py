"""What mobile and web GraphQL clients rely on: compressed pulls, batched requests, CORS, client awareness."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import brotli
import pytest
import zstandard
from starlette.testclient import TestClient

from app import create_app
from tests.conftest import PAGE_SIZE
from tests.operations import operation
from tether.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"


def decode(encoding: str, content: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(content)
    if encoding == "br":
        return bytes(brotli.decompress(content))
    if encoding == "zstd":
        return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(content))
    assert encoding == "identity"
    return content


def pull_body(client_id: str = "tablet") -> dict[str, Any]:
    return {
        "query": operation("SyncPull"),
        "variables": {"input": {"clientId": client_id, "cursor": None, "limit": PAGE_SIZE}},
    }


def without_cursor(body: dict[str, Any]) -> dict[str, Any]:
    """A pull page without its cursor (which carries the time it was read)."""
    page = dict(body["data"]["syncPull"])
    assert page.pop("cursor")
    return page


@pytest.mark.xdist_group("page-of-1000")
def test_a_1000_record_pull_is_compressed_with_each_encoding_and_decodes_to_the_same_json(
    client: TestClient, make_token: Callable[..., str], page_user: str
) -> None:
    headers = {"Authorization": f"Bearer {make_token(page_user)}", "Accept": GRAPHQL_RESPONSE}
    decoded: dict[str, bytes] = {}
    for encoding in ("gzip", "br", "zstd"):
        with client.stream(
            "POST", "/graphql", json=pull_body(), headers={**headers, "Accept-Encoding": encoding}
        ) as response:
            raw = b"".join(response.iter_raw())
            assert response.headers["content-encoding"] == encoding
            assert "Accept-Encoding" in response.headers["vary"]
        decoded[encoding] = decode(encoding, raw)
        assert len(raw) < len(decoded[encoding]) / 3, encoding
    page = without_cursor(json.loads(decoded["gzip"]))
    assert len(page["pieces"]) == PAGE_SIZE
    assert without_cursor(json.loads(decoded["br"])) == page
    assert without_cursor(json.loads(decoded["zstd"])) == page


def test_the_client_s_preference_and_the_threshold_decide(client: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE}
    small = client.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={**headers, "Accept-Encoding": "br"}
    )
    assert "content-encoding" not in small.headers, "below TETHER_COMPRESS_MIN_BYTES: sent as is"
    refused = client.post(
        "/graphql",
        json={"query": "{ __schema { types { name description } } }"},
        headers={**headers, "Accept-Encoding": "gzip;q=0, br;q=0"},
    )
    assert "content-encoding" not in refused.headers
    gzip_only = client.post(
        "/graphql",
        json={"query": "{ __schema { types { name description } } }"},
        headers={**headers, "Accept-Encoding": "gzip"},
    )
    assert gzip_only.headers["content-encoding"] == "gzip"


def test_a_batch_answers_each_operation_in_order(client: TestClient, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE}
    batch = [
        {"query": operation("Me"), "operationName": "Me"},
        {"query": "{ nope }"},
        "not an object",
        {"query": "query T { __typename }", "operationName": "T"},
    ]
    response = client.post("/graphql", json=batch, headers=headers)
    assert response.status_code == 200
    answers = response.json()
    assert isinstance(answers, list)
    assert len(answers) == 4
    assert answers[0]["data"]["me"]["id"]
    assert answers[1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "data" not in answers[1]
    assert answers[2]["errors"][0]["message"] == "Each operation of a batch must be a JSON object"
    assert answers[3] == {"data": {"__typename": "Query"}}


def test_a_batch_is_bounded_and_shares_one_sync_budget(settings: Settings, token: str) -> None:
    with TestClient(
        create_app(settings.__class__(**{**settings.__dict__, "max_batch_operations": 3}))
    ) as client:
        headers = {"Authorization": f"Bearer {token}", "Accept": GRAPHQL_RESPONSE}
        too_many = client.post("/graphql", json=[{"query": "{ __typename }"}] * 4, headers=headers)
        assert too_many.status_code == 400
        assert too_many.json()["errors"][0]["extensions"] == {
            "code": "BAD_USER_INPUT",
            "reason": "BATCH_TOO_LARGE",
            "limit": 3,
        }
        assert client.post("/graphql", json=[], headers=headers).status_code == 400
        push = {
            "query": operation("SyncPush"),
            "variables": {"input": {"clientId": "phone", "mutations": []}},
        }
        pushes = client.post("/graphql", json=[push, push], headers=headers).json()
        assert "errors" not in pushes[0], pushes[0]
        assert pushes[1]["errors"][0]["extensions"]["reason"] == "ONE_PER_REQUEST"
        waiting = {
            "query": operation("SyncPull"),
            "variables": {"input": {"clientId": "phone", "cursor": None, "waitSeconds": 1}},
        }
        idle = {
            "query": operation("SyncPull"),
            "variables": {"input": {"clientId": "phone", "cursor": None}},
        }
        pulls = client.post("/graphql", json=[idle, idle, waiting, waiting], headers=headers)
        assert pulls.status_code == 400, "4 > 3 operations"
        pulls = client.post("/graphql", json=[idle, waiting, waiting], headers=headers).json()
        assert "errors" not in pulls[0]
        assert "errors" not in pulls[1]
        # The batch's second waiting pull answers at once, as with waitSeconds 0 (tether/request_budget.py).
        assert "errors" not in pulls[2]


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:8080", "http://localhost"])
def test_dev_allows_a_preflight_from_any_local_origin_with_apollo_s_headers(
    client: TestClient, origin: str
) -> None:
    response = client.options(
        "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, "
            "apollographql-client-name, apollographql-client-version",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "apollographql-client-name" in allowed
    assert "apollographql-client-version" in allowed


def test_prod_allows_only_the_configured_origins(settings: Settings) -> None:
    prod = Settings(
        **{
            **settings.__dict__,
            "stage": "prod",
            "dev_public_key_file": None,
            "cursor_secret": "test",
            "cors_origins": "https://app.example",
        }
    )
    with TestClient(create_app(prod)) as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        local = client.options("/graphql", headers={"Origin": "http://localhost:5173", **preflight})
        assert local.status_code == 400
        configured = client.options("/graphql", headers={"Origin": "https://app.example", **preflight})
        assert configured.status_code == 200
        assert configured.headers["access-control-allow-origin"] == "https://app.example"


def test_the_client_name_and_version_are_logged(
    client: TestClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {
        "Authorization": f"Bearer {token}",
        "apollographql-client-name": "hula-ios",
        "apollographql-client-version": "2.3.1",
    }
    with caplog.at_level("INFO", logger="tether"):
        client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        client.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={**headers, "apollographql-client-name": "<script>" + "x" * 100},
        )
    records = [r for r in caplog.records if r.getMessage() == "graphql request"]
    assert (records[-2].client_name, records[-2].client_version) == ("hula-ios", "2.3.1")  # type: ignore[attr-defined]
    assert records[-1].client_name == "other"  # type: ignore[attr-defined]
