"""App Store purchases: StoreKit 2 signed transactions verified offline, and Server Notifications V2."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from starlette.testclient import TestClient

from app import create_app, make_handler
from tests.catalog.conftest import new_collection, new_track
from tests.conftest import Clock, GraphQLClient
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.entitlements.apple import AppleChain, notification, renewal, transaction
from tests.entitlements.conftest import LIFETIME, MONTHLY, mine
from tests.operations import operation
from tether.entitlements import apple
from tether.entitlements.apple import APPLE_ROOT_CA_G3, APPLE_ROOT_CA_G3_SHA256, AppStore, pinned_roots
from tether.errors import ConfigurationError
from tether.services import Services
from tether.settings import Settings

ROUTE = "/webhooks/app-store"


@pytest.fixture
def chain(clock: Clock) -> AppleChain:
    return AppleChain(clock.now)


@pytest.fixture
def entitlement_settings(entitlement_settings: Settings, chain: AppleChain, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        entitlement_settings,
        apple_bundle_id="com.example.tether",
        apple_environments="Sandbox",
        apple_root_certificates=str(chain.write_root(tmp_path)),
    )


@pytest.fixture
def account(make_token: Callable[..., str], client: TestClient) -> tuple[str, GraphQLClient]:
    """A user whose id is a UUID (as Cognito's are), so the app can pass it as appAccountToken."""
    user = str(uuid.uuid4())
    return user, GraphQLClient(client, make_token(user))


def redeem(gql: GraphQLClient, signed: str) -> dict[str, Any]:
    body: dict[str, Any] = gql(
        operation("RedeemPurchase"), {"input": {"store": "APP_STORE", "signedTransaction": signed}}
    )
    return body


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions["reason"]


def test_a_verified_transaction_grants_its_products_entitlements(
    gql: GraphQLClient, chain: AppleChain, clock: Clock
) -> None:
    signed = chain.sign(transaction(LIFETIME, signed_at=clock.now, expires=None))
    body = redeem(gql, signed)
    assert "errors" not in body, body
    granted = body["data"]["redeemPurchase"]["entitlements"]
    assert sorted((e["name"], e["source"], e["status"], e["expiresAt"]) for e in granted) == [
        ("premium", "APP_STORE", "ACTIVE", None),
        ("reports", "APP_STORE", "ACTIVE", None),
    ]
    assert mine(gql)["features"] == ["doctor_reports", "offline_downloads"]
    again = redeem(gql, signed)  # restoring purchases sends it again: nothing changes
    assert [e["version"] for e in again["data"]["redeemPurchase"]["entitlements"]] == [
        e["version"] for e in granted
    ]


def test_bad_transactions_are_refused_and_grant_nothing(
    gql: GraphQLClient, chain: AppleChain, clock: Clock, make_token: Callable[..., str], client: TestClient
) -> None:
    now = clock.now
    month = now + timedelta(days=30)
    cases = [
        (
            transaction(MONTHLY, signed_at=now - timedelta(days=31), expires=now - timedelta(days=1)),
            ("BAD_USER_INPUT", "PURCHASE_EXPIRED"),
        ),
        (
            transaction(MONTHLY, signed_at=now, expires=month, bundle_id="com.other.app"),
            ("BAD_USER_INPUT", "WRONG_APP"),
        ),
        (
            transaction(MONTHLY, signed_at=now, expires=month, environment="Production"),
            ("BAD_USER_INPUT", "WRONG_ENVIRONMENT"),
        ),
        (
            transaction("com.example.unknown", signed_at=now, expires=month),
            ("BAD_USER_INPUT", "UNKNOWN_PRODUCT"),
        ),
        (
            transaction(MONTHLY, signed_at=now, expires=month, account=str(uuid.uuid4())),
            ("FORBIDDEN", "PURCHASE_OF_ANOTHER_ACCOUNT"),
        ),
        (
            transaction(MONTHLY, signed_at=now, expires=month, revoked_at=now),
            ("FORBIDDEN", "PURCHASE_REVOKED"),
        ),
    ]
    for payload, expected in cases:
        assert refusal(redeem(gql, chain.sign(payload))) == expected, payload
    # Tampered: a payload changed after signing (a longer expiry) no longer matches its signature.
    header, claims, signature = chain.sign(transaction(MONTHLY, signed_at=now, expires=month)).split(".")
    forged = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged["expiresDate"] += 10 * 365 * 86_400_000
    tampered = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert refusal(redeem(gql, f"{header}.{tampered}.{signature}")) == ("BAD_USER_INPUT", "INVALID_SIGNATURE")
    # Signed by a chain that does not lead to the trusted root.
    stranger = AppleChain(now)
    assert refusal(redeem(gql, stranger.sign(transaction(MONTHLY, signed_at=now, expires=month)))) == (
        "BAD_USER_INPUT",
        "INVALID_SIGNATURE",
    )
    assert mine(gql)["entitlements"] == []
    # Replayed: the purchase belongs to the account that redeemed it first.
    signed = chain.sign(transaction(MONTHLY, signed_at=now, expires=month, original="2000000000000099"))
    assert "errors" not in redeem(gql, signed)
    other = GraphQLClient(client, make_token(f"user-{uuid.uuid4()}"))
    assert refusal(redeem(other, signed)) == ("FORBIDDEN", "PURCHASE_CLAIMED")
    assert mine(other)["entitlements"] == []


def test_the_pinned_apple_root_refuses_a_test_chain(
    entitlement_settings: Settings,
    chain: AppleChain,
    clock: Clock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = dataclasses.replace(entitlement_settings, apple_root_certificates=None)
    [root] = pinned_roots(real)
    assert hashlib.sha256(root).hexdigest() == APPLE_ROOT_CA_G3_SHA256
    pinned = x509.load_pem_x509_certificate(APPLE_ROOT_CA_G3.read_bytes())
    assert (
        pinned.subject.rfc4514_string()
        == "C=US,O=Apple Inc.,OU=Apple Certification Authority,CN=Apple Root CA - G3"
    )
    app_store = AppStore.from_settings(real)
    assert app_store is not None
    signed = chain.sign(transaction(MONTHLY, signed_at=clock.now, expires=clock.now + timedelta(days=30)))
    with pytest.raises(Exception, match="not signed by the App Store") as refused:
        app_store.transaction(signed)
    assert getattr(refused.value, "extensions", {})["reason"] == "INVALID_SIGNATURE"
    # The test chain verifies only where its root is configured, which prod refuses.
    test_store = AppStore.from_settings(entitlement_settings)
    assert test_store is not None
    assert test_store.transaction(signed).productId == MONTHLY
    with pytest.raises(ConfigurationError, match="refused in prod"):
        dataclasses.replace(entitlement_settings, stage="prod", cursor_secret="x" * 32)
    with pytest.raises(ConfigurationError, match="TETHER_APPLE_APP_ID"):
        AppStore.from_settings(dataclasses.replace(real, apple_environments="Production,Sandbox"))
    with pytest.raises(ConfigurationError, match="not Production or Sandbox"):
        AppStore.from_settings(dataclasses.replace(real, apple_environments="Xcode"))  # unsigned data
    monkeypatch.setattr(apple, "APPLE_ROOT_CA_G3", chain.write_root(tmp_path))  # the pinned file swapped
    with pytest.raises(ConfigurationError, match="SHA-256 differs"):
        pinned_roots(real)


def post(client: TestClient, body: dict[str, str]) -> tuple[int, dict[str, Any]]:
    response = client.post(ROUTE, json=body)  # no Authorization: the route is public
    return response.status_code, response.json()


def test_a_refund_notification_revokes_and_the_next_media_url_is_refused(
    client: TestClient,
    account: tuple[str, GraphQLClient],
    admin: GraphQLClient,
    chain: AppleChain,
    clock: Clock,
) -> None:
    user, gql = account
    collection = new_collection(admin, requires="premium")["id"]
    track = new_track(admin, collection, media={"audio": "catalog/t/a.mp3"})["id"]
    start, month = clock.now, clock.now + timedelta(days=30)
    original = "2000000000000777"
    first = chain.sign(transaction(MONTHLY, signed_at=start, expires=month, original=original, account=user))
    assert "errors" not in redeem(gql, first)
    assert "errors" not in gql(operation("MediaUrl"), {"trackId": track, "kind": "AUDIO"})

    clock.advance(days=30)
    renewed = chain.sign(
        transaction(
            MONTHLY,
            signed_at=clock.now,
            expires=clock.now + timedelta(days=30),
            original=original,
            account=user,
        )
    )
    renewal_info = chain.sign(renewal(original, MONTHLY, signed_at=clock.now))
    status, answer = post(
        client,
        notification(
            chain, "DID_RENEW", signed_at=clock.now, signed_transaction=renewed, signed_renewal=renewal_info
        ),
    )
    assert (status, answer) == (200, {"outcome": "APPLIED"})
    [entitlement] = mine(gql)["entitlements"]
    assert (entitlement["status"], entitlement["willRenew"], entitlement["reason"]) == (
        "ACTIVE",
        True,
        "DID_RENEW",
    )

    clock.advance(days=2)
    refunded = chain.sign(
        transaction(
            MONTHLY,
            signed_at=clock.now,
            expires=clock.now + timedelta(days=28),
            original=original,
            account=user,
            revoked_at=clock.now,
        )
    )
    refund = notification(chain, "REFUND", signed_at=clock.now, signed_transaction=refunded)
    assert post(client, refund) == (200, {"outcome": "APPLIED"})
    [entitlement] = mine(gql)["entitlements"]
    assert (entitlement["status"], entitlement["reason"]) == ("REVOKED", "REFUND")
    body = gql(operation("MediaUrl"), {"trackId": track, "kind": "AUDIO"})
    assert body["errors"][0]["extensions"] == {
        "code": "FORBIDDEN",
        "reason": "ENTITLEMENT_REQUIRED",
        "entitlement": "premium",
    }

    version = entitlement["version"]
    assert post(client, refund) == (200, {"outcome": "DUPLICATE"})  # Apple retries: applied once
    late = notification(
        chain, "DID_RENEW", signed_at=clock.now - timedelta(days=1), signed_transaction=renewed
    )
    assert post(client, late) == (200, {"outcome": "APPLIED"})  # an older state arriving late...
    assert refusal(redeem(gql, renewed)) == ("FORBIDDEN", "PURCHASE_REVOKED")  # ...or replayed by the app
    [entitlement] = mine(gql)["entitlements"]
    assert (entitlement["status"], entitlement["version"]) == ("REVOKED", version)


def test_notifications_reach_the_account_named_by_app_account_token(
    client: TestClient, account: tuple[str, GraphQLClient], chain: AppleChain, clock: Clock
) -> None:
    user, gql = account
    original = "2000000000000555"
    expires = clock.now + timedelta(days=30)
    signed = chain.sign(
        transaction(MONTHLY, signed_at=clock.now, expires=expires, original=original, account=user)
    )
    assert post(
        client,
        notification(
            chain, "SUBSCRIBED", subtype="INITIAL_BUY", signed_at=clock.now, signed_transaction=signed
        ),
    ) == (
        200,
        {"outcome": "APPLIED"},
    )
    [entitlement] = mine(gql)["entitlements"]
    assert (entitlement["status"], entitlement["reason"]) == ("ACTIVE", "SUBSCRIBED.INITIAL_BUY")

    # Billing failed at renewal: Apple's grace period keeps it usable, then it expires.
    clock.now = expires
    grace = chain.sign(
        renewal(original, MONTHLY, signed_at=clock.now, grace_until=clock.now + timedelta(days=6))
    )
    failed = notification(
        chain,
        "DID_FAIL_TO_RENEW",
        subtype="GRACE_PERIOD",
        signed_at=clock.now,
        signed_transaction=signed,
        signed_renewal=grace,
    )
    assert post(client, failed)[0] == 200
    assert mine(gql)["entitlements"][0]["status"] == "GRACE"
    assert mine(gql)["features"] == ["offline_downloads"]
    clock.advance(days=6)
    assert mine(gql)["entitlements"][0]["status"] == "EXPIRED"
    assert mine(gql)["features"] == []


def test_the_notification_route_refuses_what_apple_did_not_sign(
    client: TestClient, chain: AppleChain, clock: Clock
) -> None:
    stranger = AppleChain(clock.now)
    forged = notification(stranger, "TEST", signed_at=clock.now, signed_transaction=None)
    status, body = post(client, forged)
    assert (status, body["reason"]) == (401, "INVALID_SIGNATURE")
    assert post(client, notification(chain, "TEST", signed_at=clock.now, signed_transaction=None)) == (
        200,
        {"outcome": "IGNORED"},
    )
    assert client.post(ROUTE, content=b"not json").status_code == 400
    assert client.post(ROUTE, json={"signedPayload": "a.b.c"}).status_code == 401


@pytest.fixture
def unconfigured(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(services=Services.build(settings))) as test_client:
        yield test_client


def test_without_a_bundle_id_app_store_purchases_are_unavailable(
    unconfigured: TestClient, make_token: Callable[..., str]
) -> None:
    gql = GraphQLClient(unconfigured, make_token(f"user-{uuid.uuid4()}"))
    assert refusal(redeem(gql, "a.b.c")) == ("BAD_USER_INPUT", "STORE_NOT_CONFIGURED")


def test_an_erased_account_lets_go_of_its_purchases(
    gql: GraphQLClient, chain: AppleChain, clock: Clock, client: TestClient, make_token: Callable[..., str]
) -> None:
    signed = chain.sign(
        transaction(
            MONTHLY, signed_at=clock.now, expires=clock.now + timedelta(days=30), original="2000000000000333"
        )
    )
    assert "errors" not in redeem(gql, signed)
    erased = gql(operation("DeleteMyAccount"), {"confirm": "DELETE"})["data"]["deleteMyAccount"]
    assert erased["complete"] is True
    newcomer = GraphQLClient(client, make_token(f"user-{uuid.uuid4()}"))
    assert [e["name"] for e in redeem(newcomer, signed)["data"]["redeemPurchase"]["entitlements"]] == [
        "premium"
    ]


def test_the_lambda_serves_the_notification_route_without_an_authorizer(
    services: Services, chain: AppleChain, clock: Clock, account: tuple[str, GraphQLClient]
) -> None:
    user, gql = account
    handler = make_handler(create_app(services=services))
    event = load_event("http_api_post_app_store_notification.json")
    assert "authorizer" not in event["requestContext"]  # the route has none: the JWS is the proof
    signed = chain.sign(
        transaction(
            MONTHLY,
            signed_at=clock.now,
            expires=clock.now + timedelta(days=30),
            original="2000000000000444",
            account=user,
        )
    )
    event["body"] = json.dumps(
        notification(chain, "SUBSCRIBED", signed_at=clock.now, signed_transaction=signed)
    )
    response = handler(event, FakeLambdaContext())
    assert (response["statusCode"], json.loads(response["body"])) == (200, {"outcome": "APPLIED"})
    assert [e["status"] for e in mine(gql)["entitlements"]] == ["ACTIVE"]
