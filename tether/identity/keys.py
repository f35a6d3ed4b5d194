"""An issuer's signing keys (its JWKS), refetched on an unknown `kid` at most once a minute."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tether.errors import Unauthenticated, Unavailable
from tether.telemetry import logger

if TYPE_CHECKING:
    import jwt

Fetch = Callable[[], Mapping[str, Any]]

REFETCH_INTERVAL_SECONDS = 60.0  # an unknown kid refetches at most this often (RFC 8725 §3.10's DoS concern)
MAX_AGE_SECONDS = 3600.0  # keys are refreshed this often even when every kid is known
RETRY_AFTER_FAILURE_SECONDS = 5.0  # a failed first fetch (no keys at all) is retried this often


def http_fetch(url: str, timeout: float = 3.0) -> Fetch:
    """Fetch a JWKS document with PyJWT's hardened client (http(s) only, no redirects, a timeout)."""

    def fetch() -> Mapping[str, Any]:
        import jwt  # loaded by the first fetch (a token to verify), not at cold start

        data: Mapping[str, Any] = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout).fetch_data()
        return data

    return fetch


class KeySet:
    """The keys of one issuer, cached per process; thread-safe (a warm Lambda may run threads)."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        name: str,
        clock: Callable[[], float] = time.monotonic,
        refetch_interval: float = REFETCH_INTERVAL_SECONDS,
        max_age: float = MAX_AGE_SECONDS,
    ) -> None:
        self._fetch, self.name, self._clock = fetch, name, clock
        self._refetch_interval, self._max_age = refetch_interval, max_age
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # the last successful fetch
        self._attempted_at: float | None = None  # the last attempt, successful or not
        self._lock = threading.Lock()
        self.fetches = 0

    def key(self, kid: Any) -> jwt.PyJWK:
        """The key named `kid`; an unknown kid refetches the JWKS unless that happened < 1 minute ago."""
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("The token names no signing key (`kid`)", reason="INVALID_TOKEN")
        with self._lock:
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._max_age:
                self._refresh(now, self._may_fetch(now, RETRY_AFTER_FAILURE_SECONDS))
            found = self._keys.get(kid)
            if found is None and self._may_fetch(now, self._refetch_interval):
                self._refresh(now, True)
                found = self._keys.get(kid)
        if found is None:
            raise Unauthenticated("The token's signing key is unknown", reason="INVALID_TOKEN")
        return found

    def _may_fetch(self, now: float, interval: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= interval

    def _refresh(self, now: float, allowed: bool) -> None:
        if not allowed:
            if not self._keys:
                raise Unavailable("The token issuer's keys could not be fetched; retry shortly")
            return
        import jwt

        self._attempted_at = now
        self.fetches += 1
        try:
            document = self._fetch()
            keys = jwt.PyJWKSet.from_dict(dict(document)).keys
        except (jwt.PyJWKClientError, jwt.PyJWKSetError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
            logger.warning("JWKS fetch failed", extra={"issuer": self.name, "error": type(exc).__name__})
            if not self._keys:
                raise Unavailable("The token issuer's keys could not be fetched; retry shortly") from None
            return  # keep the keys we have: an outage of the JWKS endpoint must not sign everyone out
        self._keys = {key.key_id: key for key in keys if key.key_id}
        self._fetched_at = now
