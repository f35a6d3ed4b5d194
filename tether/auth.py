"""Who is calling: API Gateway authorizer claims, or a Bearer token verified with PyJWT."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from tether.errors import ConfigurationError, Unauthenticated
from tether.settings import Settings

DEV_ISSUER = "tether-dev"
DEV_AUDIENCE = "tether-dev"
DEV_ALGORITHM = "ES256"
ADMIN_GROUP = "admin"
CLOCK_SKEW_SECONDS = 30


@dataclass(frozen=True)
class User:
    """The signed-in user. `id` is the token's `sub` and scopes every read and write."""

    id: str
    email: str | None = None
    name: str | None = None
    groups: frozenset[str] = frozenset()
    # The Cognito user name (`cognito:username` / `username`), which erasure deletes; may differ from `sub`.
    username: str | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


def user_from_claims(claims: Mapping[str, Any]) -> User:
    """Build a user from verified JWT claims (Cognito id/access token or the dev token)."""
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthenticated("The token has no subject", reason="INVALID_TOKEN")
    return User(
        id=sub,
        email=_optional_str(claims.get("email")),
        name=_optional_str(claims.get("name")) or _optional_str(claims.get("cognito:username")),
        groups=frozenset(_groups(claims.get("cognito:groups"))),
        username=_optional_str(claims.get("cognito:username")) or _optional_str(claims.get("username")),
    )


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
    """Verifies Bearer tokens: the local dev key (never in prod) and/or a JWKS issuer such as Cognito."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._dev_key = _load_dev_key(settings)

    @cached_property
    def _jwks(self) -> jwt.PyJWKClient | None:
        issuer = self._settings.jwt_issuer
        if not issuer:
            return None
        url = self._settings.jwks_url or issuer.rstrip("/") + "/.well-known/jwks.json"
        return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=3)

    @property
    def configured(self) -> bool:
        return self._dev_key is not None or bool(self._settings.jwt_issuer)

    def verify(self, token: str) -> User:
        """Return the token's user, or raise Unauthenticated saying why (expired, forged, ...)."""
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise Unauthenticated("The token is malformed", reason="INVALID_TOKEN") from None
        try:
            if issuer == DEV_ISSUER and self._dev_key is not None:
                claims = jwt.decode(
                    token,
                    self._dev_key,
                    algorithms=[DEV_ALGORITHM],
                    issuer=DEV_ISSUER,
                    audience=DEV_AUDIENCE,
                    leeway=CLOCK_SKEW_SECONDS,
                    options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                )
            elif self._jwks is not None and issuer == self._settings.jwt_issuer:
                claims = self._verify_issuer_token(token, self._jwks)
            else:
                raise Unauthenticated("The token's issuer is not trusted here", reason="INVALID_TOKEN")
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired", reason="TOKEN_EXPIRED") from None
        except jwt.PyJWKClientError:
            raise Unauthenticated("The token's signing key is unknown", reason="INVALID_TOKEN") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The token is invalid", reason="INVALID_TOKEN") from None
        return user_from_claims(claims)

    def _verify_issuer_token(self, token: str, jwks: jwt.PyJWKClient) -> dict[str, Any]:
        key = jwks.get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=self._settings.jwt_issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"verify_aud": False, "require": ["exp", "iat", "sub", "iss"]},
        )
        # Cognito id tokens carry the app client in `aud`, access tokens in `client_id`.
        audience = self._settings.jwt_audience
        if audience and audience not in (claims.get("aud"), claims.get("client_id")):
            raise jwt.InvalidAudienceError("audience")
        if claims.get("token_use", "id") not in ("id", "access"):
            raise jwt.InvalidTokenError("token_use")
        return claims


def _load_dev_key(settings: Settings) -> Any:
    pem = settings.dev_public_key
    if not pem and settings.dev_public_key_file:
        path = Path(settings.dev_public_key_file)
        if not path.is_file():
            raise ConfigurationError(f"TETHER_DEV_PUBLIC_KEY_FILE={path} does not exist")
        pem = path.read_text()
    if not pem:
        return None
    try:
        return load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise ConfigurationError(f"the dev public key is not a valid PEM public key: {exc}") from exc
