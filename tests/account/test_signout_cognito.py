"""Signing out in AWS: real Cognito tokens (moto's user pool server issues them, with `origin_jti`
kept across refreshes), AdminUserGlobalSignOut against moto, and RevokeToken, which moto does not
implement (NotImplementedError), against a small local endpoint speaking Cognito's JSON protocol
in front of moto."""

from __future__ import annotations

import dataclasses
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer
from starlette.testclient import TestClient

from app import create_app
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device
from tether.accounts.directory import CognitoDirectory
from tether.errors import BadUserInput, Unavailable
from tether.settings import Settings

REVOKED = {"code": "UNAUTHENTICATED", "reason": "SESSION_REVOKED"}
PASSWORD = "Correct-Horse-9-Battery"
TARGET = "AWSCognitoIdentityProviderService."


@dataclass
class RevokeTokenEndpoint:
    """Cognito's RevokeToken (and its effect on REFRESH_TOKEN_AUTH) in front of moto's server."""

    moto: str  # host:port
    revoked: set[str] = field(default_factory=set)
    calls: list[dict[str, Any]] = field(default_factory=list)
    client_ids: set[str] = field(default_factory=set)

    def answer(self, target: str, body: bytes) -> tuple[int, bytes] | None:
        """Cognito's answer for what moto cannot give, else None (forwarded to moto)."""
        params = json.loads(body or b"{}")
        if target == TARGET + "RevokeToken":
            self.calls.append(params)
            token, client_id = params.get("Token", ""), params.get("ClientId", "")
            if client_id not in self.client_ids:
                return _error("UnauthorizedException", "Client is not authorized to revoke this token")
            if token.count(".") == 2:  # a JWT (an id or access token), not a refresh token
                return _error("UnsupportedTokenTypeException", "The token type is not supported")
            self.revoked.add(token)
            return 200, b"{}"
        refresh = (params.get("AuthParameters") or {}).get("REFRESH_TOKEN")
        if target == TARGET + "InitiateAuth" and refresh in self.revoked:
            return _error("NotAuthorizedException", "Refresh Token has been revoked")
        return None


