"""Cursor pagination shared by the plain list queries (`first` / `after`, `pageInfo`)."""

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import strawberry

from resolvers.offload import offload
from tether.errors import BadUserInput

Node = TypeVar("Node")
Page = TypeVar("Page")


class RecordPage(Protocol):
    """A page of records read by the core (tether.sync.reads.RecordPage and the like)."""

    @property
    def records(self) -> Sequence[Any]: ...

    @property
    def next_key(self) -> Mapping[str, str] | None: ...


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


async def page_of(
    connection: Callable[..., Page],
    node: Callable[[Any], Any],
    read: Callable[..., RecordPage],
    *args: Any,
    **kwargs: Any,
) -> Page:
    """The list shape of every paged query: run `read` off the event loop, map its records with
    `node` (a type's `from_record`) into `connection(nodes=..., page_info=...)`."""
    result = await offload(read, *args, **kwargs)
    return connection(nodes=[node(record) for record in result.records], page_info=page_info(result.next_key))


async def one_of(node: Callable[[Any], Node], read: Callable[..., Any], *args: Any) -> Node | None:
    """The get shape: one record by key off the event loop, mapped by `node`, or None."""
    record = await offload(read, *args)
    return None if record is None else node(record)
