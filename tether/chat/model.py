"""Chat threads and messages as synced collections, and the operations that change them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tether.chat.files import check_ids
from tether.model.record import Record
from tether.sync.collection import (
    APPLIED,
    Change,
    Collection,
    Delete,
    FollowUp,
    Operation,
    Outcome,
    Rejected,
    SavePatch,
)
from tether.sync.fields import (
    Field,
    Integer,
    LimitExceeded,
    RecordId,
    Text,
    Timestamp,
    check_catalog_id,
    check_record_id,
    format_time,
)

if TYPE_CHECKING:
    from tether.people.access import Access

USER = "USER"
ASSISTANT = "ASSISTANT"
PENDING = "PENDING"
COMPLETE = "COMPLETE"
FAILED = "FAILED"

MAX_USER_TEXT = 4_000
MAX_REPLY_TEXT = 20_000
MAX_SUMMARY = 20_000
# Replies get ids derived from their user message's id: one reply per message, whoever writes it.
REPLY_NAMESPACE = uuid.UUID("6f1d2c1e-8a53-4d55-9b1f-3c0c5b8e2a71")


def reply_id(message_id: str) -> str:
    """The id of the assistant's reply to a user message (a UUIDv5 of the message id)."""
    return str(uuid.uuid5(REPLY_NAMESPACE, message_id))


# What a thread may be about, by type: the stored key and whether it is a catalog id (tracks and
# collections are the shared catalog's) or one of the profile's own record ids.
CONTEXT_KINDS = {
    "track_id": "TRACK",
    "collection_id": "COLLECTION",
    "piece_id": "PIECE",
    "session_id": "PRACTICE_SESSION",
    "attachment_id": "ATTACHMENT",
}
CATALOG_CONTEXTS = frozenset({"track_id", "collection_id"})


@dataclass(frozen=True)
class ThreadContext(Field):
    """What a thread is about: exactly one record by type and id, a catalog `track_id` or
    `collection_id`, or one of the profile's own `piece_id`, `session_id` or `attachment_id`s."""

    def check(self, value: Any, where: str) -> dict[str, str]:
        names = " or ".join(_camel(name) for name in CONTEXT_KINDS)
        if not isinstance(value, Mapping):
            raise LimitExceeded(f"{where} must name one of {names}", field=where)
        given = {name: item for name, item in value.items() if item is not None}
        if len(given) != 1 or not set(given) <= set(CONTEXT_KINDS):
            raise LimitExceeded(f"{where} must name exactly one of {names}", field=where)
        [(name, item)] = given.items()
        if name in CATALOG_CONTEXTS:
            return {name: check_catalog_id(item, f"{where}.{_camel(name)}")}
        return {name: check_record_id(item, f"{where}.{_camel(name)}")}

    def load(self, stored: Any) -> Any:
        return None if stored is None else dict(stored)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class AttachmentIds(Field):
    """A message's attachments: at most 5 distinct ids of the profile's attachments."""

    def check(self, value: Any, where: str) -> list[str]:
        return check_ids(value, where)

    def load(self, stored: Any) -> Any:
        return None if stored is None else list(stored)


