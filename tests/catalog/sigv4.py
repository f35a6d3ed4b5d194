"""What S3 checks of a presigned URL (SigV4 query authentication), to test our URLs without S3."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def accepts(
    url: str, method: str, headers: Mapping[str, str], secret: str = "local", at: datetime | None = None
) -> bool:
    """True if S3 would accept this request: the signature matches the method, the URL and the
    signed headers as sent, and the URL has not expired at `at` (default: now)."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = params.pop("X-Amz-Signature")
    _, day, region, service, _ = params["X-Amz-Credential"].split("/")
    signed = params["X-Amz-SignedHeaders"].split(";")
    sent = {"host": parts.netloc, **{name.lower(): value for name, value in headers.items()}}
    if any(name not in sent for name in signed):
        return False
    canonical_query = "&".join(
        f"{quote(key, safe='-_.~')}={quote(value, safe='-_.~')}" for key, value in sorted(params.items())
    )
    canonical_request = "\n".join(
        [
            method,
            parts.path,
            canonical_query,
            "".join(f"{name}:{sent[name].strip()}\n" for name in signed),
            ";".join(signed),
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            params["X-Amz-Date"],
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), service), "aws4_request")
    if not hmac.compare_digest(hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), signature):
        return False
    signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return (at or datetime.now(UTC)) <= signed_at + timedelta(seconds=int(params["X-Amz-Expires"]))
