"""Cursor pagination shared by the plain list queries (`first` / `after`, `pageInfo`)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

import strawberry

from tether.errors import BadUserInput


@strawberry.type(description="Where a list page ends: pass `endCursor` as `after` for the next page.")
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


def page_info(next_key: Mapping[str, str] | None) -> PageInfo:
    if next_key is None:
        return PageInfo(end_cursor=None, has_next_page=False)
    raw = json.dumps(dict(next_key), separators=(",", ":"), sort_keys=True).encode()
    return PageInfo(end_cursor=base64.urlsafe_b64encode(raw).decode().rstrip("="), has_next_page=True)


def decode_after(after: str | None) -> dict[str, str] | None:
    if after is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
    except (binascii.Error, ValueError):
        data = None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise BadUserInput(
            "`after` is not a cursor of this list; pass the endCursor it returned", field="after"
        )
    return {str(k): v for k, v in data.items()}