def check_server_fields(collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Like `Collection.check_fields`, but server-set (read-only) fields are allowed."""
    checked: dict[str, Any] = {"id": check_record_id(payload.get("id"), f"{where}.id")}
    for name, value in payload.items():
        if name == "id":
            continue
        spec = collection.fields.get(name)
        if spec is None:
            raise LimitExceeded(
                f"{where}.{name} is not a field of {collection.name}", field=f"{where}.{name}"
            )
        checked[name] = None if value is None else spec.check(value, f"{where}.{name}")
    return checked


class ServerPatch(Operation):
    """A patch by the server itself (reply text and status, a thread's summary): read-only fields allowed.

    The server is the only writer of these fields and a lease orders its writers, so the latest
    write wins outright (no stamp comparison). Only existing, live records are patched.
    No SyncChangeInput member maps to it: only `SyncEngine.write` reaches it.
    """

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return check_server_fields(collection, payload, where)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is None or not record.exists:
            raise Rejected("NOT_FOUND", f"{collection.name} {payload['id']} does not exist")
        if record.deleted:
            raise Rejected("RECORD_DELETED", f"{collection.name} {record.id} was deleted")
        changed = False
        for name, value in payload.items():
            if name == "id":
                continue
            if record.data.get(name) != value:
                changed = True
            if value is None:
                record.data.pop(name, None)
            else:
                record.data[name] = value
            current = record.stamps.get(name)
            record.stamps[name] = change.stamp if current is None else max(current, change.stamp)
        return Outcome(APPLIED, record, changed)


class CreateThread(SavePatch):
    """`createChatThread`: a thread created online, the same record `saveChatThread` makes. Sent
    again with the same id, it returns the thread as it is (an app's retry never overwrites edits
    made since); a deleted id stays deleted."""

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is not None and record.exists and not record.deleted:
            return Outcome(APPLIED, record, changed=False)
        return super().apply(collection, record, payload, change)


class CreateReply(Operation):
    """Create the PENDING reply to a user message, unless a reply already exists (never overwrites)."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        return check_server_fields(collection, payload, where)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is not None and record.deleted:
            raise Rejected("RECORD_DELETED", "the message was deleted")
        if record is not None and record.exists:
            return Outcome(APPLIED, record, changed=False)
        record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.now)
        for name, value in payload.items():
            if name != "id" and value is not None:
                record.data[name] = value
                record.stamps[name] = change.stamp
        return Outcome(APPLIED, record, changed=True)


class SendMessage(Operation):
    """A user's message: `id`, `thread_id`, `text` (1-4,000 characters), optional `attachment_ids`
    (at most 5). Messages never change."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        unknown = set(payload) - {"id", "thread_id", "text", "attachment_ids"}
        if unknown:
            name = sorted(unknown)[0]
            raise LimitExceeded(f"{where}.{name} is not a field of a message", field=f"{where}.{name}")
        thread_id = check_record_id(payload.get("thread_id"), f"{where}.threadId")
        text = payload.get("text")
        if not isinstance(text, str):
            raise LimitExceeded(f"{where}.text is required", field=f"{where}.text")
        USER_TEXT.check(text, f"{where}.text")
        checked: dict[str, Any] = {
            "id": check_record_id(payload.get("id"), f"{where}.id"),
            "thread_id": thread_id,
            "text": text,
        }
        if payload.get("attachment_ids"):
            checked["attachment_ids"] = check_ids(payload["attachment_ids"], f"{where}.attachmentIds")
        return checked

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is not None and record.deleted:
            raise Rejected("RECORD_DELETED", f"message {record.id} was deleted; deletes are final")
        if record is not None and record.exists:
            same = (
                record.data.get("role") == USER
                and record.data.get("thread_id") == payload["thread_id"]
                and record.data.get("text") == payload["text"]
                and list(record.data.get("attachment_ids") or []) == list(payload.get("attachment_ids") or [])
            )
            if not same:
                raise Rejected("ID_IN_USE", f"another message already has the id {record.id}")
            return Outcome(APPLIED, record, changed=False)  # sent again: nothing changes
        record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.changed_at)
        fields: dict[str, Any] = {
            "thread_id": payload["thread_id"],
            "text": payload["text"],
            "role": USER,
            "status": COMPLETE,
        }
        if payload.get("attachment_ids"):
            fields["attachment_ids"] = list(payload["attachment_ids"])
        for name, value in fields.items():
            record.data[name] = value
            record.stamps[name] = change.stamp
        return Outcome(APPLIED, record, changed=True)

    def related(self, collection: Collection, payload: Mapping[str, Any]) -> list[str]:
        """The message's reply and its thread: read with the push's own records."""
        return [
            collection.sort_key(reply_id(str(payload["id"]))),
            THREADS.sort_key(str(payload["thread_id"])),
        ]

    def follow_ups(
        self,
        collection: Collection,
        outcome: Outcome,
        records: Mapping[str, Record],
        access: Access | None,
    ) -> list[FollowUp]:
        """A new message's PENDING reply, committed in the push's own transaction (no second one),
        when its thread is there and it has no reply yet. A member's messages (a shared profile)
        are screened for what the role may read first, so theirs are made after the push as before
        (tether/chat/assistant.py), as are the rarer cases (a missing or deleted thread)."""
        message = outcome.record
        if access is not None and not access.own:
            return []
        thread = records.get(THREADS.sort_key(str(message.data.get("thread_id"))))
        if thread is None or thread.deleted or records.get(collection.sort_key(reply_id(message.id))):
            return []
        return [FollowUp(collection, "reply", reply_payload(message, PENDING), expects_server_write=True)]


USER_TEXT = Text(min_length=1, max_length=MAX_USER_TEXT)


def reply_payload(
    message: Record, status: str, code: str | None = None, error: str | None = None
) -> dict[str, Any]:
    """The reply record (`reply` operation) to a user message, with its status (and error)."""
    return {
        "id": reply_id(message.id),
        "thread_id": message.data.get("thread_id"),
        "role": ASSISTANT,
        "status": status,
        "reply_to": message.id,
        "turn_at": message.created_at,
        "error_code": code,
        "error_message": error,
    }


def message_position(record: Record) -> str | None:
    """Conversation order inside a thread: each user message, then the reply to it (index byLookup)."""
    data = record.data
    thread_id = data.get("thread_id")
    if not thread_id:
        return None
    if data.get("role") == ASSISTANT:
        return f"{position_prefix(thread_id)}{data.get('turn_at', '')}#{data.get('reply_to', '')}#1"
    created = format_time(record.created_at) if record.created_at else ""
    return f"{position_prefix(thread_id)}{created}#{record.id}#0"


def message_lookup(record: Record) -> str | None:
    """A user message's entry in `byLookup` (its position). A reply has none: its message's entry
    stands for both (`reply_companion`), which saves its index entry in the push that writes it
    PENDING (2 WRU: docs/cost.md). Replies written before keep theirs until their next write."""
    if record.data.get("role") == ASSISTANT:
        return None
    return message_position(record)


def reply_companion(key: Mapping[str, str]) -> dict[str, str] | None:
    """The reply listed right after a user message's `byLookup` entry (storage.listing's
    companion): its sort key, at the position it has in the conversation."""
    position = key.get("lk", "")
    if not position.endswith("#0"):
        return None
    message_id = position.rsplit("#", 2)[-2]
    return {"sk": MESSAGES.sort_key(reply_id(message_id)), "lk": f"{position[:-1]}1"}


def position_prefix(thread_id: str) -> str:
    return f"CHATMSG#{thread_id}#"


PENDING_PREFIX = "CHATPENDING#"


def pending_key(record: Record) -> str | None:
    """Replies still PENDING (index byTime), oldest message first: what the next push completes."""
    data = record.data
    if data.get("role") == ASSISTANT and data.get("status") == PENDING:
        return f"{PENDING_PREFIX}{data.get('turn_at', '')}#{data.get('reply_to', '')}"
    return None


def waits(record: Record) -> bool:
    """A PENDING reply waits on the head (Collection.pending): what sweeps complete, oldest first.
    In `byTime` (pending_key) only when the head is full."""
    return pending_key(record) is not None


THREAD_TIME_PREFIX = "CHATTHREAD#"


def thread_activity(record: Record) -> str | None:
    """Threads by their latest reply (or creation), for the thread list (index byTime)."""
    at = record.data.get("last_message_at") or (format_time(record.created_at) if record.created_at else "")
    return f"{THREAD_TIME_PREFIX}{at}"


THREADS = Collection(
    name="chat_thread",
    key_prefix="CHATTHREAD",
    fields={
        "title": Text(max_length=200),
        "context": ThreadContext(),
        "summary": Text(max_length=MAX_SUMMARY),
        "folded_through": Text(max_length=500),
        "last_message_at": Timestamp(),
    },
    operations={
        "save": SavePatch(),
        "create": CreateThread(),
        "delete": Delete(),
        "server_save": ServerPatch(),
    },
    time_key=thread_activity,
    read_only=frozenset({"summary", "folded_through", "last_message_at"}),
)

MESSAGES = Collection(
    name="chat_message",
    key_prefix="CHATMSG",
    fields={
        "thread_id": RecordId(required=True),
        "text": Text(max_length=MAX_REPLY_TEXT),
        "attachment_ids": AttachmentIds(),
        "role": Text(max_length=20),
        "status": Text(max_length=20),
        "error_code": Text(max_length=50),
        "error_message": Text(max_length=500),
        "retry_at": Timestamp(),
        "model": Text(max_length=200),
        "input_tokens": Integer(minimum=0),
        "output_tokens": Integer(minimum=0),
        "reply_to": RecordId(),
        "turn_at": Timestamp(),
        "attempts": Integer(minimum=0),
    },
    operations={
        "send": SendMessage(),
        "reply": CreateReply(),
        "server_save": ServerPatch(),
        "delete": Delete(),
    },
    lookup_key=message_lookup,
    time_key=pending_key,
    pending=waits,
    read_only=frozenset(
        {
            "role",
            "status",
            "error_code",
            "error_message",
            "retry_at",
            "model",
            "input_tokens",
            "output_tokens",
            "reply_to",
            "turn_at",
            "attempts",
        }
    ),
)


def position_sort_key(position: str) -> str:
    """The sort key of the message at a conversation position (for starting a query after it)."""
    message_id, role = position.rsplit("#", 2)[-2:]
    return MESSAGES.sort_key(message_id if role == "0" else reply_id(message_id))
