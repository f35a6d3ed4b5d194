"""Persisted documents: Apollo's Automatic Persisted Queries, the trusted-documents manifest, `documentId`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from localdev.manifest import MANIFEST_FILE, build_manifest, manifest_text, operation_documents
from tests.operations import OPERATIONS
from tether.persisted import DocumentRegistry, Manifest, sha256_hex
from tether.services import Services
from tether.settings import Settings
from tether.storage import documents as store
from tether.storage.instrumentation import record_calls

GRAPHQL_RESPONSE = "application/graphql-response+json"
NOT_FOUND = {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}


def unique_query() -> str:
    """A document no other test registered (the table is shared by the session)."""
    return f"query Me{ULID()} {{ me {{ id }} }}"


def apq(sha256: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def post(client: TestClient, body: Any, token: str | None = None, accept: str = GRAPHQL_RESPONSE) -> Any:
    headers = {"Content-Type": "application/json", "Accept": accept}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/graphql", content=json.dumps(body), headers=headers)


def get(client: TestClient, params: dict[str, Any], token: str | None = None) -> Any:
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    headers = {"Accept": GRAPHQL_RESPONSE, **({"Authorization": f"Bearer {token}"} if token else {})}
    return client.get("/graphql", params=encoded, headers=headers)


@pytest.fixture
def mode_client(settings: Settings) -> Iterator[Any]:
    """A client of the app in a given persisted-documents mode."""
    clients: list[TestClient] = []

    def make(mode: str, **overrides: Any) -> TestClient:
        test_client = TestClient(
            create_app(dataclasses.replace(settings, persisted_documents=mode, **overrides))
        )
        clients.append(test_client.__enter__())
        return test_client

    yield make
    for test_client in clients:
        test_client.__exit__(None, None, None)


def test_apollo_apq_flow_not_found_then_register_then_get_by_hash(client: TestClient, token: str) -> None:
    query = unique_query()
    sha256 = sha256_hex(query)

    first = post(client, {"extensions": apq(sha256)}, token)
    assert first.status_code == 200  # Apollo iOS/Kotlin read errors only from 2xx responses
    assert first.json() == {"errors": [NOT_FOUND]}

    registered = post(client, {"query": query, "extensions": apq(sha256)}, token)
    assert registered.status_code == 200
    me = registered.json()["data"]["me"]
    assert me["id"]

    by_get = get(client, {"extensions": apq(sha256)}, token)
    assert by_get.status_code == 200, by_get.text
    assert by_get.json() == {"data": {"me": me}}
    by_post = post(client, {"extensions": apq(sha256)}, token)
    assert by_post.json() == {"data": {"me": me}}


def test_registered_documents_are_shared_by_every_instance(
    client: TestClient, settings: Settings, token: str
) -> None:
    query = unique_query()
    sha256 = sha256_hex(query)
    assert post(client, {"query": query, "extensions": apq(sha256)}, token).status_code == 200
    with TestClient(create_app(settings)) as other_instance:  # a fresh container: an empty cache
        answer = post(other_instance, {"extensions": apq(sha256)}, token)
    assert answer.json()["data"]["me"]["id"]


def test_a_hash_that_does_not_match_its_query_is_refused_and_not_registered(
    client: TestClient, token: str
) -> None:
    query, other = unique_query(), unique_query()
    response = post(client, {"query": query, "extensions": apq(sha256_hex(other))}, token)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "PERSISTED_QUERY_HASH_MISMATCH"}
    assert post(client, {"extensions": apq(sha256_hex(other))}, token).json() == {"errors": [NOT_FOUND]}


def test_invalid_documents_are_not_registered(client: TestClient, token: str) -> None:
    invalid = f"query Q{ULID()} {{ nope }}"
    sha256 = sha256_hex(invalid)
    answer = post(client, {"query": invalid, "extensions": apq(sha256)}, token)
    assert answer.status_code == 400
    assert post(client, {"extensions": apq(sha256)}, token).json() == {"errors": [NOT_FOUND]}


def test_registered_documents_still_pass_the_depth_alias_and_token_limits(
    client: TestClient, token: str
) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(20))
    query = f"query Many{ULID()} {{ {aliases} }}"
    response = post(client, {"query": query, "extensions": apq(sha256_hex(query))}, token)
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]
    assert post(client, {"extensions": apq(sha256_hex(query))}, token).json() == {"errors": [NOT_FOUND]}


def test_malformed_persisted_query_extensions_are_400(client: TestClient, token: str) -> None:
    query = unique_query()
    wrong_version = post(
        client, {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha256_hex(query)}}}, token
    )
    assert wrong_version.status_code == 400
    assert wrong_version.json()["errors"][0]["extensions"]["reason"] == "PERSISTED_QUERY_VERSION"
    not_hex = post(client, {"extensions": apq("xyz")}, token)
    assert not_hex.json()["errors"][0]["extensions"]["reason"] == "INVALID_DOCUMENT_ID"
    bad_id = post(client, {"documentId": "md5:abc"}, token)
    assert bad_id.json()["errors"][0]["extensions"]["reason"] == "INVALID_DOCUMENT_ID"


def test_the_registry_expires_documents_and_caps_each_window(settings: Settings) -> None:
    now = [datetime(2026, 3, 1, tzinfo=UTC)]
    registry = DocumentRegistry(
        ttl=timedelta(hours=1),
        max_documents=2,
        max_document_bytes=200,
        cache_size=1,
        clock=lambda: now[0],
    )
    # Each test run gets its own windows: the quota items live in the shared table.
    now[0] += timedelta(hours=int(ULID().milliseconds % 100_000) * 3)
    first, second, third = unique_query(), unique_query(), unique_query()
    assert registry.register(sha256_hex(first), first)
    assert registry.register(sha256_hex(second), second)
    assert not registry.register(sha256_hex(third), third), "the window's quota is 2"
    assert registry.lookup(sha256_hex(third)) is None
    assert not registry.register("0" * 64, "x" * 201), "larger than the size bound"
    # The cache holds one document; the other comes from DynamoDB.
    assert registry.lookup(sha256_hex(first)) == first
    assert registry.lookup(sha256_hex(second)) == second
    now[0] += timedelta(hours=1)  # the TTL passed: gone, from the cache and the table alike
    assert registry.lookup(sha256_hex(second)) is None
    assert store.load(sha256_hex(first), now[0]) is None
    now[0] += timedelta(hours=1)  # a new window: room again, and an expired document is replaced
    assert registry.register(sha256_hex(first), first)
    assert registry.lookup(sha256_hex(first)) == first


def test_a_persisted_query_costs_one_getitem_cold_and_none_warm(settings: Settings) -> None:
    registry = DocumentRegistry(
        ttl=timedelta(days=1), max_documents=10_000, max_document_bytes=10_000, cache_size=10
    )
    query = unique_query()
    with record_calls() as registering:
        assert registry.register(sha256_hex(query), query)
    assert registering.operations == ["TransactWriteItems"]
    with record_calls() as warm:
        assert registry.lookup(sha256_hex(query)) == query
    assert warm.operations == []
    cold_instance = DocumentRegistry(
        ttl=timedelta(days=1), max_documents=1, max_document_bytes=1, cache_size=10
    )
    with record_calls() as cold:
        assert cold_instance.lookup(sha256_hex(query)) == query
        assert cold_instance.lookup(sha256_hex(query)) == query
    assert cold.operations == ["GetItem"]


def test_the_manifest_holds_every_operation_and_is_up_to_date() -> None:
    names = {operation["name"] for operation in build_manifest()["operations"]}
    assert names == set(operation_documents()), "an operation of graphql/operations/ is missing"
    assert len(names) >= 37
    assert MANIFEST_FILE.read_text(encoding="utf-8") == manifest_text(), (
        "graphql/persisted-query-manifest.json is stale: run `make manifest`"
    )
    loaded = Manifest.load(MANIFEST_FILE)
    assert {operation.name for operation in loaded.operations.values()} == names


def test_a_missing_operation_fails_the_manifest_check(tmp_path: Any) -> None:
    for path in OPERATIONS.glob("*.graphql"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "New.graphql").write_text("query BrandNew { me { id } }\n")
    assert manifest_text(tmp_path) != MANIFEST_FILE.read_text(encoding="utf-8")
    assert "BrandNew" in {op["name"] for op in build_manifest(tmp_path)["operations"]}


def test_manifest_mode_runs_every_manifest_document_and_refuses_others(mode_client: Any, token: str) -> None:
    client = mode_client("manifest")
    manifest = build_manifest()
    me = next(op for op in manifest["operations"] if op["name"] == "Me")
    assert post(client, {"documentId": f"sha256:{me['id']}"}, token).json()["data"]["me"]["id"]
    assert post(client, {"query": me["body"]}, token).json()["data"]["me"]["id"], "the text of one runs too"
    # (Before the loop: SignOutEverywhere needs no variables, so the loop runs it, signing the token out.)
    for operation in manifest["operations"]:
        # Every manifest document is known by id: none answers "not found" or "not in the manifest".
        # (Variables are missing, so most answer a variable error: they were parsed and validated.)
        by_id = post(client, {"documentId": f"sha256:{operation['id']}"}, token)
        by_hash = post(client, {"extensions": apq(operation["id"])}, token, accept="application/json")
        for answer in (by_id, by_hash):
            for error in answer.json().get("errors", []):
                assert error["extensions"].get("code") != "PERSISTED_QUERY_NOT_FOUND", operation["name"]
                assert error["extensions"].get("reason") != "DOCUMENT_NOT_IN_MANIFEST", operation["name"]

    outside = unique_query()
    refused = post(client, {"query": outside}, token)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "reason": "DOCUMENT_NOT_IN_MANIFEST",
    }
    # Apollo's APQ link: not found, then the text with its hash, which is refused (never registered).
    assert post(client, {"extensions": apq(sha256_hex(outside))}, token).json() == {"errors": [NOT_FOUND]}
    retried = post(client, {"query": outside, "extensions": apq(sha256_hex(outside))}, token)
    assert retried.status_code == 403


def test_prod_defaults_to_manifest_mode_and_dev_to_off() -> None:
    assert Settings(stage="dev").persisted_mode == "off"
    assert Settings(stage="prod", cursor_secret="k" * 64).persisted_mode == "manifest"


def test_apq_mode_runs_only_documents_sent_by_hash(mode_client: Any, token: str) -> None:
    client = mode_client("apq")
    query = unique_query()
    refused = post(client, {"query": query}, token)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["reason"] == "PERSISTED_QUERY_REQUIRED"
    assert post(client, {"query": query, "extensions": apq(sha256_hex(query))}, token).status_code == 200
    assert post(client, {"query": query}, token).status_code == 200, "registered now"


def test_the_services_registry_is_built_from_the_settings(settings: Settings) -> None:
    registry = Services.build(dataclasses.replace(settings, apq_ttl_seconds=60)).documents
    assert registry.ttl == timedelta(seconds=60)


def test_extra_manifests_are_trusted_alongside_the_bundled_one(
    mode_client: Any, token: str, tmp_path: Any
) -> None:
    body = "query FromIos { me { id } }"
    extra = tmp_path / "ios-manifest.json"
    extra.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": sha256_hex(body), "name": "FromIos", "type": "query", "body": body}],
            }
        )
    )
    client = mode_client("manifest", persisted_manifest=str(extra))
    assert post(client, {"documentId": f"sha256:{sha256_hex(body)}"}, token).json()["data"]["me"]["id"]
    me = next(op for op in build_manifest()["operations"] if op["name"] == "Me")
    assert post(client, {"documentId": f"sha256:{me['id']}"}, token).json()["data"]["me"]["id"]
