"""A local fake of Google: the OAuth token endpoint a service account signs in at, the Play
Developer API's subscriptionsv2.get and acknowledge, and the JWKS that signs Pub/Sub push tokens.
In-process on a free port; the real clients (google-auth, PyJWT) talk to it over HTTP."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PACKAGE = "com.example.tether"
SERVICE_ACCOUNT = "play-reader@tether-tests.iam.gserviceaccount.com"
PUSH_ACCOUNT = "pubsub-push@tether-tests.iam.gserviceaccount.com"
AUDIENCE = "https://api.example.com/webhooks/play"
ACCESS_TOKEN = "ya29.fake-access-token"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # what google-auth's assertions name
PREFIX = f"/androidpublisher/v3/applications/{PACKAGE}/purchases/"


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class FakeGoogle:
    url: str = ""
    account_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    push_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    purchases: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> SubscriptionPurchaseV2
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    token_requests: int = 0
    api_requests: list[str] = field(default_factory=list)

    def service_account(self) -> dict[str, str]:
        return {
            "type": "service_account",
            "project_id": "tether-tests",
            "private_key_id": "key-1",
            "private_key": _pem(self.account_key),
            "client_email": SERVICE_ACCOUNT,
            "client_id": "1234567890",
            "token_uri": f"{self.url}/token",
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.push_key.public_key()))
        return {"keys": [{**public, "kid": "push-1", "alg": "RS256", "use": "sig"}]}

    def push_token(
        self,
        *,
        audience: str = AUDIENCE,
        email: str = PUSH_ACCOUNT,
        key: rsa.RSAPrivateKey | None = None,
        issued: float | None = None,
    ) -> str:
        now = int(issued if issued is not None else time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": "1234",
            "sub": "1234",
            "email": email,
            "email_verified": True,
            "iat": now,
            "exp": now + 3600,
        }
        return jwt.encode(claims, key or self.push_key, algorithm="RS256", headers={"kid": "push-1"})


def push_body(data: dict[str, Any], message_id: str) -> dict[str, Any]:
    """What a Pub/Sub push subscription POSTs."""
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    return {
        "message": {"data": encoded, "messageId": message_id, "publishTime": "2026-01-01T00:00:00Z"},
        "subscription": "projects/tether-tests/subscriptions/play-rtdn",
    }


def subscription_purchase(
    product_id: str,
    expiry: str,
    state: str = "SUBSCRIPTION_STATE_ACTIVE",
    *,
    account: str | None = None,
    acknowledged: bool = False,
    replaces: str | None = None,
) -> dict[str, Any]:
    purchase: dict[str, Any] = {
        "kind": "androidpublisher#subscriptionPurchaseV2",
        "regionCode": "US",
        "startTime": "2026-01-01T00:00:00Z",
        "subscriptionState": state,
        "latestOrderId": "GPA.1234-5678-9012-34567",
        "acknowledgementState": "ACKNOWLEDGEMENT_STATE_ACKNOWLEDGED"
        if acknowledged
        else "ACKNOWLEDGEMENT_STATE_PENDING",
        "lineItems": [
            {"productId": product_id, "expiryTime": expiry, "autoRenewingPlan": {"autoRenewEnabled": True}}
        ],
        "testPurchase": {},
    }
    if account is not None:
        purchase["externalAccountIdentifiers"] = {"obfuscatedExternalAccountId": account}
    if replaces is not None:
        purchase["linkedPurchaseToken"] = replaces
    return purchase


@contextmanager
def fake_google() -> Iterator[FakeGoogle]:
    fake = FakeGoogle()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {ACCESS_TOKEN}"

        def do_GET(self) -> None:
            if self.path == "/jwks":
                return self._send(200, fake.jwks())
            if not self._authorized():
                return self._send(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
            fake.api_requests.append(f"GET {self.path}")
            marker = PREFIX + "subscriptionsv2/tokens/"
            if self.path.startswith(marker):
                purchase = fake.purchases.get(unquote(self.path[len(marker) :]))
                if purchase is None:
                    return self._send(400, {"error": {"code": 400, "message": "Invalid token"}})
                return self._send(200, purchase)
            return self._send(404, {"error": {"code": 404}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.path == "/token":
                form = parse_qs(body)
                assertion = form["assertion"][0]
                # The service account signed it with its key: check it like Google does.
                claims = jwt.decode(
                    assertion,
                    fake.account_key.public_key(),
                    algorithms=["RS256"],
                    audience=GOOGLE_TOKEN_AUDIENCE,
                )
                if claims["iss"] != SERVICE_ACCOUNT or "androidpublisher" not in claims["scope"]:
                    return self._send(400, {"error": "invalid_grant"})
                fake.token_requests += 1
                return self._send(
                    200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
                )
            if not self._authorized():
                return self._send(401, {"error": {"code": 401}})
            fake.api_requests.append(f"POST {self.path}")
            if self.path.startswith(PREFIX + "subscriptions/") and self.path.endswith(":acknowledge"):
                product, _, rest = self.path[len(PREFIX + "subscriptions/") :].partition("/tokens/")
                fake.acknowledged.append((unquote(product), unquote(rest.removesuffix(":acknowledge"))))
                return self._send(200, {})
            return self._send(404, {"error": {"code": 404}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
