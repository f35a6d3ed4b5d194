"""Trusted token issuers and what is verified for each (docs/security.md lists the same rules).

An account is one (issuer, sub): Cognito (and the dev key, which stands in for it) keeps the bare
`sub` as the user id; every other issuer's users get `<issuer name>:<sub>`, so a Google `sub` can
never collide with a Cognito or Apple one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tether.identity.keys import KeySet

COGNITO = "cognito"
GOOGLE = "google"
APPLE = "apple"
DEV = "dev"

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
APPLE_ISSUER = "https://appleid.apple.com"
APPLE_JWKS_URL = "https://appleid.apple.com/auth/keys"

CLOCK_SKEW_SECONDS = 30
TOKEN_USES = ("id", "access")


class TokenRejected(Exception):
    """A verified signature on claims that break this issuer's rules; the message says which."""


@dataclass(frozen=True)
class Issuer:
    """One trusted issuer: its `iss` values, audiences (app client ids), algorithms and keys."""

    name: str
    issuers: tuple[str, ...]
    audiences: frozenset[str]
    algorithms: tuple[str, ...]
    key: Callable[[Any], Any]  # kid -> verification key
    cognito_style: bool  # `token_use` id/access, access tokens checked on `client_id`
    account_prefix: str = ""
    checks_email_verified: bool = False

    def decode(self, token: str, kid: Any) -> dict[str, Any]:
        """The token's claims if its signature, lifetime, issuer, audience and type are right."""
        import jwt  # loaded by the first token verified here, not at cold start

        verification_key = self.key(kid)
        key = verification_key.key if isinstance(verification_key, jwt.PyJWK) else verification_key
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=list(self.algorithms),
            issuer=list(self.issuers),
            leeway=CLOCK_SKEW_SECONDS,
            options={"verify_aud": False, "require": ["exp", "iat", "sub", "iss"]},
        )
        if self.cognito_style:
            _check_cognito_audience(claims, self.audiences)
        else:
            _check_id_token_audience(claims, self.audiences)
        return claims

    def account_id(self, sub: str) -> str:
        return f"{self.account_prefix}{sub}"

    def email(self, claims: Mapping[str, Any]) -> str | None:
        """The token's email, only where the issuer says it is verified (Google, Apple)."""
        email = claims.get("email")
        if not isinstance(email, str) or not email:
            return None
        if self.checks_email_verified and claims.get("email_verified") not in (True, "true"):
            return None
        return email


def _check_cognito_audience(claims: Mapping[str, Any], audiences: frozenset[str]) -> None:
    """AWS's rules: `token_use` is `id` (app client in `aud`) or `access` (in `client_id`), never either-or."""
    token_use = claims.get("token_use")
    if token_use not in TOKEN_USES:
        raise TokenRejected("token_use must be `id` or `access`")
    claim = "aud" if token_use == "id" else "client_id"
    value = claims.get(claim)
    if not isinstance(value, str) or not value:
        raise TokenRejected(f"a Cognito {token_use} token must name its app client in `{claim}`")
    if audiences and value not in audiences:
        raise TokenRejected(f"`{claim}` is not an app client of this deployment")


def _check_id_token_audience(claims: Mapping[str, Any], audiences: frozenset[str]) -> None:
    """OpenID Connect id tokens (Google, Apple): `aud` must be one of the app's client ids."""
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    if not values or not all(isinstance(value, str) for value in values):
        raise TokenRejected("the token has no audience (`aud`)")
    if not audiences or not audiences.intersection(values):
        raise TokenRejected("`aud` is not a client id of this app")
    if len(values) > 1 and claims.get("azp") not in audiences:
        raise TokenRejected("a token for several audiences must name this app in `azp`")


def cognito(
    issuer: str, audiences: frozenset[str], keys: KeySet, algorithms: tuple[str, ...] = ("RS256",)
) -> Issuer:
    return Issuer(COGNITO, (issuer,), audiences, algorithms, keys.key, cognito_style=True)


def google(client_ids: frozenset[str], keys: KeySet) -> Issuer:
    return Issuer(
        GOOGLE,
        GOOGLE_ISSUERS,
        client_ids,
        ("RS256",),
        keys.key,
        cognito_style=False,
        account_prefix="google:",
        checks_email_verified=True,
    )


def apple(client_ids: frozenset[str], keys: KeySet) -> Issuer:
    return Issuer(
        APPLE,
        (APPLE_ISSUER,),
        client_ids,
        ("RS256",),
        keys.key,
        cognito_style=False,
        account_prefix="apple:",
        checks_email_verified=True,
    )


def dev(issuer: str, audience: str, public_key: Any, algorithm: str) -> Issuer:
    """The local dev key: Cognito's rules, one static key (refused in prod by the settings)."""
    return Issuer(
        DEV, (issuer,), frozenset({audience}), (algorithm,), lambda kid: public_key, cognito_style=True
    )
