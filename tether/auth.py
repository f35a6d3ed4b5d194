"""Who is calling: API Gateway authorizer claims, or a Bearer token verified with PyJWT."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether.errors import ConfigurationError, Unauthenticated
from tether.identity import issuers
from tether.identity.issuers import Issuer, TokenRejected
from tether.identity.keys import Fetch, KeySet, http_fetch
from tether.settings import Settings

DEV_ISSUER = "tether-dev"
DEV_AUDIENCE = "tether-dev"
DEV_ALGORITHM = "ES256"
ADMIN_GROUP = "admin"


@dataclass(frozen=True)
class User:
    """The signed-in user. `id` is the account, one (issuer, sub), and scopes every read and write."""

    id: str
    email: str | None = None
    name: str | None = None
    groups: frozenset[str] = frozenset()
    # The Cognito user name (`cognito:username` / `username`), which erasure deletes; may differ from `sub`.
    username: str | None = None
    issuer: str = issuers.COGNITO
    # One value for a sign-in and every token refreshed from it (Cognito and dev tokens carry it).
    origin_jti: str | None = None
    # When the sign-in happened (`auth_time`, else `iat`), in epoch seconds.
    authenticated_at: int | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def user_from_claims(claims: Mapping[str, Any], issuer: Issuer | None = None) -> User:
    """Build a user from verified JWT claims (an id or access token of a trusted issuer)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthenticated("The token has no subject", reason="INVALID_TOKEN")
    cognito = issuer is None or issuer.cognito_style
    return User(
        id=issuer.account_id(sub) if issuer else sub,
        email=issuer.email(claims) if issuer else _optional_str(claims.get("email")),
        name=_optional_str(claims.get("name")) or _optional_str(claims.get("cognito:username")),
        groups=frozenset(_groups(claims.get("cognito:groups"))) if cognito else frozenset(),
        username=(_optional_str(claims.get("cognito:username")) or _optional_str(claims.get("username")))
        if cognito
        else None,
        issuer=issuer.name if issuer else issuers.COGNITO,
        origin_jti=_optional_str(claims.get("origin_jti")),
        authenticated_at=_epoch(claims.get("auth_time")) or _epoch(claims.get("iat")),
    )


def _epoch(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)  # API Gateway passes claims as strings
    return None


def claims_from_event(event: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Claims an API Gateway JWT/Cognito authorizer put in the event (HTTP API 2.0 or REST 1.0)."""
    if not event:
        return None
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    jwt_part = authorizer.get("jwt")
    claims = jwt_part.get("claims") if isinstance(jwt_part, Mapping) else None  # HTTP API 2.0
    if claims is None:
        claims = authorizer.get("claims")  # REST API (payload 1.0) with a Cognito authorizer
    return claims if isinstance(claims, Mapping) else None


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _groups(value: Any) -> list[str]:
    # HTTP API flattens list claims into "[admin editors]"; REST APIs send "admin,editors".
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    if isinstance(value, str):
        return [part for part in value.strip("[]").replace(",", " ").split() if part]
    return []


class Authenticator:
    """Verifies Bearer tokens against every trusted issuer: Cognito, Google, Apple, the dev key (never in prod).

    Each issuer's signing keys are fetched once per process and refetched when a token names an
    unknown `kid`, at most once a minute (a key rotation heals within a minute, and a flood of made-up
    kids costs one fetch a minute). `clock` (monotonic seconds) is injected by tests.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.monotonic,
        fetchers: Mapping[str, Fetch] | None = None,
    ) -> None:
        self._settings = settings
        self._issuers = _trusted_issuers(settings, clock, fetchers or {})

    @property
    def configured(self) -> bool:
        return bool(self._issuers)

    @property
    def issuers(self) -> list[Issuer]:
        return list(dict.fromkeys(self._issuers.values()))

    def verify(self, token: str) -> User:
        """Return the token's user, or raise Unauthenticated saying why (expired, forged, ...)."""
        import jwt  # PyJWT and cryptography load on the first token we verify ourselves (cold start)

        try:
            header = jwt.get_unverified_header(token)
            issuer_claim = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise Unauthenticated("The token is malformed", reason="INVALID_TOKEN") from None
        issuer = self._issuers.get(issuer_claim) if isinstance(issuer_claim, str) else None
        if issuer is None:
            raise Unauthenticated("The token's issuer is not trusted here", reason="INVALID_TOKEN")
        try:
            claims = issuer.decode(token, header.get("kid"))
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired", reason="TOKEN_EXPIRED") from None
        except TokenRejected as rejected:
            raise Unauthenticated(f"The token is invalid: {rejected}", reason="INVALID_TOKEN") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The token is invalid", reason="INVALID_TOKEN") from None
        return user_from_claims(claims, issuer)


def _trusted_issuers(
    settings: Settings, clock: Callable[[], float], fetchers: Mapping[str, Fetch]
) -> dict[str, Issuer]:
    """Every trusted issuer by its `iss` value(s)."""

    def keys(name: str, url: str) -> KeySet:
        return KeySet(fetchers.get(name) or http_fetch(url), name=name, clock=clock)

    found: list[Issuer] = []
    dev_key = _load_dev_key(settings)
    if dev_key is not None:
        found.append(issuers.dev(DEV_ISSUER, DEV_AUDIENCE, dev_key, DEV_ALGORITHM))
    if settings.jwt_issuer:
        url = settings.jwks_url or settings.jwt_issuer.rstrip("/") + "/.well-known/jwks.json"
        found.append(
            issuers.cognito(
                settings.jwt_issuer,
                _ids(settings.jwt_audience),
                keys(issuers.COGNITO, url),
                (settings.jwt_algorithm,),
            )
        )
    if settings.google_client_ids:
        url = settings.google_jwks_url or issuers.GOOGLE_JWKS_URL
        found.append(issuers.google(_ids(settings.google_client_ids), keys(issuers.GOOGLE, url)))
    if settings.apple_client_ids:
        url = settings.apple_jwks_url or issuers.APPLE_JWKS_URL
        found.append(issuers.apple(_ids(settings.apple_client_ids), keys(issuers.APPLE, url)))
    return {iss: issuer for issuer in found for iss in issuer.issuers}


def _ids(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


def _load_dev_key(settings: Settings) -> Any:
    pem = settings.dev_public_key
    if not pem and settings.dev_public_key_file:
        path = Path(settings.dev_public_key_file)
        if not path.is_file():
            raise ConfigurationError(f"TETHER_DEV_PUBLIC_KEY_FILE={path} does not exist")
        pem = path.read_text()
    if not pem:
        return None
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        return load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ConfigurationError(f"the dev public key is not a valid PEM public key: {exc}") from exc
