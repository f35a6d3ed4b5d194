"""Signing out per issuer: Cognito and dev tokens carry `origin_jti` (a device is bound to its
sign-in); Google and Apple id tokens do not, so revoking such a device refuses its clientId only
and `signOutEverywhere` refuses their tokens by `iat` (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from localdev import tokens
from tests.conftest import Clock, GraphQLClient, clocked_app
from tests.identity.conftest import JwksServer, apple_claims, google_claims
from tests.operations import operation
from tests.sync.conftest import Device
from tether.auth import Authenticator
from tether.settings import Settings

CLAIMS: dict[str, Callable[..., dict[str, Any]]] = {"google": google_claims, "apple": apple_claims}


@pytest.mark.parametrize("issuer", ["google", "apple"])
def test_a_device_signed_in_without_origin_jti_is_refused_by_client_id_and_by_sign_out_everywhere(
    issuer: str, issuer_settings: Settings, jwks: JwksServer, server_clock: Clock
) -> None:
    now = int(server_clock().timestamp())
    ring = jwks.ring(issuer)

    def token(iat: int) -> str:
        return ring.sign(CLAIMS[issuer](iat=iat, auth_time=None, sub=f"{issuer}-sub-{now}"))

    with TestClient(clocked_app(issuer_settings, server_clock)) as client:
        phone, tablet = GraphQLClient(client, token(now - 100)), GraphQLClient(client, token(now - 50))
        Device(phone, "phone").pull()
        listed = tablet.data(operation("Devices"))["devices"]
        assert [(d["clientId"], d["signInBound"]) for d in listed] == [("phone", False)]
        tablet.data(operation("RevokeDevice"), {"clientId": "phone"})
        refused = phone(operation("SyncPull"), {"input": {"clientId": "phone"}})
        assert refused["errors"][0]["extensions"] == {"code": "FORBIDDEN", "reason": "DEVICE_REVOKED"}
        # No sign-in to refuse: the phone's token still works elsewhere (documented) ...
        assert "errors" not in phone(operation("Me"))
        # ... until signOutEverywhere, which refuses every token issued until now (by `iat`).
        tablet.data(operation("SignOutEverywhere"))
        for gql in (phone, tablet):
            assert gql(operation("Me"))["errors"][0]["extensions"] == {
                "code": "UNAUTHENTICATED",
                "reason": "SESSION_REVOKED",
            }
        server_clock.advance(seconds=1)
        assert "errors" not in GraphQLClient(client, token(now + 1))(operation("Me"))


def test_dev_tokens_carry_a_fresh_origin_jti_per_sign_in_like_cognito(
    settings: Settings, dev_key_dir: Any
) -> None:
    authenticator = Authenticator(settings)
    first = authenticator.verify(tokens.mint("dev-user", key_dir=dev_key_dir))
    second = authenticator.verify(tokens.mint("dev-user", key_dir=dev_key_dir))
    refreshed = authenticator.verify(
        tokens.mint("dev-user", key_dir=dev_key_dir, origin_jti=first.origin_jti)
    )
    assert first.origin_jti
    assert second.origin_jti
    assert first.origin_jti != second.origin_jti
    assert refreshed.origin_jti == first.origin_jti
