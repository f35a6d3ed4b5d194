"""Per-account rate limits: counted per container, settled in batches, bounded overshoot, RATE_LIMITED."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from tests import faults
from tether.errors import ConfigurationError, RateLimited
from tether.ratelimit import RateLimiter, parse_limits
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import record_calls


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 10, 59, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def app_with(settings: Settings, clock: Clock, limits: str, batch: int = 2) -> Any:
    """The deployment with these limits, on the injected clock (its limiter runs on the services' clock)."""
    configured = dataclasses.replace(settings, rate_limits=limits, rate_limit_batch=batch)
    return create_app(services=Services.build(configured, clock=clock))


def me(client: TestClient, token: str | None) -> Any:
    headers = {"Accept": "application/graphql-response+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(
        "/graphql", json={"query": "{ me { id } }" if token else "{ __typename }"}, headers=headers
    )


def test_a_signed_in_user_gets_the_hourly_limit_then_rate_limited_with_retry_after(
    settings: Settings, clock: Clock, token: str, make_token: Any
) -> None:
    with TestClient(app_with(settings, clock, "other=5")) as client:
        assert [me(client, token).status_code for _ in range(5)] == [200] * 5
        refused = me(client, token)
        assert refused.status_code == 429
        error = refused.json()["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == 61  # the hour ends at 11:00:00
        assert refused.headers["retry-after"] == "61"
        assert "data" not in refused.json()
        # Another account has its own limit.
        assert me(client, make_token(f"user-{ULID()}")).status_code == 200
        # The next hour starts afresh.
        clock.now += timedelta(seconds=61)
        assert me(client, token).status_code == 200


def test_anonymous_requests_are_limited_per_client_address(
    settings: Settings, clock: Clock, token: str
) -> None:
    with TestClient(app_with(settings, clock, "anonymous=3,other=100")) as client:
        assert [me(client, None).status_code for _ in range(4)] == [200, 200, 200, 429]
        assert me(client, token).status_code == 200  # signed-in requests are counted by account


def test_operation_classes_are_counted_separately(settings: Settings, clock: Clock, token: str) -> None:
    pull = {"query": '{ syncPull(input: {clientId: "phone"}) { cursor } }'}
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app_with(settings, clock, "other=2,sync=3")) as client:
        assert [me(client, token).status_code for _ in range(3)] == [200, 200, 429]
        assert [client.post("/graphql", json=pull, headers=headers).status_code for _ in range(4)] == [
            200,
            200,
            200,
            429,
        ]
        # A document touching two classes is charged in both (and refused if either is used up).
        both = {"query": '{ me { id } syncPull(input: {clientId: "phone"}) { cursor } }'}
        assert client.post("/graphql", json=both, headers=headers).status_code == 429


def test_containers_settle_in_batches_and_the_overshoot_is_bounded(settings: Settings, clock: Clock) -> None:
    """Three containers serving one account, limit 40, batch 5: at most 40 + 3 x 5 admitted."""
    pk = f"USER#user-{ULID()}"
    containers = [RateLimiter({"other": 40}, batch=5, clock=clock) for _ in range(3)]
    admitted = 0
    for turn in range(200):
        try:
            containers[turn % 3].charge(pk, "other")
            admitted += 1
        except RateLimited:
            pass
    assert 40 <= admitted <= 40 + 3 * 5
    for container in containers:  # every container now knows the limit is reached
        with pytest.raises(RateLimited):
            container.charge(pk, "other")


def test_dynamodb_cost_is_one_write_per_batch_and_refusals_cost_nothing(
    settings: Settings, clock: Clock
) -> None:
    pk = f"USER#user-{ULID()}"
    limiter = RateLimiter({"sync": 1000}, batch=10, clock=clock)
    with record_calls() as calls:
        for _ in range(500):
            limiter.charge(pk, "sync")
    assert calls.operations == ["UpdateItem"] * 50
    tight = RateLimiter({"sync": 20}, batch=10, clock=clock)
    other = f"USER#user-{ULID()}"
    for _ in range(20):
        tight.charge(other, "sync")
    with record_calls() as calls:
        for _ in range(100):
            with pytest.raises(RateLimited):
                tight.charge(other, "sync")
    assert calls.operations == []


def test_a_throttled_settle_admits_the_request_and_counts_it_later(settings: Settings, clock: Clock) -> None:
    pk = f"USER#user-{ULID()}"
    limiter = RateLimiter({"other": 1000}, batch=2, clock=clock)
    limiter.charge(pk, "other")
    with faults.fail("UpdateItem", faults.throttling, times=10):
        limiter.charge(pk, "other")  # the settle is throttled: admitted anyway
    with record_calls() as calls:
        limiter.charge(pk, "other")  # the third request settles all three
    assert calls.operations == ["UpdateItem"]
    assert {"N": "3"} in calls.requests[0][1]["ExpressionAttributeValues"].values()


def test_prod_limits_by_default_and_bad_settings_are_refused(settings: Settings) -> None:
    prod = Settings(
        **{**settings.__dict__, "stage": "prod", "dev_public_key_file": None, "cursor_secret": "s"}
    )
    assert parse_limits(prod.request_limits)["anonymous"] == 60
    assert settings.request_limits == ""
    with pytest.raises(ConfigurationError):
        parse_limits("sink=5")
    assert parse_limits("sync=0,chat=3") == {"chat": 3}
