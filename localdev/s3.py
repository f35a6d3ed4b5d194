"""A local S3: moto's server, plus what S3 itself enforces on presigned requests and moto does not.

moto (5.2.5) stores a presigned PUT whatever its headers and body: it checks no query-string
signature (so neither the signed Content-Length nor Content-Type), no expiry, and it does not
compare `x-amz-checksum-sha256` with the body. S3 refuses all of those, and Tether relies on it
(an upload URL is valid only for the declared size, type and checksum). This front does what S3
does, with botocore's own SigV4 signer, before moto sees the request:

- a query-signed request whose signature does not match (any signed header changed: length,
  type, checksum; or the key, method or expiry) -> 403 SignatureDoesNotMatch;
- an expired one -> 403 AccessDenied ("Request has expired");
- a body whose SHA-256 differs from its `x-amz-checksum-sha256` -> 400 BadDigest.

Used by the tests and by `make dev` alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import parse_qsl, quote

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

# The placeholder credentials local clients sign with (tether.media.Media uses them locally).
LOCAL_CREDENTIALS = {"local": "local"}

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


class PresignedChecks:
    """WSGI middleware: S3's checks of query-signed requests, in front of moto."""

    def __init__(
        self,
        app: WSGIApp,
        credentials: Mapping[str, str],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.app = app
        self.credentials = dict(credentials)
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if "X-Amz-Signature" in query:
            refusal = self._check_signature(environ, query)
            if refusal is not None:
                return _error(start_response, "403 Forbidden", *refusal)
        checksum = environ.get("HTTP_X_AMZ_CHECKSUM_SHA256")
        if checksum is not None and environ["REQUEST_METHOD"] == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if base64.b64encode(hashlib.sha256(body).digest()).decode() != checksum:
                return _error(
                    start_response,
                    "400 Bad Request",
                    "BadDigest",
                    "The SHA256 you specified did not match the calculated checksum.",
                )
        return self.app(environ, start_response)

    def _check_signature(self, environ: dict[str, Any], query: dict[str, str]) -> tuple[str, str] | None:
        try:
            access_key, day, region, service, _ = query["X-Amz-Credential"].split("/")
            stamp = query["X-Amz-Date"]
            expires = int(query["X-Amz-Expires"])
            signed = query["X-Amz-SignedHeaders"].split(";")
        except (KeyError, ValueError):
            return ("AuthorizationQueryParametersError", "Query-string authentication is malformed.")
        secret = self.credentials.get(access_key)
        if secret is None:
            return ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
        signed_at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if self.clock() > signed_at + timedelta(seconds=expires):
            return ("AccessDenied", "Request has expired")
        headers = {name: _header(environ, name) for name in signed}
        unsigned_query = "&".join(
            f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}"
            for key, value in query.items()
            if key != "X-Amz-Signature"
        )
        path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(environ.get("PATH_INFO", "/"))
        path = path.split("?", 1)[0]
        url = f"http://{headers.get('host', environ.get('HTTP_HOST', ''))}{path}?{unsigned_query}"
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers)
        request.context["timestamp"] = stamp
        auth = S3SigV4QueryAuth(Credentials(access_key, secret), service, region, expires=expires)
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        if day != stamp[:8] or not hmac.compare_digest(expected, query["X-Amz-Signature"]):
            return (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        return None


def _header(environ: Mapping[str, Any], name: str) -> str:
    if name == "content-type":
        return str(environ.get("CONTENT_TYPE", ""))
    if name == "content-length":
        return str(environ.get("CONTENT_LENGTH", ""))
    return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))


def credentials() -> dict[str, str]:
    """What local clients sign with: the placeholder pair, and the environment's keys if set."""
    known = dict(LOCAL_CREDENTIALS)
    if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
        known[os.environ["AWS_ACCESS_KEY_ID"]] = os.environ["AWS_SECRET_ACCESS_KEY"]
    return known


class MotoServer:
    """A WSGI app of moto's served from a daemon thread on 127.0.0.1 (port 0: a free one)."""

    def __init__(self, app: WSGIApp, port: int, name: str) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server: BaseWSGIServer = make_server(
            "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class LocalS3Server(MotoServer):
    """moto's S3 behind PresignedChecks, served from a thread on 127.0.0.1 (port 0: a free one)."""

    def __init__(self, port: int = 0, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        app = PresignedChecks(DomainDispatcherApplication(create_backend_app), credentials(), clock)
        super().__init__(app, port, "local-s3")


def create_bucket(client: Any, bucket: str) -> None:
    """The media bucket as the template makes it: versioned."""
    existing = {item["Name"] for item in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


@contextmanager
def running(port: int = 0) -> Iterator[LocalS3Server]:
    server = LocalS3Server(port).start()
    try:
        yield server
    finally:
        server.stop()
