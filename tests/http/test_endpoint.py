"""GraphQL over HTTP: negotiation, status codes and every kind of bad request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from app import create_app
from tether.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json; charset=utf-8"
JSON = "application/json; charset=utf-8"


def post(client: TestClient, body: Any, token: str | None = None, **headers: str) -> Any:
    all_headers = {"Content-Type": "application/json", **headers}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/graphql", content=content, headers=all_headers)


def codes(response: Any) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


def test_json_is_the_default_and_graphql_response_json_is_honoured(client: TestClient, token: str) -> None:
    plain = post(client, {"query": "{ me { id } }"}, token, Accept="")
    assert plain.status_code == 200
    assert plain.headers["content-type"] == JSON
    preferred = post(client, {"query": "{ me { id } }"}, token, Accept="application/graphql-response+json")
    assert preferred.headers["content-type"] == GRAPHQL_RESPONSE
    assert preferred.json()["data"]["me"]["id"]
    # A client with no stated preference gets JSON (the spec's legacy rule; graphql-http audit 47DE).
    wildcard = post(client, {"query": "{ __typename }"}, token, Accept="*/*")
    assert wildcard.headers["content-type"] == JSON
    named_first = post(
        client, {"query": "{ __typename }"}, token, Accept="application/graphql-response+json, */*;q=0.8"
    )
    assert named_first.headers["content-type"] == GRAPHQL_RESPONSE
    legacy_first = post(
        client,
        {"query": "{ __typename }"},
        token,
        Accept="application/json, application/graphql-response+json;q=0.5",
    )
    assert legacy_first.headers["content-type"] == JSON


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    response = post(client, {"query": "{ __typename }"}, Accept="text/plain")
    assert response.status_code == 406
    assert codes(response) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("{ me { id ", "Syntax Error"),
        ("{ me { nope } }", "Cannot query field 'nope'"),
        ("query($s: Boolean!) { __typename @include(if: $s) }", "Variable '$s' has invalid value"),
    ],
)
def test_request_errors_are_400_with_graphql_response_json_and_200_with_json(
    client: TestClient, token: str, query: str, fragment: str
) -> None:
    modern = post(client, {"query": query}, token, Accept="application/graphql-response+json")
    assert modern.status_code == 400
    body = modern.json()
    assert "data" not in body
    assert fragment in body["errors"][0]["message"]
    assert codes(modern) == ["BAD_USER_INPUT"]
    legacy = post(client, {"query": query}, token, Accept="application/json")
    assert legacy.status_code == 200
    assert codes(legacy) == ["BAD_USER_INPUT"]


def test_malformed_json_body_is_400(client: TestClient) -> None:
    response = post(client, '{"query": "{ __typename }"', Accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The request body is not valid JSON"
    assert codes(response) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": 1},
        {"query": ""},
        {"variables": {}},
        {"query": "{ __typename }", "variables": "[]"},
        {"query": "{ __typename }", "operationName": 7},
        {"query": "{ __typename }", "extensions": [1]},
    ],
)
def test_malformed_parameters_are_400(client: TestClient, body: Any) -> None:
    response = post(client, body, Accept="application/graphql-response+json")
    assert response.status_code == 400
    assert codes(response) == ["BAD_USER_INPUT"]


def test_content_type_other_than_json_is_415(client: TestClient) -> None:
    response = client.post(
        "/graphql", content="{ __typename }", headers={"Content-Type": "application/graphql"}
    )
    assert response.status_code == 415
    latin = client.post(
        "/graphql",
        content=b'{"query":"{ __typename }"}',
        headers={"Content-Type": "application/json; charset=latin-1"},
    )
    assert latin.status_code == 415


def test_oversized_body_is_413(settings: Settings) -> None:
    small = create_app(Settings(**{**settings.__dict__, "max_body_bytes": 1000}))
    with TestClient(small) as client:
        response = post(client, {"query": "{ __typename }", "variables": {"pad": "x" * 2000}})
    assert response.status_code == 413
    assert "1000-byte limit" in response.json()["errors"][0]["message"]


def test_get_runs_queries_but_refuses_mutations(client: TestClient, token: str) -> None:
    ok = client.get(
        "/graphql", params={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert ok.status_code == 200
    assert ok.json()["data"]["me"]["id"]
    mutation = client.get(
        "/graphql",
        params={"query": "mutation { __typename }"},
        headers={"Accept": "application/graphql-response+json"},
    )
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"
    assert codes(mutation) == ["BAD_USER_INPUT"]


def test_get_with_variables_must_be_json(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": "{ __typename }", "variables": "{nope"})
    assert response.status_code == 400


def test_other_methods_are_405(client: TestClient) -> None:
    response = client.put("/graphql", content="{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_depth_alias_and_token_limits_reject_before_any_resolver(
    client: TestClient, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers.account.types import User

    calls: list[str] = []
    original = User.from_core

    def spy(user: Any, *rest: Any) -> User:
        calls.append(user.id)
        return original(user, *rest)

    monkeypatch.setattr(User, "from_core", spy)
    aliases = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(16)) + " }"
    tokens = "{ me { " + " ".join(["id"] * 2100) + " } }"
    for query, fragment in [
        (aliases, "16 aliases found. Allowed: 15"),
        (tokens, "Document contains more than 2000 tokens"),
    ]:
        response = post(client, {"query": query}, token, Accept="application/graphql-response+json")
        assert response.status_code == 400, query
        assert fragment in response.json()["errors"][0]["message"]
        assert codes(response) == ["BAD_USER_INPUT"]
    assert calls == []


MODERN = {"Accept": "application/graphql-response+json"}
LEGACY = {"Accept": "application/json"}


def test_missing_token_is_unauthenticated(anonymous: Any) -> None:
    body = anonymous("{ me { id } }")
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "MISSING_TOKEN"}


def test_missing_token_is_401_with_graphql_response_json_and_200_with_json(client: TestClient) -> None:
    modern = post(client, {"query": "{ me { id } }"}, **MODERN)
    assert modern.status_code == 401
    assert modern.headers["www-authenticate"] == "Bearer"
    assert codes(modern) == ["UNAUTHENTICATED"]
    legacy = post(client, {"query": "{ me { id } }"}, **LEGACY)
    assert legacy.status_code == 200
    assert "www-authenticate" not in legacy.headers
    assert codes(legacy) == ["UNAUTHENTICATED"]


def test_a_partial_answer_without_a_token_is_200(client: TestClient) -> None:
    """Some data ran (no sign-in needed for it): a 2xx, as the spec requires for a present `data`."""
    response = post(client, {"query": '{ __typename piece(id: "p") { id } }'}, **MODERN)
    assert response.status_code == 200
    assert codes(response) == ["UNAUTHENTICATED"]


def test_typename_needs_no_token(anonymous: Any) -> None:
    assert anonymous("{ __typename }") == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        ("Bearer not-a-jwt", "INVALID_TOKEN"),
        ("Basic dXNlcjpwYXNz", "INVALID_TOKEN"),
        ("Bearer ", "INVALID_TOKEN"),
    ],
)
def test_malformed_authorization_is_401_with_graphql_response_json_and_200_with_json(
    client: TestClient, authorization: str, reason: str
) -> None:
    modern = post(client, {"query": "{ me { id } }"}, Authorization=authorization, **MODERN)
    assert modern.status_code == 401
    assert modern.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    assert modern.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    for accept in ("application/json", "", "*/*"):
        legacy = post(client, {"query": "{ me { id } }"}, Authorization=authorization, Accept=accept)
        assert legacy.status_code == 200, accept
        assert legacy.headers["content-type"] == JSON
        assert legacy.json() == modern.json()


def test_expired_token_is_401(client: TestClient, make_token: Any) -> None:
    expired = make_token("someone", ttl_seconds=-3600)
    response = post(client, {"query": "{ me { id } }"}, expired, **MODERN)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The token has expired"
    assert response.json()["errors"][0]["extensions"]["reason"] == "TOKEN_EXPIRED"


def test_forged_token_is_401(client: TestClient, tmp_path: Any) -> None:
    from localdev import tokens

    forged = tokens.mint("victim", key_dir=tmp_path)  # right shape, someone else's key
    response = post(client, {"query": "{ me { id } }"}, forged, **MODERN)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "The token is invalid"


def test_unsigned_token_is_401(client: TestClient) -> None:
    import jwt

    claims = {"sub": "victim", "iss": "tether-dev", "aud": "tether-dev", "exp": 2**31}
    unsigned = jwt.encode(claims, "", algorithm="none")
    response = post(client, {"query": "{ me { id } }"}, unsigned, **MODERN)
    assert response.status_code == 401


def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    client: TestClient,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from resolvers.account.types import User

    def explode(user: Any, *rest: Any) -> Any:
        raise RuntimeError("secret detail from a bug")

    monkeypatch.setattr(User, "from_core", explode)
    response = post(client, {"query": "{ me { id } }"}, token)
    error = response.json()["errors"][0]
    assert error["message"] == "Internal error"
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text
    failure = next(record for record in caplog.records if record.getMessage() == "unhandled error")
    assert failure.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert failure.exc_info is not None
    assert "secret detail from a bug" in str(failure.exc_info[1])


def test_logs_never_contain_the_token(
    client: TestClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    post(client, {"query": "{ me { id } }"}, token)
    post(client, {"query": "{ me { id } }"}, token + "x")
    assert caplog.records
    for record in caplog.records:
        assert token[:40] not in record.getMessage()
        assert token[:40] not in str(record.__dict__)


def test_graphiql_is_served_in_dev_only(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert "graphiql/vendor/graphiql.min.js" in page.text
        assert "unpkg.com" not in page.text
        assert "cdn" not in page.text.lower()
        asset = client.get("/graphiql/vendor/graphiql.min.js")
        assert asset.status_code == 200
        assert asset.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    prod = Settings(
        **{**settings.__dict__, "stage": "prod", "dev_public_key_file": None, "cursor_secret": "test"}
    )
    with TestClient(create_app(prod)) as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 406
        assert client.get("/graphiql/vendor/graphiql.min.js").status_code == 404


def test_prod_disables_introspection(settings: Settings) -> None:
    prod = Settings(
        **{
            **settings.__dict__,
            "stage": "prod",
            "dev_public_key_file": None,
            "cursor_secret": "test",
            "persisted_documents": "off",  # free-form documents, to see introspection refused
        }
    )
    with TestClient(create_app(prod)) as client:
        response = post(
            client,
            {"query": "{ __schema { types { name } } }"},
            Accept="application/graphql-response+json",
        )
        assert response.status_code == 400
        assert "introspection" in response.json()["errors"][0]["message"].lower()
        assert post(client, {"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}


def test_prod_refuses_the_dev_key_and_dev_tokens(settings: Settings, token: str) -> None:
    from tether.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="dev token key is refused in prod"):
        Settings(**{**settings.__dict__, "stage": "prod"})
    prod = Settings(
        **{**settings.__dict__, "stage": "prod", "dev_public_key_file": None, "cursor_secret": "test"}
    )
    with TestClient(create_app(prod)) as client:
        response = post(client, {"query": "{ me { id } }"}, token, **MODERN)
        assert response.status_code == 401


def test_every_response_has_a_request_id_and_no_store(client: TestClient) -> None:
    response = post(client, {"query": "{ __typename }"})
    assert len(response.headers["x-request-id"]) == 26
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "status", "challenge"),
    [
        ({"query": "{ __typename }"}, 200, None),
        ([{"query": "{ __typename }"}, {"query": "{ __typename }"}], 200, None),
        ({"query": "{ me { id } }"}, 401, "Bearer"),
        ({"query": "{"}, 400, None),
    ],
)
def test_the_endpoint_builds_each_response_with_its_headers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, body: Any, status: int, challenge: str | None
) -> None:
    """The status's headers, the request id, no-store and Vary are given to the response as it is
    built: none is set on it afterwards (each set scans and re-encodes the response's headers)."""
    from starlette.responses import Response

    original = Response.headers
    later: list[object] = []

    def counted(response: Response) -> Any:
        later.append(response)
        return original.fget(response)  # type: ignore[attr-defined]

    monkeypatch.setattr(Response, "headers", property(counted))
    response = post(client, body, **MODERN)

    assert response.status_code == status
    assert len(response.headers["x-request-id"]) == 26
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["vary"].startswith("Accept, Authorization")
    assert response.headers.get("www-authenticate") == challenge
    assert later == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "query A { __typename }", "operationName": "B"}, 'Unknown operation named "B".'),
        ({"query": "fragment F on Query { __typename }"}, "Must provide an operation."),
        ({"query": "subscription { __typename }"}, "Subscriptions are not supported over HTTP"),
    ],
)
def test_operation_selection_errors_are_graphql_request_errors(
    client: TestClient, token: str, body: dict[str, Any], message: str
) -> None:
    """Not malformed HTTP: 400 with graphql-response+json, 200 with application/json, never `data`."""
    modern = post(client, body, token, Accept="application/graphql-response+json")
    assert modern.status_code == 400
    assert modern.headers["content-type"] == GRAPHQL_RESPONSE
    assert modern.json() == {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    legacy = post(client, body, token, Accept="application/json")
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == JSON
    assert legacy.json() == modern.json()


def test_the_depth_limit_rejects_a_deep_query_before_any_resolver(settings: Settings, token: str) -> None:
    from tether.storage.instrumentation import record_calls

    shallow = create_app(Settings(**{**settings.__dict__, "max_query_depth": 2}))
    deep = "{ chatThreads { nodes { context { trackId } } } }"  # depth 3
    with TestClient(shallow) as client, record_calls() as calls:
        response = post(client, {"query": deep}, token, Accept="application/graphql-response+json")
        assert response.status_code == 400
        assert "exceeds maximum operation depth of 2" in response.json()["errors"][0]["message"]
        assert codes(response) == ["BAD_USER_INPUT"]
        assert calls.operations == []  # no resolver ran: nothing was read
        fine = post(client, {"query": "{ chatThreads { nodes { id } } }"}, token)
        assert fine.status_code == 200
        assert "errors" not in fine.json()
