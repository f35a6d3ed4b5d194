"""Hostile requests cost nothing and never crash: deep JSON, invalid documents, suggestions, huge lists,
many waiting pulls (and the fuzz pass in test_fuzz.py)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.testclient import TestClient

from app import create_app, make_handler
from resolvers.http import GraphQLEndpoint
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tether.services import Services
from tether.settings import Settings

GQL = "application/graphql-response+json"
DEEP = "[" * 1000 + "]" * 1000


def prod(settings: Settings) -> Settings:
    return Settings(
        **{**settings.__dict__, "stage": "prod", "dev_public_key_file": None, "cursor_secret": "test"}
    )


def codes(response: Any) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


@pytest.mark.parametrize("accept", [GQL, "application/json"])
def test_deeply_nested_json_body_is_a_400_without_a_token(client: TestClient, accept: str) -> None:
    body = '{"query": "{ __typename }", "variables": {"x": ' + DEEP + "}}"
    response = client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json", "Accept": accept}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "reason": "TOO_DEEP",
        "limit": 32,
    }


def test_deeply_nested_get_variables_are_a_400(client: TestClient) -> None:
    response = client.get(
        "/graphql?" + urlencode({"query": "{ __typename }", "variables": '{"x":' + DEEP + "}"})
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["reason"] == "TOO_DEEP"


def test_json_nested_within_the_limit_still_works(gql: Any) -> None:
    assert gql("{ __typename }", {"x": [[[[["nested"]]]]]}) == {"data": {"__typename": "Query"}}


def test_deeply_nested_json_through_the_lambda_get_route_without_an_authorizer(settings: Settings) -> None:
    event = load_event("http_api_post_no_claims.json")
    event["requestContext"]["http"]["method"] = "GET"
    event["routeKey"] = "GET /graphql"
    event.pop("body", None)
    event["headers"].pop("authorization", None)
    event["headers"].pop("content-type", None)
    event["rawQueryString"] = urlencode({"query": "{ __typename }", "variables": '{"x":' + DEEP + "}"})
    handler = make_handler(create_app(settings))
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    event["body"], event["requestContext"]["http"]["method"] = (
        '{"query":"{ __typename }","v":' + DEEP + "}",
        "POST",
    )
    event["headers"]["content-type"], event["rawQueryString"] = "application/json", ""
    assert handler(event, FakeLambdaContext())["statusCode"] == 400


@pytest.mark.parametrize(
    "document",
    [
        "{ ...Nope }",
        "{ me {} }",
        "{ me { ...on User {} } }",
        "fragment F on User {} { me { ...F } }",
        "{ a: me { ...Nope } }",
    ],
)
def test_invalid_documents_are_validation_errors_never_internal(
    client: TestClient, token: str, document: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post(
        "/graphql", json={"query": document}, headers={"Accept": GQL, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400, response.text
    assert codes(response)
    assert set(codes(response)) == {"BAD_USER_INPUT"}
    assert "data" not in response.json()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


SUGGESTED = [
    ("{ mee { id } }", None),  # field
    ("{ me { idd } }", None),  # field on a type
    ('query { syncPull(inpt: {clientId: "c"}) { cursor } }', None),  # argument
    ("query($i: SyncPullInputt!) { syncPull(input: $i) { cursor } }", None),  # type
    ("query($i: SyncPullInput!) { syncPull(input: $i) { cursor } }", {"i": {"clientI": "c"}}),  # input field
    ('{ syncPull(input: {clientId: "c", cursr: null}) { cursor } }', None),  # input field, literal
]


@pytest.mark.parametrize(("document", "variables"), SUGGESTED)
def test_prod_never_suggests_names_dev_does(
    settings: Settings, token: str, document: str, variables: dict[str, Any] | None, make_token: Any
) -> None:
    with TestClient(create_app(settings)) as dev:
        body = dev.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert "Did you mean" in json.dumps(body), body
    with TestClient(create_app(prod(settings))) as client:
        body = client.post("/graphql", json={"query": document, "variables": variables}).json()
        assert body["errors"], body
        assert "Did you mean" not in json.dumps(body), body


def test_prod_never_suggests_enum_values(settings: Settings) -> None:
    query = '{ mediaUrl(trackId: "t", kind: AUDIOO) { url } }'
    with TestClient(create_app(settings)) as dev:
        assert "Did you mean" in dev.post("/graphql", json={"query": query}).text
    with TestClient(create_app(prod(settings))) as client:
        body = client.post("/graphql", json={"query": query}).json()
        assert body["errors"]
        assert "Did you mean" not in json.dumps(body)


def test_an_oversized_list_is_refused_before_graphql_coerces_it(
    settings: Settings, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[str] = []
    real = GraphQLEndpoint._execute

    async def recording(self: GraphQLEndpoint, *args: Any) -> Any:
        executed.append("execute")
        return await real(self, *args)

    monkeypatch.setattr(GraphQLEndpoint, "_execute", recording)
    mutation = {"mutationId": 1, "changedAt": "2026-01-01T00:00:00Z", "change": {}}
    variables = {"input": {"clientId": "phone", "mutations": [mutation] * 40_000}}
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/graphql",
            json={"query": operation("SyncPush"), "variables": variables},
            headers={"Accept": GQL, "Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["reason"] == "TOO_LARGE"
        assert executed == []
        small = {"input": {"clientId": "phone", "mutations": [mutation] * 201}}
        response = client.post(
            "/graphql",
            json={"query": operation("SyncPush"), "variables": small},
            headers={"Accept": GQL, "Authorization": f"Bearer {token}"},
        )
        assert response.json()["errors"][0]["extensions"] == {
            "code": "BAD_USER_INPUT",
            "reason": "TOO_LARGE",
            "limit": 200,
        }
        assert executed == []


def test_one_waiting_pull_per_request(
    settings: Settings, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.build(settings)
    waits: list[int] = []
    real_pull = services.sync.pull

    def pull(user_id: str, client_id: str, cursor: Any, limit: Any, wait_seconds: int = 0, *rest: Any) -> Any:
        waits.append(wait_seconds)
        return real_pull(user_id, client_id, cursor, limit, 0, *rest)  # answers at once: no test waits

    monkeypatch.setattr(services.sync, "pull", pull)
    fields = " ".join(
        f'p{i}: syncPull(input: {{clientId: "phone", waitSeconds: 20}}) {{ cursor }}' for i in range(15)
    )
    with TestClient(create_app(services=services)) as client:
        body = client.post(
            "/graphql", json={"query": f"{{ {fields} }}"}, headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert waits == [20] + [0] * 14  # one waits; the others answer at once
    assert "errors" not in body
    assert len(body["data"]) == 15
    # Pulls that do not wait are not limited (a device may read several feeds at once).
    waits.clear()
    fields = " ".join(f'p{i}: syncPull(input: {{clientId: "phone"}}) {{ cursor }}' for i in range(3))
    with TestClient(create_app(services=services)) as client:
        body = client.post(
            "/graphql", json={"query": f"{{ {fields} }}"}, headers={"Authorization": f"Bearer {token}"}
        ).json()
    assert "errors" not in body
    assert waits == [0, 0, 0]


def test_one_push_per_request(client: TestClient, token: str) -> None:
    push = 'p{n}: syncPush(input: {{clientId: "phone", mutations: [{{mutationId: {n}, changedAt: "2026-01-01T00:00:00Z", change: {{savePiece: {{id: "01KAVE5QG8JSH6Q6G3YB0S1W2{n}", title: "Mele {n}"}}}}}}]}}) {{ lastMutationId }}'
    document = "mutation { " + " ".join(push.format(n=n) for n in (1, 2, 3)) + " }"
    response = client.post(
        "/graphql", json={"query": document}, headers={"Accept": GQL, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["extensions"] for e in errors] == [{"code": "BAD_USER_INPUT", "reason": "ONE_PER_REQUEST"}], (
        errors
    )
    # Nothing was applied: the device's pieces are still empty.
    pieces = client.post(
        "/graphql",
        json={"query": "{ pieces { nodes { id } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert pieces.json()["data"]["pieces"]["nodes"] == [], pieces.json()
    one = client.post(
        "/graphql",
        json={"query": "mutation { " + push.format(n=1) + " }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert one.json()["data"]["p1"]["lastMutationId"] == 1, one.json()


def test_the_request_budget_is_shared_by_the_operations_of_a_request() -> None:
    from tether.errors import BadUserInput
    from tether.request_budget import PUSH, WAITING_PULL, RequestBudget

    budget = RequestBudget()
    budget.spend(PUSH)
    with pytest.raises(BadUserInput, match="At most 1 syncPush"):
        budget.spend(PUSH)  # a second operation of the same batch
    assert budget.try_spend(WAITING_PULL) is True
    assert budget.try_spend(WAITING_PULL) is False
