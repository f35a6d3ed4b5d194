"""The token matrix: every rule, for each token type and each issuer, against a local JWKS per issuer."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from starlette.testclient import TestClient

from app import create_app, make_handler
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.identity.conftest import (
    COGNITO_ISSUER,
    COGNITO_OTHER_CLIENT,
    GOOGLE_CLIENTS,
    FakeClock,
    JwksServer,
    apple_claims,
    cognito_claims,
    google_claims,
    rsa_key,
)
from tether.auth import Authenticator, User
from tether.errors import ConfigurationError, Unauthenticated
from tether.settings import Settings

# (issuer, claims, None if accepted else the reason's substring)
ACCEPTED: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
    ("cognito id token", "cognito", lambda: cognito_claims("id", sub="c-1")),
    ("cognito access token", "cognito", lambda: cognito_claims("access", sub="c-1")),
    ("google, https issuer", "google", lambda: google_claims()),
    ("google, bare issuer", "google", lambda: google_claims(iss="accounts.google.com")),
    ("google, second client id", "google", lambda: google_claims(aud=GOOGLE_CLIENTS[1], azp=None)),
    ("apple id token", "apple", lambda: apple_claims()),
]
REFUSED: list[tuple[str, str, Callable[[], dict[str, Any]], str]] = [
    ("cognito without token_use", "cognito", lambda: cognito_claims("id", token_use=None), "token_use"),
    ("cognito refresh token_use", "cognito", lambda: cognito_claims("id", token_use="refresh"), "token_use"),
    (
        "access token checked on aud only",
        "cognito",
        lambda: cognito_claims("access", client_id=None, aud="app-client-1"),
        "client_id",
    ),
    (
        "access token of another app client",
        "cognito",
        lambda: cognito_claims("access", client_id=COGNITO_OTHER_CLIENT),
        "client_id",
    ),
    (
        "id token checked on client_id only",
        "cognito",
        lambda: cognito_claims("id", aud=COGNITO_OTHER_CLIENT, client_id="app-client-1"),
        "aud",
    ),
    ("id token without aud", "cognito", lambda: cognito_claims("id", aud=None), "aud"),
    ("cognito expired", "cognito", lambda: cognito_claims("id", exp=int(time.time()) - 3600), "expired"),
    ("cognito without exp", "cognito", lambda: cognito_claims("id", exp=None), "invalid"),
    ("cognito without iat", "cognito", lambda: cognito_claims("id", iat=None), "invalid"),
    (
        "cognito from the future",
        "cognito",
        lambda: cognito_claims("id", iat=int(time.time()) + 3600),
        "invalid",
    ),
    ("another user pool", "cognito", lambda: cognito_claims("id", iss=COGNITO_ISSUER + "x"), "not trusted"),
    (
        "google other client",
        "google",
        lambda: google_claims(aud="someone-else.apps.googleusercontent.com"),
        "aud",
    ),
    (
        "google several audiences, azp elsewhere",
        "google",
        lambda: google_claims(aud=[GOOGLE_CLIENTS[0], "x"], azp="x"),
        "azp",
    ),
    ("google expired", "google", lambda: google_claims(exp=int(time.time()) - 3600), "expired"),
    (
        "google look-alike issuer",
        "google",
        lambda: google_claims(iss="https://accounts.google.com.evil"),
        "not trusted",
    ),
    ("apple other client", "apple", lambda: apple_claims(aud="com.example.other"), "aud"),
    ("apple without aud", "apple", lambda: apple_claims(aud=None), "aud"),
    ("apple expired", "apple", lambda: apple_claims(exp=int(time.time()) - 3600), "expired"),
]


@pytest.fixture
def authenticator(issuer_settings: Settings, clock: FakeClock) -> Authenticator:
    return Authenticator(issuer_settings, clock=clock)


def reason_of(authenticator: Authenticator, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        authenticator.verify(token)
    return refused.value.message


@pytest.mark.parametrize(("case", "issuer", "claims"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_valid_tokens_of_each_issuer_and_type_are_accepted(
    authenticator: Authenticator,
    jwks: JwksServer,
    case: str,
    issuer: str,
    claims: Callable[[], dict[str, Any]],
) -> None:
    values = claims()
    user = authenticator.verify(jwks.ring(issuer).sign(values))
    assert user.issuer == issuer
    expected_id = values["sub"] if issuer == "cognito" else f"{issuer}:{values['sub']}"
    assert user.id == expected_id


@pytest.mark.parametrize(("case", "issuer", "claims", "reason"), REFUSED, ids=[c[0] for c in REFUSED])
def test_tokens_breaking_a_rule_are_refused(
    authenticator: Authenticator,
    jwks: JwksServer,
    case: str,
    issuer: str,
    claims: Callable[[], dict[str, Any]],
    reason: str,
) -> None:
    assert reason in reason_of(authenticator, jwks.ring(issuer).sign(claims()))


@pytest.mark.parametrize("issuer", ["cognito", "google", "apple"])
def test_a_token_signed_by_another_key_or_issuer_is_refused(
    authenticator: Authenticator, jwks: JwksServer, issuer: str
) -> None:
    claims = {"cognito": cognito_claims, "google": google_claims, "apple": apple_claims}[issuer]()
    stranger = rsa_key("stranger", 0)
    kid = jwks.ring(issuer).current[0]
    assert reason_of(authenticator, jwks.ring(issuer).sign(claims, kid=kid, key=stranger)) == (
        "The token is invalid"
    )
    # Signed with a genuine key, of another trusted issuer.
    other = "apple" if issuer != "apple" else "google"
    other_kid, other_key = jwks.ring(other).current
    assert reason_of(authenticator, jwks.ring(issuer).sign(claims, kid=other_kid, key=other_key)) in (
        "The token is invalid",
        "The token's signing key is unknown",
    )


@pytest.mark.parametrize("algorithm", ["none", "HS256"])
def test_algorithm_confusion_is_refused(
    authenticator: Authenticator, jwks: JwksServer, algorithm: str
) -> None:
    kid, _key = jwks.ring("cognito").current
    secret = "" if algorithm == "none" else jwks.ring("cognito").jwks()["keys"][0]["n"]
    token = jwt.encode(cognito_claims(), secret, algorithm=algorithm, headers={"kid": kid})
    assert reason_of(authenticator, token) == "The token is invalid"


def test_google_email_is_used_only_when_verified(authenticator: Authenticator, jwks: JwksServer) -> None:
    ring = jwks.ring("google")
    assert authenticator.verify(ring.sign(google_claims())).email == "kai@example.com"
    assert authenticator.verify(ring.sign(google_claims(email_verified=False))).email is None
    assert authenticator.verify(ring.sign(google_claims(email_verified=None))).email is None


def test_only_cognito_tokens_carry_groups(authenticator: Authenticator, jwks: JwksServer) -> None:
    forged_admin = google_claims(**{"cognito:groups": ["admin"]})
    assert authenticator.verify(jwks.ring("google").sign(forged_admin)).is_admin is False
    admin = {**cognito_claims(), "cognito:groups": ["admin"]}
    assert authenticator.verify(jwks.ring("cognito").sign(admin)).is_admin is True


def test_one_sub_at_two_issuers_is_two_accounts(authenticator: Authenticator, jwks: JwksServer) -> None:
    sub = "110169484474386276334"
    ids = {
        authenticator.verify(jwks.ring("cognito").sign(cognito_claims(sub=sub))).id,
        authenticator.verify(jwks.ring("google").sign(google_claims(sub=sub))).id,
        authenticator.verify(jwks.ring("apple").sign(apple_claims(sub=sub))).id,
    }
    assert len(ids) == 3


def test_cognito_tokens_carry_the_sign_in(authenticator: Authenticator, jwks: JwksServer) -> None:
    claims = cognito_claims("access", origin_jti="sign-in-1", auth_time=1_700_000_000)
    user = authenticator.verify(jwks.ring("cognito").sign(claims))
    assert (user.origin_jti, user.authenticated_at) == ("sign-in-1", 1_700_000_000)


def test_dev_tokens_follow_cognitos_rules(settings: Settings, dev_key_dir: Any) -> None:
    authenticator = Authenticator(settings)
    private = (dev_key_dir / "private.pem").read_bytes()
    now = int(time.time())
    base = {"sub": "dev-user", "iss": "tether-dev", "aud": "tether-dev", "iat": now, "exp": now + 60}
    without_use = jwt.encode(base, private, algorithm="ES256")
    assert "token_use" in reason_of(authenticator, without_use)
    from localdev import tokens

    user = authenticator.verify(tokens.mint("dev-user", key_dir=dev_key_dir))
    assert user.origin_jti
    assert user.authenticated_at


# ---- JWKS rotation (an injected clock; the refetch is rate-limited to once a minute)


def test_a_rotated_key_is_fetched_on_its_first_token_at_most_once_a_minute(
    authenticator: Authenticator, jwks: JwksServer, clock: FakeClock
) -> None:
    ring = jwks.ring("cognito")
    authenticator.verify(ring.sign(cognito_claims()))
    assert ring.requests == 1
    authenticator.verify(ring.sign(cognito_claims()))
    assert ring.requests == 1  # cached

    clock.advance(10)
    ring.rotate()  # the pool rotates its key: tokens now carry a kid this process has never seen
    rotated = ring.sign(cognito_claims())
    with pytest.raises(Unauthenticated, match="signing key is unknown"):
        authenticator.verify(rotated)  # refetched only 10 s after the last fetch: not yet
    assert ring.requests == 1

    clock.advance(50)
    assert authenticator.verify(rotated).issuer == "cognito"
    assert ring.requests == 2

    # A flood of made-up kids costs one fetch a minute, not one per request.
    for _ in range(50):
        with pytest.raises(Unauthenticated):
            authenticator.verify(ring.sign(cognito_claims(), kid=f"made-up-{uuid.uuid4()}"))
    assert ring.requests == 2
    clock.advance(60)
    with pytest.raises(Unauthenticated):
        authenticator.verify(ring.sign(cognito_claims(), kid="made-up"))
    assert ring.requests == 3


def test_a_jwks_outage_keeps_the_keys_already_fetched(
    authenticator: Authenticator, jwks: JwksServer, clock: FakeClock
) -> None:
    ring = jwks.ring("cognito")
    token = ring.sign(cognito_claims())
    authenticator.verify(token)
    del jwks.rings["cognito"]  # the endpoint now answers 404
    clock.advance(3600)  # the keys are due for a refresh, which fails
    assert authenticator.verify(token).issuer == "cognito"


# ---- through HTTP and the Lambda handler


def test_each_issuer_signs_in_through_http(issuer_settings: Settings, jwks: JwksServer) -> None:
    tokens = {
        "cognito": jwks.ring("cognito").sign(cognito_claims(sub="http-c")),
        "google": jwks.ring("google").sign(google_claims(sub="http-g")),
        "apple": jwks.ring("apple").sign(apple_claims(sub="http-a")),
    }
    with TestClient(create_app(issuer_settings)) as client:
        for issuer, token in tokens.items():
            response = client.post(
                "/graphql", json={"query": "{ me { id } }"}, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.json()["data"]["me"]["id"].endswith(f"http-{issuer[0]}"), response.json()


def test_two_authorization_headers_are_an_invalid_request(
    client: TestClient, token: str, make_token: Any
) -> None:
    other = make_token("someone-else")
    response = client.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {other}")],
    )
    assert response.status_code == 400
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_request"'
    assert response.json()["errors"][0]["extensions"]["reason"] == "INVALID_REQUEST"
    assert "data" not in response.json()


def test_two_authorization_headers_through_the_lambda_handler(
    settings: Settings, token: str, make_token: Any
) -> None:
    event = load_event("http_api_post_no_claims.json")
    # API Gateway's payload 2.0 joins repeated headers with commas.
    event["headers"]["authorization"] = f"Bearer {token},Bearer {make_token('someone-else')}"
    response = make_handler(create_app(settings))(event, FakeLambdaContext())
    assert response["statusCode"] == 400


def test_prod_refuses_to_start_without_an_audience(settings: Settings) -> None:
    prod = {**settings.__dict__, "stage": "prod", "dev_public_key_file": None, "cursor_secret": "s"}
    with pytest.raises(ConfigurationError, match="TETHER_JWT_AUDIENCE"):
        Settings(**{**prod, "jwt_issuer": COGNITO_ISSUER, "jwt_audience": None})
    with pytest.raises(ConfigurationError, match="TETHER_JWT_AUDIENCE"):
        Settings.from_env(
            {"TETHER_STAGE": "prod", "TETHER_CURSOR_SECRET": "s", "TETHER_JWT_ISSUER": COGNITO_ISSUER}
        )
    assert Settings(**{**prod, "jwt_issuer": COGNITO_ISSUER, "jwt_audience": "app-client-1"}).is_prod


def test_the_user_type_is_the_account() -> None:
    assert User("x").issuer == "cognito"


@pytest.mark.parametrize("issuer", ["cognito", "google", "apple"])
def test_each_issuer_signs_in_through_the_lambda_handler_without_an_authorizer(
    issuer_settings: Settings, jwks: JwksServer, issuer: str
) -> None:
    claims = {"cognito": cognito_claims, "google": google_claims, "apple": apple_claims}[issuer]()
    event = load_event("http_api_post_no_claims.json")
    event["headers"]["authorization"] = f"Bearer {jwks.ring(issuer).sign(claims)}"
    event["body"] = '{"query": "{ me { id } }"}'
    event["isBase64Encoded"] = False
    response = make_handler(create_app(issuer_settings))(event, FakeLambdaContext())
    me = json.loads(response["body"])["data"]["me"]
    assert me["id"] == (claims["sub"] if issuer == "cognito" else f"{issuer}:{claims['sub']}")
