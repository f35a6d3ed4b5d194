"""Google Play purchases through the real clients against a local fake of Google's APIs."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.testclient import TestClient

from tests.conftest import Clock, GraphQLClient
from tests.entitlements.conftest import LIFETIME, MONTHLY, iso, mine
from tests.entitlements.play import (
    AUDIENCE,
    PACKAGE,
    PUSH_ACCOUNT,
    FakeGoogle,
    fake_google,
    push_body,
    subscription_purchase,
)
from tests.operations import operation
from tether.settings import Settings

ROUTE = "/webhooks/play"


@pytest.fixture(scope="module")
def google() -> Iterator[FakeGoogle]:
    with fake_google() as fake:
        yield fake


@pytest.fixture
def entitlement_settings(entitlement_settings: Settings, google: FakeGoogle, tmp_path: Path) -> Settings:
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps(google.service_account()))
    return dataclasses.replace(
        entitlement_settings,
        play_package_name=PACKAGE,
        play_credentials_file=str(key),
        play_api_url=google.url,
        play_push_audience=AUDIENCE,
        play_push_service_account=PUSH_ACCOUNT,
        play_push_jwks_url=f"{google.url}/jwks",
    )


def redeem(gql: GraphQLClient, token: str, product: str = MONTHLY) -> dict[str, Any]:
    body: dict[str, Any] = gql(
        operation("RedeemPurchase"),
        {"input": {"store": "PLAY", "purchaseToken": token, "productId": product}},
    )
    return body


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions["reason"]


def new_token() -> str:
    return f"play-token-{uuid.uuid4()}.AO-J1Oz"


def later(clock: Clock, **delta: float) -> str:
    return iso(clock.now + timedelta(**delta))


def test_a_play_subscription_is_verified_granted_and_acknowledged(
    gql: GraphQLClient, google: FakeGoogle, clock: Clock, user_id: str
) -> None:
    token = new_token()
    google.purchases[token] = subscription_purchase(MONTHLY, later(clock, days=30), account=user_id)
    body = redeem(gql, token)
    assert "errors" not in body, body
    [granted] = body["data"]["redeemPurchase"]["entitlements"]
    assert (granted["name"], granted["source"], granted["status"], granted["willRenew"]) == (
        "premium",
        "PLAY",
        "ACTIVE",
        True,
    )
    assert granted["expiresAt"][:19] == later(clock, days=30)[:19]
    assert (MONTHLY, token) in google.acknowledged  # else Play refunds it after 3 days
    assert google.token_requests >= 1  # the service account signed in with its own key
    clock.advance(days=30)
    assert mine(gql)["entitlements"][0]["status"] == "EXPIRED"


def test_bad_play_purchases_are_refused(
    gql: GraphQLClient, google: FakeGoogle, clock: Clock, client: TestClient, make_token: Callable[..., str]
) -> None:
    unknown = new_token()
    assert refusal(redeem(gql, unknown)) == ("BAD_USER_INPUT", "INVALID_PURCHASE")
    expired, other, pending, mine_token = new_token(), new_token(), new_token(), new_token()
    google.purchases[expired] = subscription_purchase(
        MONTHLY, later(clock, days=-1), "SUBSCRIPTION_STATE_EXPIRED"
    )
    google.purchases[other] = subscription_purchase(MONTHLY, later(clock, days=30), account="someone-else")
    google.purchases[pending] = subscription_purchase(
        MONTHLY, later(clock, days=30), "SUBSCRIPTION_STATE_PENDING"
    )
    google.purchases[mine_token] = subscription_purchase(MONTHLY, later(clock, days=30))
    assert refusal(redeem(gql, expired)) == ("BAD_USER_INPUT", "PURCHASE_EXPIRED")
    assert refusal(redeem(gql, other)) == ("FORBIDDEN", "PURCHASE_OF_ANOTHER_ACCOUNT")
    assert refusal(redeem(gql, pending)) == ("BAD_USER_INPUT", "PURCHASE_PENDING")
    assert refusal(redeem(gql, mine_token, "com.example.unknown")) == ("BAD_USER_INPUT", "UNKNOWN_PRODUCT")
    assert mine(gql)["entitlements"] == []
    assert "errors" not in redeem(gql, mine_token)
    replayed = GraphQLClient(client, make_token(f"user-{uuid.uuid4()}"))
    assert refusal(redeem(replayed, mine_token)) == ("FORBIDDEN", "PURCHASE_CLAIMED")


def push(
    client: TestClient,
    google: FakeGoogle,
    clock: Clock,
    data: dict[str, Any],
    message_id: str | None = None,
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    bearer = token or google.push_token(issued=clock.now.timestamp())
    response = client.post(
        ROUTE,
        json=push_body(data, message_id or str(uuid.uuid4())),
        headers={"Authorization": f"Bearer {bearer}"},
    )
    return response.status_code, response.json()


def rtdn(token: str, kind: int, clock: Clock, product: str = MONTHLY) -> dict[str, Any]:
    return {
        "version": "1.0",
        "packageName": PACKAGE,
        "eventTimeMillis": str(int(clock.now.timestamp() * 1000)),
        "subscriptionNotification": {
            "version": "1.0",
            "notificationType": kind,
            "purchaseToken": token,
            "subscriptionId": product,
        },
    }


def test_rtdn_pushes_update_the_account_once_each(
    client: TestClient, gql: GraphQLClient, google: FakeGoogle, clock: Clock, user_id: str
) -> None:
    token = new_token()
    google.purchases[token] = subscription_purchase(
        MONTHLY, later(clock, days=30), account=user_id, acknowledged=True
    )
    # SUBSCRIPTION_PURCHASED (4) before the app redeemed it: the obfuscated account id names the account.
    assert push(client, google, clock, rtdn(token, 4, clock)) == (200, {"outcome": "APPLIED"})
    assert mine(gql)["entitlements"][0]["status"] == "ACTIVE"

    clock.advance(days=30)
    google.purchases[token] = subscription_purchase(
        MONTHLY, later(clock, days=3), "SUBSCRIPTION_STATE_IN_GRACE_PERIOD", account=user_id
    )
    message = str(uuid.uuid4())
    assert push(client, google, clock, rtdn(token, 6, clock), message) == (200, {"outcome": "APPLIED"})
    [entitlement] = mine(gql)["entitlements"]
    assert entitlement["status"] == "GRACE"
    assert push(client, google, clock, rtdn(token, 6, clock), message) == (200, {"outcome": "DUPLICATE"})
    assert mine(gql)["entitlements"][0]["version"] == entitlement["version"]

    # SUBSCRIPTION_REVOKED (12): refunded and revoked; redeeming it again is refused.
    google.purchases[token] = subscription_purchase(
        MONTHLY, later(clock, days=-1), "SUBSCRIPTION_STATE_EXPIRED", account=user_id
    )
    assert push(client, google, clock, rtdn(token, 12, clock)) == (200, {"outcome": "APPLIED"})
    assert mine(gql)["entitlements"][0]["status"] == "REVOKED"
    assert (
        push(client, google, clock, rtdn(token, 13, clock))[1]["outcome"] == "IGNORED"
    )  # EXPIRED after revoke
    assert mine(gql)["entitlements"][0]["status"] == "REVOKED"
    assert refusal(redeem(gql, token)) == ("FORBIDDEN", "PURCHASE_REVOKED")


def test_a_voided_purchase_revokes_it(
    client: TestClient, gql: GraphQLClient, google: FakeGoogle, clock: Clock
) -> None:
    token = new_token()
    google.purchases[token] = subscription_purchase(MONTHLY, later(clock, days=30))
    assert "errors" not in redeem(gql, token)
    voided = {
        "version": "1.0",
        "packageName": PACKAGE,
        "eventTimeMillis": "1",
        "voidedPurchaseNotification": {
            "purchaseToken": token,
            "orderId": "GPA.1",
            "productType": 1,
            "refundType": 1,
        },
    }
    assert push(client, google, clock, voided) == (200, {"outcome": "APPLIED"})
    [entitlement] = mine(gql)["entitlements"]
    assert (entitlement["status"], entitlement["reason"]) == ("REVOKED", "REFUND")


def test_pushes_without_pubsubs_token_are_refused(
    client: TestClient, google: FakeGoogle, clock: Clock, gql: GraphQLClient, user_id: str
) -> None:
    token = new_token()
    google.purchases[token] = subscription_purchase(MONTHLY, later(clock, days=30), account=user_id)
    data = rtdn(token, 4, clock)
    stranger = rsa.generate_private_key(65537, 2048)
    now = clock.now.timestamp()
    forged = [
        google.push_token(audience="https://elsewhere.example.com", issued=now),
        google.push_token(email="attacker@example.com", issued=now),
        google.push_token(key=stranger, issued=now),
        google.push_token(issued=now - 7200),  # expired an hour ago by the injected clock
    ]
    for bearer in forged:
        status, body = push(client, google, clock, data, token=bearer)
        assert (status, body["reason"]) == (401, "INVALID_TOKEN"), bearer
    response = client.post(ROUTE, json=push_body(data, "m-1"))
    assert (response.status_code, response.json()["reason"]) == (401, "MISSING_TOKEN")
    assert mine(gql)["entitlements"] == []
    other_app = {**data, "packageName": "com.other.app"}
    assert push(client, google, clock, other_app) == (200, {"outcome": "IGNORED"})


def test_play_state_to_grant_covers_hold_and_pause(google: FakeGoogle) -> None:
    from tether.entitlements.play import PlayState
    from tether.entitlements.purchases import _play_grant

    now = datetime.fromisoformat("2026-05-01T00:00:00+00:00")
    for state in ("SUBSCRIPTION_STATE_ON_HOLD", "SUBSCRIPTION_STATE_PAUSED"):
        play = PlayState.of(subscription_purchase(MONTHLY, "2026-06-01T00:00:00Z", state), MONTHLY)
        assert play is not None
        grant = _play_grant(play, ("premium",), "ref", MONTHLY, now, "RTDN_5")
        assert grant.expires_at == now  # not usable while on hold or paused


def test_an_upgrade_retires_the_plan_it_replaces(
    client: TestClient, gql: GraphQLClient, google: FakeGoogle, clock: Clock, user_id: str
) -> None:
    monthly = new_token()
    google.purchases[monthly] = subscription_purchase(MONTHLY, later(clock, days=30), account=user_id)
    assert "errors" not in redeem(gql, monthly)
    clock.advance(days=3)

    # The upgrade's purchase names the token it replaces; Play keeps the old one ACTIVE for a while.
    upgrade = new_token()
    google.purchases[upgrade] = subscription_purchase(
        LIFETIME, later(clock, days=365), account=user_id, replaces=monthly
    )
    assert "errors" not in redeem(gql, upgrade, LIFETIME)
    held = {(e["name"], e["productId"]): (e["status"], e["reason"]) for e in mine(gql)["entitlements"]}
    assert held == {
        ("premium", MONTHLY): ("EXPIRED", "REPLACED"),
        ("premium", LIFETIME): ("ACTIVE", "PURCHASED"),
        ("reports", LIFETIME): ("ACTIVE", "PURCHASED"),
    }

    # The old token's later notifications and a second redeem of it give the old plan nothing back.
    assert push(client, google, clock, rtdn(monthly, 2, clock))[1]["outcome"] == "IGNORED"
    assert refusal(redeem(gql, monthly)) == ("FORBIDDEN", "PURCHASE_REPLACED")
    old = [e for e in mine(gql)["entitlements"] if e["productId"] == MONTHLY]
    assert [(e["status"], e["reason"]) for e in old] == [("EXPIRED", "REPLACED")]


def test_a_new_plan_by_notification_retires_the_old_one_of_the_same_account_only(
    client: TestClient,
    gql: GraphQLClient,
    google: FakeGoogle,
    clock: Clock,
    user_id: str,
    make_token: Callable[..., str],
) -> None:
    mine_old = new_token()
    google.purchases[mine_old] = subscription_purchase(MONTHLY, later(clock, days=30), account=user_id)
    assert "errors" not in redeem(gql, mine_old)
    # Another account's purchase named as replaced (a forged or confused link) is left alone.
    other = GraphQLClient(client, make_token(f"other-{uuid.uuid4()}"))
    theirs = new_token()
    google.purchases[theirs] = subscription_purchase(MONTHLY, later(clock, days=30))
    assert "errors" not in redeem(other, theirs)

    clock.advance(days=1)
    resubscribed = new_token()
    google.purchases[resubscribed] = subscription_purchase(
        MONTHLY, later(clock, days=30), account=user_id, replaces=mine_old, acknowledged=True
    )
    # SUBSCRIPTION_PURCHASED (4) arrives before the app redeems the new token.
    assert push(client, google, clock, rtdn(resubscribed, 4, clock)) == (200, {"outcome": "APPLIED"})
    statuses = sorted((e["status"], e["reason"]) for e in mine(gql)["entitlements"])
    assert statuses == [("ACTIVE", "ACTIVE"), ("EXPIRED", "REPLACED")]

    forged = new_token()
    google.purchases[forged] = subscription_purchase(
        MONTHLY, later(clock, days=30), account=user_id, replaces=theirs, acknowledged=True
    )
    assert push(client, google, clock, rtdn(forged, 4, clock))[1]["outcome"] == "APPLIED"
    assert [e["status"] for e in mine(other)["entitlements"]] == ["ACTIVE"]