def _error(kind: str, message: str) -> tuple[int, bytes]:
    return 400, json.dumps({"__type": kind, "message": message}).encode()


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def endpoint(moto_server: str) -> Iterator[tuple[str, RevokeTokenEndpoint]]:
    fake = RevokeTokenEndpoint(moto_server)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answered = fake.answer(self.headers.get("X-Amz-Target", ""), body)
            if answered is None:
                connection = http.client.HTTPConnection(fake.moto, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                connection.request("POST", self.path, body, headers)
                response = connection.getresponse()
                answered = response.status, response.read()
            status, payload = answered
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", fake
    server.shutdown()


@dataclass
class Pool:
    client: Any  # boto3 cognito-idp, through the endpoint
    pool_id: str
    app_client: str
    issuer: str
    jwks_url: str

    def sign_in(self, username: str) -> dict[str, str]:
        """A sign-in on a device: its IdToken, AccessToken and RefreshToken."""
        result = self.client.admin_initiate_auth(
            UserPoolId=self.pool_id,
            ClientId=self.app_client,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        tokens: dict[str, str] = result["AuthenticationResult"]
        return tokens

    def refresh(self, refresh_token: str) -> dict[str, str]:
        result = self.client.initiate_auth(
            ClientId=self.app_client,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        tokens: dict[str, str] = result["AuthenticationResult"]
        return tokens


@pytest.fixture
def pool(
    endpoint: tuple[str, RevokeTokenEndpoint], moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> Pool:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    url, fake = endpoint
    client = boto3.client("cognito-idp", endpoint_url=url, region_name="us-east-1")
    pool_id: str = client.create_user_pool(PoolName="tether")["UserPool"]["Id"]
    app_client: str = client.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    fake.client_ids.add(app_client)
    return Pool(
        client,
        pool_id,
        app_client,
        f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        f"http://{moto_server}/{pool_id}/.well-known/jwks.json",
    )


def user(pool: Pool, username: str) -> None:
    pool.client.admin_create_user(UserPoolId=pool.pool_id, Username=username)
    pool.client.admin_set_user_password(
        UserPoolId=pool.pool_id, Username=username, Password=PASSWORD, Permanent=True
    )


def aws_settings(settings: Settings, pool: Pool, endpoint: str) -> Settings:
    """Tether as deployed: Cognito's issuer and JWKS, the user pool, the app client (what SAM sets)."""
    return dataclasses.replace(
        settings,
        jwt_issuer=pool.issuer,
        jwt_audience=pool.app_client,
        jwks_url=pool.jwks_url,
        user_pool_id=pool.pool_id,
        cognito_endpoint=endpoint,
    )


def test_revoking_a_device_refuses_its_refreshed_tokens_and_revokes_its_refresh_token(
    settings: Settings, pool: Pool, endpoint: tuple[str, RevokeTokenEndpoint]
) -> None:
    url, fake = endpoint
    user(pool, "ada")
    phone_tokens, tablet_tokens = pool.sign_in("ada"), pool.sign_in("ada")
    refreshed = pool.refresh(phone_tokens["RefreshToken"])
    claims = [
        jwt.decode(t["IdToken"], options={"verify_signature": False}) for t in (phone_tokens, refreshed)
    ]
    assert claims[0]["origin_jti"] == claims[1]["origin_jti"]  # one sign-in, every refreshed token
    with TestClient(create_app(aws_settings(settings, pool, url))) as client:
        phone = GraphQLClient(client, phone_tokens["IdToken"])
        tablet = GraphQLClient(client, tablet_tokens["AccessToken"])
        Device(phone, "phone").pull()
        # The app's sign-out on the phone: its own clientId and its refresh token.
        revoked = GraphQLClient(client, refreshed["AccessToken"]).data(
            operation("RevokeDevice"), {"clientId": "phone", "refreshToken": phone_tokens["RefreshToken"]}
        )["revokeDevice"]
        assert revoked == {"clientId": "phone", "revoked": True, "signInBound": True}
        assert fake.calls[-1] == {"Token": phone_tokens["RefreshToken"], "ClientId": pool.app_client}
        with pytest.raises(pool.client.exceptions.NotAuthorizedException):
            pool.refresh(phone_tokens["RefreshToken"])  # Cognito issues no new token
        for token in (phone_tokens["IdToken"], phone_tokens["AccessToken"], refreshed["IdToken"]):
            body = GraphQLClient(client, token)(operation("Me"))
            assert body["errors"][0]["extensions"] == REVOKED
        assert "errors" not in tablet(operation("Me"))
        # An id token passed as the refresh token: Cognito refuses it, and so do we.
        Device(tablet, "tablet").pull()
        wrong = tablet(
            operation("RevokeDevice"), {"clientId": "tablet", "refreshToken": tablet_tokens["IdToken"]}
        )
        assert wrong["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "refreshToken"}


def test_sign_out_everywhere_signs_the_cognito_user_out_globally(
    settings: Settings, pool: Pool, endpoint: tuple[str, RevokeTokenEndpoint]
) -> None:
    url, _ = endpoint
    user(pool, "kai")
    phone_tokens, tablet_tokens = pool.sign_in("kai"), pool.sign_in("kai")
    with TestClient(create_app(aws_settings(settings, pool, url))) as client:
        phone = GraphQLClient(client, phone_tokens["IdToken"])
        answer = phone.data(operation("SignOutEverywhere"))["signOutEverywhere"]
        assert answer["refreshTokensRevoked"] is True
        for tokens in (phone_tokens, tablet_tokens):
            with pytest.raises(pool.client.exceptions.NotAuthorizedException):
                pool.refresh(tokens["RefreshToken"])  # AdminUserGlobalSignOut revoked them all
            body = GraphQLClient(client, tokens["AccessToken"])(operation("Me"))
            assert body["errors"][0]["extensions"] == REVOKED


def test_the_cognito_interface_reports_refused_tokens_and_outages(
    pool: Pool, endpoint: tuple[str, RevokeTokenEndpoint]
) -> None:
    _, fake = endpoint
    directory = CognitoDirectory(pool.pool_id, pool.client, pool.app_client)
    assert directory.revoke_token("a-refresh-token") is True
    assert "a-refresh-token" in fake.revoked
    with pytest.raises(BadUserInput):
        directory.revoke_token("an.id.token")
    assert CognitoDirectory(pool.pool_id, pool.client, None).revoke_token("x") is False  # no app client
    assert directory.global_sign_out("nobody") is False  # the user is gone (already erased)
    down = boto3.client(
        "cognito-idp",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    with pytest.raises(Unavailable):
        CognitoDirectory(pool.pool_id, down, pool.app_client).revoke_token("a-refresh-token")


def test_the_revoking_client_defaults_to_the_one_audience() -> None:
    assert Settings(jwt_audience="app-1").revoking_client_id == "app-1"
    assert Settings(jwt_audience="app-1,app-2").revoking_client_id is None
    assert Settings(jwt_audience="app-1,app-2", cognito_client_id="app-2").revoking_client_id == "app-2"
