"""The chat inputs (threads, messages, memory) of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

from typing import Any

import strawberry

from tether.chat.model import CONTEXT_KINDS


@strawberry.input(
    one_of=True,
    description="Exactly one record a thread is about: a catalog track or collection id, or the id of one of "
    "the profile's pieces, practice sessions or attachments (an attachment is read by the assistant with "
    "every message of the thread).",
)
class ChatContextInput:
    track_id: strawberry.ID | None = strawberry.UNSET
    collection_id: strawberry.ID | None = strawberry.UNSET
    piece_id: strawberry.ID | None = strawberry.UNSET
    session_id: strawberry.ID | None = strawberry.UNSET
    attachment_id: strawberry.ID | None = strawberry.UNSET

    def to_core(self) -> dict[str, str]:
        """The core's form of the context (see tether/chat/model.py ThreadContext)."""
        for name in CONTEXT_KINDS:
            value = getattr(self, name)
            if value is not None and value is not strawberry.UNSET:
                return {name: str(value)}
        raise AssertionError("@oneOf guarantees one member")  # pragma: no cover


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class ChatThreadInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    title: strawberry.Maybe[str | None]
    context: strawberry.Maybe[ChatContextInput | None]


@strawberry.input(description="A user's message to the assistant.")
class ChatMessageInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    thread_id: strawberry.ID
    text: str = strawberry.field(description="1-4,000 characters.")
    attachment_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Up to 5 UPLOADED attachments of the profile for the assistant to read with this message, "
        "of a type and size the deployment's provider reads (docs/chat.md, Attachments).",
    )

    def to_core(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"id": str(self.id), "thread_id": str(self.thread_id), "text": self.text}
        if self.attachment_ids:
            payload["attachment_ids"] = [str(i) for i in self.attachment_ids]
        return payload


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class ChatMemoryInput:
    id: strawberry.ID = strawberry.field(
        description="Client-generated UUID or ULID (or a learned fact's id)."
    )
    text: strawberry.Maybe[str | None] = strawberry.field(description="1-500 characters; required on create.")
    pinned: strawberry.Maybe[bool | None]
