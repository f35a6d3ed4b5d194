"""Threads created online (`createChatThread`): the record `saveChatThread` makes, through the sync
engine, with its context checked against the people rules first (docs/chat.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tether.chat import files
from tether.chat.model import THREADS, position_prefix, reply_companion
from tether.errors import Conflict, Forbidden, NotFound, check_between
from tether.model.record import Record
from tether.people.access import Access
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.storage.keys import user_key
from tether.storage.listing import list_records
from tether.sync import reads
from tether.sync.collection import REJECTED, Collection
from tether.sync.engine import ServerChange, SyncEngine

CONTEXT_NOT_FOUND = "CONTEXT_NOT_FOUND"


def messages_page(
    user_id: str,
    thread_id: str,
    *,
    first: int,
    after: Mapping[str, str] | None = None,
    descending: bool = False,
    before: str | None = None,
) -> reads.RecordPage:
    """Up to `first` live messages of a thread in conversation order (index `byLookup`): each user
    message, then its reply, which has no entry of its own (`reply_companion`) unless it was written
    before replies lost theirs. `before` (a position) ends the page there."""
    check_between("first", first, 1, reads.MAX_PAGE)
    result = list_records(
        user_key(user_id),
        prefix=position_prefix(thread_id),
        first=first,
        after=after,
        index="byLookup",
        descending=descending,
        before=before,
        companion=reply_companion,
    )
    return reads.RecordPage(result.records, result.next_key)


# A context naming one of the profile's own records: the collection it is read from.
OWN_RECORDS: dict[str, Collection] = {"piece_id": PIECES, "session_id": SESSIONS}


def check_context(
    profile: str,
    access: Access,
    context: Mapping[str, str],
    *,
    catalog_title: Callable[[str, str], str | None],
    limits: files.FileLimits,
) -> None:
    """The record a thread is about must be one the caller may read: a published catalog track
    or collection, or a live record of this profile (only ever looked up in this profile's own
    partition, so another profile's id is simply not found) in an area the caller's role reads.
    An attachment must also be one the assistant can read (uploaded, of a type it takes)."""
    [(name, record_id)] = context.items()
    if name in ("track_id", "collection_id"):
        if catalog_title(name, record_id) is None:
            raise _not_found(name)
        return
    require_reads(access, "attachment" if name == "attachment_id" else OWN_RECORDS[name].name)
    if name == "attachment_id":
        try:
            files.declared(files.load_records(user_key(profile), [record_id]), [record_id], limits)
        except NotFound:
            raise _not_found(name) from None
        return
    if reads.get(profile, OWN_RECORDS[name], record_id) is None:
        raise _not_found(name)


def require_reads(access: Access, collection: str) -> None:
    """FORBIDDEN NOT_PERMITTED unless the caller's role reads the collection's area here."""
    if not access.reads_collection(collection):
        raise Forbidden(
            f"Your role on this profile ({access.role.value}) does not let you read its {collection} records",
            reason="NOT_PERMITTED",
            role=access.role.value,
        )


def _not_found(name: str) -> NotFound:
    field = "".join(part if i == 0 else part.title() for i, part in enumerate(name.split("_")))
    return NotFound(
        "The thread's context names no record you can read",
        reason=CONTEXT_NOT_FOUND,
        field=f"input.context.{field}",
    )


def create_thread(
    engine: SyncEngine,
    profile: str,
    access: Access,
    payload: Mapping[str, Any],
    *,
    catalog_title: Callable[[str, str], str | None],
    limits: files.FileLimits,
) -> Record:
    """Create the thread (or return it as it is, when the app sends the same id again)."""
    checked = THREADS.operations["create"].check(THREADS, payload, "input")
    if checked.get("context"):
        check_context(profile, access, checked["context"], catalog_title=catalog_title, limits=limits)
    [result] = engine.write(user_key(profile), [ServerChange(THREADS, "create", checked)])
    if result.status == REJECTED or result.record is None:
        raise Conflict(result.message or "The thread could not be created", reason=result.code)
    return result.record
