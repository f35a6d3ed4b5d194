"""A fuzz pass of malformed requests: mutated client documents, bad variable types, odd bodies, deep
JSON, bad UTF-8. None may cost a 5xx or an INTERNAL: a client's mistake is never a server error."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from graphql import OperationDefinitionNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from app import create_app
from tests.conftest import LocalS3
from tests.operations import documents, operation
from tether.settings import Settings

NAMES = sorted(
    definition.name.value
    for definition in documents().definitions
    if isinstance(definition, OperationDefinitionNode) and definition.name is not None
)
PUNCTUATION = [*'{}()[]:$!@.,"#\n =&|', "...", "on ", "query ", "mutation ", "\\u0000", "\ud800", "é"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_document(draw: st.DrawFn) -> str:
    text = operation(draw(st.sampled_from(NAMES)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        match draw(st.sampled_from(["delete", "insert", "duplicate"])):
            case "delete":
                text = text[:at] + text[at + draw(st.integers(1, 20)) :]
            case "insert":
                text = text[:at] + draw(st.sampled_from(PUNCTUATION)) + text[at:]
            case _:
                text = text[:at] + text[at : at + 30] + text[at:]
    return text


@st.composite
def request(draw: st.DrawFn) -> tuple[str, bytes | str, dict[str, str]]:
    """(method, body or query string, headers) of a malformed request."""
    kind = draw(st.sampled_from(["document", "variables", "body", "deep", "utf8", "get"]))
    headers = {
        "Content-Type": "application/json",
        "Accept": draw(st.sampled_from(["application/graphql-response+json", "application/json", "*/*"])),
    }
    if kind == "document":
        return "POST", json.dumps({"query": draw(mutated_document())}), headers
    if kind == "variables":
        name = draw(st.sampled_from(NAMES))
        variables = draw(
            st.dictionaries(
                st.sampled_from(["input", "id", "first", "after", "threadId", "trackId", "kind", "x"]),
                json_values,
                max_size=3,
            )
        )
        return (
            "POST",
            json.dumps(
                {
                    "query": operation(name),
                    "variables": variables,
                    "operationName": draw(st.sampled_from([name, None, 7, ""])),
                }
            ),
            headers,
        )
    if kind == "body":
        body = draw(
            json_values
            | st.sampled_from(
                [
                    {"query": 1},
                    {"query": None},
                    {"query": "{ me { id } }", "variables": "x"},
                    {"query": "{ me { id } }", "extensions": []},
                ]
            )
        )
        return "POST", json.dumps(body), headers
    if kind == "deep":
        depth = draw(st.integers(30, 3000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        inner = opener * depth + "1" + closer * draw(st.sampled_from([depth, 0, depth // 2]))
        return "POST", '{"query": "{ __typename }", "variables": {"v": ' + inner + "}}", headers
    if kind == "utf8":
        raw = draw(st.binary(max_size=40))
        return "POST", b'{"query": "{ me { id ' + raw + b' } }"}', headers
    query = draw(mutated_document())
    return "GET", query, {"Accept": headers["Accept"]}


@pytest.fixture(scope="module")
def fuzz_client(base_settings: Settings, table: str, s3: LocalS3) -> Any:
    # Configured as deployed (the media bucket too): only the requests' own faults are fuzzed.
    configured = dataclasses.replace(base_settings, media_bucket=s3.bucket, s3_endpoint=s3.endpoint)
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client


@settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
)
@given(case=request())
def test_malformed_requests_are_never_server_errors(
    fuzz_client: TestClient, make_token_module: str, case: Any
) -> None:
    method, payload, headers = case
    headers = {**headers, "Authorization": f"Bearer {make_token_module}"}
    if method == "GET":
        response = fuzz_client.get("/graphql", params={"query": payload}, headers=headers)
    else:
        response = fuzz_client.post("/graphql", content=payload, headers=headers)
    assert response.status_code < 500, (case, response.text[:500])
    body = response.json()
    answers = body if isinstance(body, list) else [body]  # a batch answers with an array
    codes = [
        error.get("extensions", {}).get("code")
        for answer in answers
        if isinstance(answer, dict)
        for error in answer.get("errors", [])
    ]
    assert "INTERNAL" not in codes, (case, body)


@pytest.fixture(scope="module")
def make_token_module(dev_key_dir: Any) -> str:
    from localdev import tokens

    return tokens.mint("fuzz-user", key_dir=dev_key_dir)
