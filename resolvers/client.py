"""Client awareness: which app and version sent a request (Apollo's `apollographql-client-*` headers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

NAME_HEADER = "apollographql-client-name"
VERSION_HEADER = "apollographql-client-version"
# Logged and used as a metrics dimension: short, plain values only (anything else is `other`),
# so a client cannot put arbitrary text in the logs or explode the metrics' cardinality.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,39}")
UNKNOWN = "unknown"
OTHER = "other"


@dataclass(frozen=True)
class ClientInfo:
    name: str
    version: str

    def log_fields(self) -> dict[str, str]:
        return {"client_name": self.name, "client_version": self.version}


def client_awareness(headers: Mapping[str, str]) -> ClientInfo:
    """The client's name and version from its headers (`unknown` if absent, `other` if not plain)."""
    return ClientInfo(_plain(headers.get(NAME_HEADER)), _plain(headers.get(VERSION_HEADER)))


def _plain(value: str | None) -> str:
    if value is None or not value.strip():
        return UNKNOWN
    value = value.strip()
    return value if _PLAIN.fullmatch(value) else OTHER
