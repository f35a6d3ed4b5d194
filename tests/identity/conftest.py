"""A local JWKS server per issuer (in-process, port 0) whose keys rotate, and token minting for each."""

from __future__ import annotations

import functools
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tether.settings import Settings

COGNITO_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
COGNITO_CLIENT = "app-client-1"
COGNITO_OTHER_CLIENT = "other-client-of-the-pool"
GOOGLE_CLIENTS = ("hula-ios.apps.googleusercontent.com", "hula-android.apps.googleusercontent.com")
APPLE_CLIENT = "com.example.hula"


@functools.cache
def rsa_key(name: str, generation: int) -> Any:
    """An RSA key per (issuer, generation), generated once per test process (keygen is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeClock:
    """Monotonic seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class KeyRing:
    """One issuer's signing keys: the JWKS it publishes and the key it signs with."""

    name: str
    published: list[tuple[str, Any]] = field(default_factory=list)
    requests: int = 0
    generation: int = 0

    def __post_init__(self) -> None:
        self.rotate()

    def rotate(self, keep_old: bool = False) -> str:
        kid = f"{self.name}-{uuid.uuid4().hex[:8]}"
        self.generation += 1
        key = rsa_key(self.name, self.generation)
        self.published = [*(self.published if keep_old else []), (kid, key)]
        return kid

    @property
    def current(self) -> tuple[str, Any]:
        return self.published[-1]

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.published:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": keys}

    def sign(self, claims: dict[str, Any], kid: str | None = None, key: Any = None) -> str:
        current_kid, current_key = self.current
        headers = {"kid": kid or current_kid}
        return jwt.encode(claims, key or current_key, algorithm="RS256", headers=headers)


class JwksServer:
    """Serves `/<issuer name>/jwks.json` for each key ring and counts the fetches."""

    def __init__(self) -> None:
        self.rings: dict[str, KeyRing] = {}
        rings = self.rings

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/").split("/")[0]
                ring = rings.get(name)
                if ring is None:
                    self.send_error(404)
                    return
                ring.requests += 1
                body = json.dumps(ring.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def ring(self, name: str) -> KeyRing:
        return self.rings.setdefault(name, KeyRing(name))

    def url(self, name: str) -> str:
        self.ring(name)
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}/jwks.json"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def issuer_settings(settings: Settings, jwks: JwksServer) -> Settings:
    """The test settings with Cognito, Google and Apple trusted, each with its own local JWKS."""
    return Settings(
        **{
            **settings.__dict__,
            "jwt_issuer": COGNITO_ISSUER,
            "jwt_audience": COGNITO_CLIENT,
            "jwks_url": jwks.url("cognito"),
            "google_client_ids": ",".join(GOOGLE_CLIENTS),
            "google_jwks_url": jwks.url("google"),
            "apple_client_ids": APPLE_CLIENT,
            "apple_jwks_url": jwks.url("apple"),
        }
    )


def cognito_claims(use: str = "id", sub: str | None = None, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub or f"cognito-{uuid.uuid4()}",
        "iss": COGNITO_ISSUER,
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "token_use": use,
        "jti": str(uuid.uuid4()),
        "origin_jti": str(uuid.uuid4()),
    }
    if use == "id":
        claims.update({"aud": COGNITO_CLIENT, "email": "ada@example.com", "cognito:username": claims["sub"]})
    else:
        claims.update({"client_id": COGNITO_CLIENT, "username": claims["sub"], "scope": "openid"})
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def google_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "https://accounts.google.com",
        "azp": GOOGLE_CLIENTS[0],
        "aud": GOOGLE_CLIENTS[0],
        "sub": "110169484474386276334",
        "email": "kai@example.com",
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def apple_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "https://appleid.apple.com",
        "aud": APPLE_CLIENT,
        "sub": "001234.abcdef0123456789.0123",
        "email": "relay@privaterelay.appleid.com",
        "email_verified": "true",
        "is_private_email": "true",
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}
