"""The chat records (threads, messages, memory): what a pull needs of the chat types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, Self

import strawberry

from resolvers.syncable import Syncable
from tether.chat.facts import MEMORY
from tether.chat.model import CONTEXT_KINDS, MESSAGES, THREADS
from tether.model.record import Record
from tether.sync.collection import Collection


@strawberry.enum(description="Who wrote a chat message.")
class ChatRole(Enum):
    USER = "USER"
    ASSISTANT = "ASSISTANT"


@strawberry.enum(description="Where a chat message stands. A user's message is always COMPLETE.")
class ChatMessageStatus(Enum):
    PENDING = "PENDING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


@strawberry.enum(description="The kind of record a thread is about.")
class ChatContextType(Enum):
    TRACK = "TRACK"
    COLLECTION = "COLLECTION"
    PIECE = "PIECE"
    PRACTICE_SESSION = "PRACTICE_SESSION"
    ATTACHMENT = "ATTACHMENT"


@strawberry.type(
    description="What a thread is about, by `type` and `id`: a catalog track or collection, or one of the "
    "profile's pieces, practice sessions or attachments (its id is also in the field of its type)."
)
class ChatContext:
    type: ChatContextType | None = None
    id: strawberry.ID | None = None
    track_id: strawberry.ID | None = None
    collection_id: strawberry.ID | None = None
    piece_id: strawberry.ID | None = None
    session_id: strawberry.ID | None = None
    attachment_id: strawberry.ID | None = None

    @classmethod
    def from_core(cls, context: dict[str, Any]) -> "ChatContext":
        found = cls(
            track_id=_id(context.get("track_id")),
            collection_id=_id(context.get("collection_id")),
            piece_id=_id(context.get("piece_id")),
            session_id=_id(context.get("session_id")),
            attachment_id=_id(context.get("attachment_id")),
        )
        name = next((key for key in CONTEXT_KINDS if context.get(key) is not None), None)
        if name is not None:
            found.type = ChatContextType(CONTEXT_KINDS[name])
            found.id = _id(context[name])
        return found


@strawberry.type(description="A conversation with the assistant. Only its owner ever sees it.")
class ChatThread(Syncable):
    collection: ClassVar[Collection] = THREADS

    title: str | None = strawberry.field(default=None, description="Up to 200 characters.")
    context: ChatContext | None = None
    summary: str | None = strawberry.field(
        default=None,
        description="The server's rolling summary of the older turns (what the assistant remembers of them).",
    )
    created_at: datetime | None = None
    last_message_at: datetime | None = strawberry.field(
        default=None, description="When the assistant last replied in this thread."
    )

    @classmethod
    def from_record(cls, record: Record) -> Self:
        thread = super().from_record(record)
        context: Any = THREADS.value(record, "context")
        if context:
            thread.context = ChatContext.from_core(context)
        return thread


@strawberry.type(description="Why an assistant reply FAILED, and when trying again makes sense.")
class ChatReplyError:
    code: str = strawberry.field(
        description="RATE_LIMITED (a daily budget is used up), THREAD_NOT_FOUND, PROVIDER_TIMEOUT, "
        "PROVIDER_UNAVAILABLE, PROVIDER_RATE_LIMITED, PROVIDER_REFUSED, PROVIDER_NOT_CONFIGURED or PROVIDER_ERROR."
    )
    message: str
    retry_at: datetime | None = strawberry.field(
        default=None, description="RATE_LIMITED: when the budget resets (retryChatReply after it)."
    )


@strawberry.type(
    description="A message of a chat thread. Show a thread's messages in conversation order: each user "
    "message, then the assistant message whose replyToId is its id (chatMessages returns them so)."
)
class ChatMessage(Syncable):
    collection: ClassVar[Collection] = MESSAGES

    thread_id: strawberry.ID | None = None
    role: ChatRole | None = None
    text: str | None = strawberry.field(
        default=None, description="A user's message: 1-4,000 characters. Null while a reply is PENDING."
    )
    created_at: datetime | None = None
    status: ChatMessageStatus | None = None
    error: ChatReplyError | None = strawberry.field(default=None, description="Set when status is FAILED.")
    model: str | None = strawberry.field(default=None, description="The model that wrote a reply.")
    input_tokens: int | None = None
    output_tokens: int | None = None
    reply_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="An assistant message: the user message it answers."
    )
    attachment_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="A user's message: the attachments the assistant read with it."
    )

    @classmethod
    def from_record(cls, record: Record) -> Self:
        data = record.data
        error = None
        if data.get("error_code"):
            error = ChatReplyError(
                code=str(data["error_code"]),
                message=str(data.get("error_message") or ""),
                retry_at=MESSAGES.value(record, "retry_at"),
            )
        return cls(
            id=strawberry.ID(record.id),
            version=record.version,
            updated_at=record.updated_at,  # type: ignore[arg-type]
            deleted=record.deleted,
            thread_id=_id(data.get("thread_id")),
            role=ChatRole(data["role"]) if data.get("role") else None,
            text=data.get("text"),
            created_at=record.created_at if not record.deleted else None,
            status=ChatMessageStatus(data["status"]) if data.get("status") else None,
            error=error,
            model=data.get("model"),
            input_tokens=MESSAGES.value(record, "input_tokens"),
            output_tokens=MESSAGES.value(record, "output_tokens"),
            reply_to_id=_id(data.get("reply_to")),
            attachment_ids=[strawberry.ID(str(i)) for i in data.get("attachment_ids") or []],
        )


def _id(value: Any) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(
    name="ChatMemory",
    description="A fact the assistant remembers about the user (long-term memory, when the deployment "
    "turns it on and the user consents): given to the model in every thread of this profile. The user "
    "may edit or delete it; a deleted fact is never learned again.",
)
class ChatMemory(Syncable):
    collection: ClassVar[Collection] = MEMORY

    text: str | None = strawberry.field(
        default=None, description="1-500 characters. Null only on a tombstone."
    )
    pinned: bool = strawberry.field(
        default=False,
        description="Kept when the set is full (only unpinned facts are dropped, oldest first).",
    )
    created_at: datetime | None = strawberry.field(
        default=None, description="When the fact was learned or first saved."
    )
