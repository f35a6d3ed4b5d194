"""The local dev token issuer: an EC key pair under .cache/ and tokens signed with it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from localdev.dynamodb import CACHE
from tether.auth import DEV_ALGORITHM, DEV_AUDIENCE, DEV_ISSUER

KEY_DIR = CACHE / "dev-jwt"
DEFAULT_TTL_SECONDS = 7 * 24 * 3600


def ensure_key(key_dir: Path = KEY_DIR) -> Path:
    """Create the dev key pair once; return the public key's path."""
    private, public = key_dir / "private.pem", key_dir / "public.pem"
    if private.is_file() and public.is_file():
        return public
    key_dir.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public


def mint(
    user: str,
    *,
    groups: list[str] | None = None,
    email: str | None = None,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    key_dir: Path = KEY_DIR,
    extra: dict[str, Any] | None = None,
    origin_jti: str | None = None,
) -> str:
    """A dev token for `user` (its `sub`), shaped like a Cognito id token.

    Like Cognito's, it carries `jti` and `origin_jti` (one value per sign-in: pass the same
    `origin_jti` to mint a "refreshed" token of that sign-in), so device sign-out works locally.
    """
    ensure_key(key_dir)
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user,
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "iat": now,
        "auth_time": now,
        "exp": now + ttl_seconds,
        "token_use": "id",
        "jti": str(uuid.uuid4()),
        "origin_jti": origin_jti or str(uuid.uuid4()),
        "email": email or f"{user}@example.test",
        "name": user.capitalize(),
    }
    if groups:
        claims["cognito:groups"] = groups
    claims.update(extra or {})
    private_key = (key_dir / "private.pem").read_bytes()
    return jwt.encode(claims, private_key, algorithm=DEV_ALGORITHM)
