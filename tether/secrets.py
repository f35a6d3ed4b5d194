"""Secrets: from the environment locally; in AWS from Secrets Manager or SSM Parameter Store
(Powertools Parameters, cached)."""

from __future__ import annotations

import hashlib
import hmac

from tether.settings import Settings

DEV_CURSOR_KEY = b"tether-dev-cursor-key: never used outside the dev stage"
CACHE_SECONDS = 300


def secret(value: str | None, arn: str | None, *, fresh: bool = False) -> str | None:
    """A secret given directly, else fetched by ARN (cached for 5 minutes): an SSM parameter
    (`arn:aws:ssm:...:parameter/...`, decrypted) or a Secrets Manager secret.

    `fresh` bypasses the cache (and refills it): for a key the service has just rejected.
    """
    if value:
        return value
    if arn:
        return _fetch(arn, fresh)
    return None


def _fetch(arn: str, fresh: bool) -> str:
    from aws_lambda_powertools.utilities import parameters

    if arn.split(":")[2:3] == ["ssm"]:
        return str(parameters.get_parameter(arn, decrypt=True, max_age=CACHE_SECONDS, force_fetch=fresh))
    return str(parameters.get_secret(arn, max_age=CACHE_SECONDS, force_fetch=fresh))


def cursor_key(settings: Settings) -> bytes:
    """The key that signs sync cursors (a fixed dev key only in the dev stage)."""
    value = secret(settings.cursor_secret, settings.cursor_secret_arn)
    if value:
        return hashlib.sha256(value.encode()).digest()
    return DEV_CURSOR_KEY


DEV_AUDIT_KEY = b"tether-dev-audit-key: never used outside the dev stage"


def audit_key(settings: Settings) -> bytes:
    """The key that hashes user ids in the audit log: its own secret, else one derived from the
    cursor key (prod always has one), else (dev only) a fixed dev key."""
    value = secret(settings.audit_secret, settings.audit_secret_arn)
    if value:
        return hashlib.sha256(value.encode()).digest()
    if secret(settings.cursor_secret, settings.cursor_secret_arn):
        return hmac.new(cursor_key(settings), b"tether audit subject key", hashlib.sha256).digest()
    return DEV_AUDIT_KEY
