"""The pull cursor: opaque to clients, signed (HMAC-SHA256) so a forged or edited one is refused."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import orjson

from tether.errors import BadUserInput

VERSION = 1
MAC_BYTES = 16


@dataclass(frozen=True)
class Cursor:
    """Where a client is in each feed it follows, and when that position was still safe.

    `seq` is the user's feed position and `epoch` the identity of the user's feed (it changes when
    the account's data is erased). `safe_at` (unix seconds) is a time at which every change after
    `seq` had yet to happen, so every tombstone the client still needs expires after it.
    `positions` holds the positions in other feeds (e.g. the shared content catalog).
    """

    seq: int = 0
    epoch: str = ""
    safe_at: int = 0
    positions: dict[str, int] = field(default_factory=dict)


def encode(cursor: Cursor, key: bytes, user_id: str) -> str:
    payload: dict[str, Any] = {"v": VERSION, "s": cursor.seq, "e": cursor.epoch, "t": cursor.safe_at}
    if cursor.positions:
        payload["p"] = cursor.positions
    # The same bytes as json.dumps(sort_keys, compact) for its ASCII epoch and feed names, in a few
    # µs (an idle pull encodes one cursor and decodes one: json's walk and hmac.new's object were
    # ~40 µs of them; tests/sync/test_cursor.py).
    body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    return f"{_b64(body)}.{_b64(_mac(key, user_id, body))}"


def decode(token: str, key: bytes, user_id: str) -> Cursor:
    """The cursor a client sent back, or BAD_USER_INPUT if it is malformed, forged or someone else's."""
    try:
        body_part, mac_part = token.split(".")
        body = _unb64(body_part)
        mac = _unb64(mac_part)
    except (ValueError, binascii.Error):
        raise _invalid() from None
    if not hmac.compare_digest(mac, _mac(key, user_id, body)):
        raise _invalid()
    try:
        payload = orjson.loads(body)
        if payload.get("v") != VERSION:
            raise ValueError("version")
        positions = {str(k): int(v) for k, v in (payload.get("p") or {}).items()}
        return Cursor(int(payload["s"]), str(payload["e"]), int(payload["t"]), positions)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _invalid() from None


def _invalid() -> BadUserInput:
    return BadUserInput(
        "The cursor is not valid: send back a cursor exactly as syncPull returned it, or null to start over",
        field="cursor",
    )


def _mac(key: bytes, user_id: str, body: bytes) -> bytes:
    mac = _keyed(key).copy()
    mac.update(user_id.encode() + b"\x00" + body)
    return mac.digest()[:MAC_BYTES]


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> hmac.HMAC:
    """HMAC-SHA256 keyed with `key` (a server secret, one per deployment), copied for each MAC: in a
    request, hmac.digest's digest lookup and key setup were ~40 us a cursor (tests/sync/test_cursor.py).
    Never updated itself, so threads copy it safely."""
    return hmac.new(key, digestmod=hashlib.sha256)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
