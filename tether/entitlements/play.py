"""Google Play purchases: the Play Developer API says what a purchase token is worth, and Real-time
Developer Notifications (Pub/Sub push, OIDC-signed) say when to ask again.

`PlayApi` is the interface (`subscription`, `acknowledge`); `GooglePlayApi` calls the real API
(`purchases.subscriptionsv2.get`, `purchases.subscriptions.acknowledge`) with a service account's
OAuth token (google-auth), so tests point it at a local fake server. The push token is verified
with PyJWT against Google's JWKS: issuer, audience, the push service account's email.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol
from urllib.parse import quote

from tether.errors import BadUserInput, ConfigurationError, Unauthenticated, Unavailable
from tether.secrets import secret
from tether.settings import Settings
from tether.telemetry import logger

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
TIMEOUT_SECONDS = 5.0
LEEWAY_SECONDS = 30
USABLE = {"SUBSCRIPTION_STATE_ACTIVE", "SUBSCRIPTION_STATE_CANCELED"}  # canceled: paid until expiry
GRACE = "SUBSCRIPTION_STATE_IN_GRACE_PERIOD"
# RTDN subscriptionNotification.notificationType (developer.android.com/google/play/billing/rtdn-reference)
REVOKED = 12


class PlayApi(Protocol):
    def subscription(self, token: str) -> Mapping[str, Any]:
        """The SubscriptionPurchaseV2 of a purchase token; NotFound-like BadUserInput if unknown."""

    def acknowledge(self, product_id: str, token: str) -> None:
        """Acknowledge a new purchase (Play refunds purchases left unacknowledged for 3 days)."""


class GooglePlayApi:
    """The Play Developer API for one app, as the service account in the settings."""

    def __init__(self, settings: Settings) -> None:
        assert settings.play_package_name is not None
        self.settings = settings
        self.package = settings.play_package_name
        self.base = settings.play_api_url.rstrip("/")

    @cached_property
    def _session(self) -> Any:
        from google.auth.transport.requests import AuthorizedSession
        from google.oauth2 import service_account

        raw = secret(None, self.settings.play_credentials_arn)
        if raw is None and self.settings.play_credentials_file:
            with open(self.settings.play_credentials_file, encoding="utf-8") as file:
                raw = file.read()
        if raw is None:
            raise ConfigurationError("Google Play needs TETHER_PLAY_CREDENTIALS_ARN (or _FILE locally)")
        info = json.loads(raw)
        if not isinstance(info, dict) or "private_key" not in info:
            raise ConfigurationError(
                "the Google Play service account key (TETHER_PLAY_CREDENTIALS_ARN) is not set"
            )
        credentials = service_account.Credentials.from_service_account_info(info, scopes=[SCOPE])  # type: ignore[no-untyped-call]
        return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]

    def _url(self, path: str) -> str:
        return f"{self.base}/androidpublisher/v3/applications/{quote(self.package, safe='')}/{path}"

    def subscription(self, token: str) -> Mapping[str, Any]:
        response = self._call("GET", self._url(f"purchases/subscriptionsv2/tokens/{quote(token, safe='')}"))
        if response.status_code in (400, 404, 410):
            raise BadUserInput(
                "Google Play does not know this purchase token for this app",
                field="input.purchaseToken",
                reason="INVALID_PURCHASE",
            )
        self._check(response)
        data: Mapping[str, Any] = response.json()
        return data

    def acknowledge(self, product_id: str, token: str) -> None:
        path = (
            f"purchases/subscriptions/{quote(product_id, safe='')}/tokens/{quote(token, safe='')}:acknowledge"
        )
        self._check(self._call("POST", self._url(path), json={}))

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        import requests
        from google.auth.exceptions import GoogleAuthError, RefreshError

        try:
            return self._session.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
        except RefreshError as error:  # the service account's key was refused: ours to fix
            logger.error("google play sign-in refused", extra={"error": type(error).__name__})
            raise Unavailable(
                "Google Play refused this server's credentials", reason="STORE_AUTH_FAILED"
            ) from error
        except (GoogleAuthError, requests.RequestException, OSError) as error:
            raise Unavailable("Google Play did not answer; try again", reason="STORE_UNAVAILABLE") from error

    def _check(self, response: Any) -> None:
        if response.status_code >= 300:
            raise Unavailable(
                f"Google Play answered {response.status_code}; try again", reason="STORE_UNAVAILABLE"
            )


@dataclass(frozen=True)
class PlayState:
    """What a SubscriptionPurchaseV2 says about one product."""

    state: str
    expires_at: datetime | None
    order_id: str | None
    account_hint: str | None  # externalAccountIdentifiers.obfuscatedExternalAccountId
    acknowledged: bool
    will_renew: bool | None
    test: bool
    replaces: str | None = None  # linkedPurchaseToken: the token of the plan this one upgraded or replaced

    @classmethod
    def of(cls, purchase: Mapping[str, Any], product_id: str) -> PlayState | None:
        items = [item for item in purchase.get("lineItems") or [] if item.get("productId") == product_id]
        if not items:
            return None
        expiry = max((str(item["expiryTime"]) for item in items if item.get("expiryTime")), default=None)
        plan = items[0].get("autoRenewingPlan")
        return cls(
            state=str(purchase.get("subscriptionState") or "SUBSCRIPTION_STATE_UNSPECIFIED"),
            expires_at=datetime.fromisoformat(expiry.replace("Z", "+00:00")) if expiry else None,
            order_id=purchase.get("latestOrderId"),
            account_hint=(purchase.get("externalAccountIdentifiers") or {}).get(
                "obfuscatedExternalAccountId"
            ),
            acknowledged=purchase.get("acknowledgementState") == "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED",
            will_renew=bool(plan.get("autoRenewEnabled")) if isinstance(plan, Mapping) else None,
            test="testPurchase" in purchase,
            replaces=purchase.get("linkedPurchaseToken") or None,
        )


class PushVerifier:
    """Verifies the OIDC token Pub/Sub sends with each push (PyJWT, Google's JWKS, cached)."""

    def __init__(self, settings: Settings) -> None:
        import jwt  # PyJWT loads only where Google Play is configured (not at every cold start)

        self.audience = settings.play_push_audience
        self.email = settings.play_push_service_account
        self.jwks = jwt.PyJWKClient(settings.play_push_jwks_url, cache_keys=True, lifespan=3600, timeout=5)

    def verify(self, authorization: str | None, now: datetime) -> None:
        """The push came from Pub/Sub as the push service account, for this audience, unexpired at `now`."""
        import jwt

        if not self.audience or not self.email:
            raise ConfigurationError(
                "RTDN pushes need TETHER_PLAY_PUSH_AUDIENCE and TETHER_PLAY_PUSH_SERVICE_ACCOUNT"
            )
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("The push has no OIDC token", reason="MISSING_TOKEN")
        try:
            key = self.jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=GOOGLE_ISSUERS,
                # Times are checked below against the injected clock, not the machine's.
                options={
                    "require": ["exp", "iat", "iss", "aud", "email"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWKClientConnectionError as error:
            raise Unavailable("Google's signing keys could not be read", reason="JWKS_UNAVAILABLE") from error
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"The push token is not valid: {error}", reason="INVALID_TOKEN") from None
        if claims.get("email") != self.email or claims.get("email_verified") is not True:
            raise Unauthenticated("The push token is not the push service account's", reason="INVALID_TOKEN")
        moment = now.timestamp()
        if not float(claims["iat"]) - LEEWAY_SECONDS <= moment < float(claims["exp"]) + LEEWAY_SECONDS:
            raise Unauthenticated("The push token has expired", reason="INVALID_TOKEN")
