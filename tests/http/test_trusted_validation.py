"""The bundled manifest's documents are validated by the deployment's limits and our rules only:
graphql-core's own rules would prove again, at every cold start, what this test proves once."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, specified_rules, validate
from graphql import validate as graphql_validate
from starlette.testclient import TestClient
from strawberry.schema.schema import validate_document as strawberry_validate_document

import resolvers.document_cache
import resolvers.trusted
from app import create_app
from resolvers.lazy_schema import SCHEMA_RULES, bundled_documents
from resolvers.schema import build_schema
from tether.persisted import DEFAULT_MANIFESTS, Manifest
from tether.settings import Settings

PULL = {"input": {"clientId": "trusted", "cursor": None, "limit": 10}}


def bundled(name: str) -> str:
    """The bundled manifest's text of operation `name`, as Apollo sends it (with `__typename`)."""
    manifest = Manifest.load(next(path for path in DEFAULT_MANIFESTS if path.is_file()))
    return next(entry.body for entry in manifest.operations.values() if entry.name == name)


def test_every_bundled_document_passes_graphql_core_s_rules_against_the_schema() -> None:
    schema = build_schema(Settings(stage="dev"))._schema
    bundled = Manifest.load(next(path for path in DEFAULT_MANIFESTS if path.is_file()))
    assert bundled_documents() == {operation.body for operation in bundled.operations.values()}
    assert len(bundled_documents()) > 50
    for body in bundled_documents():
        assert validate(schema, parse(body), specified_rules) == [], body[:80]


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, set[Any]]]:
    """The rules each first validation ran: (path, operation, rules), the path `trusted` for the
    trusted executor (resolvers/trusted.py), `strawberry` for the schema's document cache."""
    seen: list[tuple[str, str, set[Any]]] = []

    def recording(path: str, validate: Any) -> Any:
        def recorded(schema: Any, document: Any, rules: Any) -> Any:
            seen.append((path, document.definitions[-1].name.value, set(rules)))
            return validate(schema, document, rules)

        return recorded

    monkeypatch.setattr(resolvers.trusted, "validate", recording("trusted", graphql_validate))
    monkeypatch.setattr(
        resolvers.document_cache, "validate_document", recording("strawberry", strawberry_validate_document)
    )
    return seen


def fresh(settings: Settings, **changes: Any) -> TestClient:
    """An app whose schema (and document cache) no other test has used: options of its own."""
    return TestClient(create_app(Settings(**{**settings.__dict__, "max_tokens": 9_999, **changes})))


@pytest.mark.parametrize(
    ("name", "variables", "path"), [("SyncPull", PULL, "trusted"), ("Me", None, "strawberry")]
)
def test_a_bundled_document_skips_only_graphql_core_s_rules(
    settings: Settings,
    token: str,
    validations: list[tuple[str, str, set[Any]]],
    name: str,
    variables: dict[str, Any] | None,
    path: str,
) -> None:
    client = fresh(settings)
    headers = {"Authorization": f"Bearer {token}"}
    text = bundled(name)
    assert text in bundled_documents()
    answered = client.post("/graphql", json={"query": text, "variables": variables}, headers=headers).json()
    assert "errors" not in answered
    # The same operation, not byte for byte the bundled text: every rule runs (on Strawberry's path).
    other = client.post("/graphql", json={"query": text + "\n", "variables": variables}, headers=headers)
    assert "errors" not in other.json()
    (first_path, first_name, first_rules), (second_path, second_name, second_rules) = validations
    assert (first_path, first_name) == (path, name)
    assert (second_path, second_name) == ("strawberry", name)
    assert not first_rules & SCHEMA_RULES
    assert any(rule.__name__ == "NonEmptySelectionSetsRule" for rule in first_rules)
    assert second_rules >= SCHEMA_RULES


def test_a_bundled_document_is_still_held_to_the_deployment_s_limits(settings: Settings, token: str) -> None:
    client = fresh(settings, max_query_depth=2)
    refused = client.post(
        "/graphql",
        json={"query": bundled("SyncPull"), "variables": PULL},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"},
    )
    assert refused.status_code == 400
    assert "exceeds maximum operation depth of 2" in refused.json()["errors"][0]["message"]
