"""Erasure with a grace period: locked at once, restored by cancelAccountDeletion, erased by the job."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from starlette.testclient import TestClient

from app import create_app, make_handler
from tests.account.conftest import Clocks, drain_erasures
from tests.deploy.lambda_support import FakeLambdaContext
from tether.accounts.grace import CACHE_SECONDS, DeletionGrace
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import record_calls

PIECE = 'mutation { syncPush(input: {clientId: "phone", mutations: [{mutationId: 1, changedAt: "2026-01-01T00:00:00Z", change: {savePiece: {id: "01KAVE5QG8JSH6Q6G3YB0S1W2M", title: "Mele"}}}]}) { lastMutationId } }'


@pytest.fixture(scope="module")
def cognito() -> Iterator[Any]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.endpoint = f"http://{host}:{port}"
    yield client
    server.stop()


@pytest.fixture
def pool(cognito: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    pool_id: str = cognito.create_user_pool(PoolName="tether")["UserPool"]["Id"]
    return pool_id


def services_with(settings: Settings, clocks: Clocks, **overrides: Any) -> Services:
    configured = Settings(**{**settings.__dict__, "erasure_grace_days": 7, **overrides})
    services = Services.build(configured, monotonic=clocks.monotonic)
    accounts = services.accounts
    accounts.grace = DeletionGrace(
        accounts.erasure,
        accounts.grace.directory,
        services.audit,
        grace=timedelta(days=7),
        clock=clocks.wall,
        gate=services.gate,  # the one every push, pull and operation of the container reads
    )
    return services


def post(client: TestClient, token: str, query: str) -> Any:
    return client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}).json()


DELETE = 'mutation { deleteMyAccount(confirm: "DELETE") { complete scheduledFor cognitoUser } }'


def test_deletion_locks_the_account_and_cancelling_restores_everything(
    settings: Settings, token: str, user_id: str, cognito: Any, pool: str
) -> None:
    cognito.admin_create_user(UserPoolId=pool, Username=user_id)
    clocks = Clocks()
    services = services_with(settings, clocks, user_pool_id=pool, cognito_endpoint=cognito.endpoint)
    with TestClient(create_app(services=services)) as client:
        pushed = post(client, token, PIECE)
        assert pushed["data"], pushed
        deleted = post(client, token, DELETE)["data"]["deleteMyAccount"]
        assert deleted == {
            "complete": False,
            "scheduledFor": "2026-03-08T09:00:00+00:00",
            "cognitoUser": "PENDING",
        }
        assert cognito.admin_get_user(UserPoolId=pool, Username=user_id)["Enabled"] is False
        # Locked: everything but me, cancelAccountDeletion (and a retried deleteMyAccount).
        refused = post(client, token, "{ pieces { nodes { id } } }")
        assert refused["errors"][0]["extensions"] == {
            "code": "FORBIDDEN",
            "reason": "DELETION_PENDING",
            "deletionAt": "2026-03-08T09:00:00.000Z",
        }
        assert post(client, token, PIECE)["errors"][0]["extensions"]["reason"] == "DELETION_PENDING"
        assert post(client, token, "{ me { id } }")["data"]["me"]["id"] == user_id
        clocks.now += timedelta(days=1)
        assert (
            post(client, token, DELETE)["data"]["deleteMyAccount"]["scheduledFor"]
            == "2026-03-08T09:00:00+00:00"
        )
        # Cancelling restores the account, its data and the Cognito user.
        assert post(client, token, "mutation { cancelAccountDeletion }")["data"] == {
            "cancelAccountDeletion": True
        }
        assert cognito.admin_get_user(UserPoolId=pool, Username=user_id)["Enabled"] is True
        pieces = post(client, token, "{ pieces { nodes { id } } }")["data"]["pieces"]["nodes"]
        assert pieces == [{"id": "01KAVE5QG8JSH6Q6G3YB0S1W2M"}]
        again = post(client, token, "mutation { cancelAccountDeletion }")
        assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    subject = services.audit.subject(user_id)
    kinds = [entry.kind for entry in services.audit.entries() if entry.subject == subject]
    assert kinds[-2:] == ["account_deletion_requested", "account_deletion_cancelled"]


def test_the_scheduled_job_erases_when_the_grace_period_ends(
    settings: Settings, token: str, user_id: str, cognito: Any, pool: str
) -> None:
    cognito.admin_create_user(UserPoolId=pool, Username=user_id)
    clocks = Clocks()
    services = services_with(settings, clocks, user_pool_id=pool, cognito_endpoint=cognito.endpoint)
    app = create_app(services=services)
    handler = make_handler(app)
    job = {"tetherJob": "erase-due-accounts"}
    drain_erasures(handler, clocks, year=2034)
    with TestClient(app) as client:
        post(client, token, PIECE)
        post(client, token, DELETE)
    clocks.now += timedelta(days=7) - timedelta(seconds=1)
    assert handler(job, FakeLambdaContext())["erased"] == 0  # not yet
    clocks.now += timedelta(seconds=1)
    assert handler(job, FakeLambdaContext()) == {
        "job": "erase-due-accounts",
        "erased": 1,
        "unfinished": 0,
        "movedDeletionLocks": 0,
    }
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool, Username=user_id)
    assert handler(job, FakeLambdaContext())["erased"] == 0  # idempotent: nothing left to do
    with TestClient(app) as client:
        assert post(client, token, "{ pieces { nodes { id } } }")["data"]["pieces"]["nodes"] == []


def test_the_scheduled_job_publishes_what_it_erased_and_left_unfinished(
    settings: Settings, token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clocks = Clocks()
    handler = make_handler(create_app(services=services_with(settings, clocks)))
    drain_erasures(handler, clocks, year=2035)
    with TestClient(create_app(services=services_with(settings, clocks))) as client:
        post(client, token, DELETE)
    clocks.now += timedelta(days=7)
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools warns of a run with no metrics to publish
        assert handler({"tetherJob": "erase-due-accounts"}, FakeLambdaContext())["erased"] == 1
    printed = capsys.readouterr().out
    emf = next(json.loads(line) for line in printed.splitlines() if '"_aws"' in line)
    assert (emf["ErasedAccounts"], emf["UnfinishedErasures"]) == ([1.0], [0.0])
    names = {metric["Name"] for metric in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert {"ErasedAccounts", "UnfinishedErasures"} <= names


def test_the_lock_is_read_once_per_container_and_reaches_other_containers_within_the_cache_time(
    settings: Settings, token: str
) -> None:
    clocks = Clocks()
    first, second = services_with(settings, clocks), services_with(settings, clocks)
    with TestClient(create_app(services=first)) as one, TestClient(create_app(services=second)) as two:
        assert "errors" not in post(two, token, "{ pieces { nodes { id } } }")  # caches "not pending"
        post(one, token, DELETE)
        assert (
            post(one, token, "{ pieces { nodes { id } } }")["errors"][0]["extensions"]["reason"]
            == "DELETION_PENDING"
        )
        with record_calls() as calls:
            for _ in range(5):
                post(one, token, "{ pieces { nodes { id } } }")
        assert not [keys for keys in calls.keys_read("GetItem") if keys[1] in ("SIGNINS", "DELETION")]
        clocks.seconds += CACHE_SECONDS - 1
        assert "errors" not in post(two, token, "{ pieces { nodes { id } } }")  # within the bound
        clocks.seconds += 1
        assert (
            post(two, token, "{ pieces { nodes { id } } }")["errors"][0]["extensions"]["reason"]
            == "DELETION_PENDING"
        )


def test_no_grace_period_erases_at_once(gql: Any) -> None:
    assert gql(DELETE)["data"]["deleteMyAccount"]["complete"] is True
