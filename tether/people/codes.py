"""Invite codes a person can read out and type: 12 Crockford base32 characters (60 bits)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 12  # 12 x 5 bits = 60 bits of entropy
GROUP = 4
# What people mistype: confusable letters read as the digits they look like; separators dropped.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A fresh code, shown in groups of four: `7K2M-9QXD-4HPA`."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize(code: str) -> str | None:
    """The code as typed, in canonical form (case, dashes, spaces and look-alikes forgiven), or
    None if it cannot be a code."""
    text = "".join(ch for ch in code[:64].upper() if ch not in "- ").translate(_READ_AS)
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def digest(key: bytes, canonical: str) -> str:
    """What is stored instead of the code: HMAC-SHA256 with a deployment secret."""
    return hmac.new(key, b"invite\x00" + canonical.encode(), hashlib.sha256).hexdigest()
