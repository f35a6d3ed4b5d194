from enum import Enum
from typing import Any

import strawberry

from resolvers.chat.inputs import ChatContextInput
from resolvers.chat.records import ChatMessage, ChatThread
from resolvers.pagination import PageInfo


@strawberry.input(description="A new thread, created online (createChatThread).")
class CreateChatThreadInput:
    id: strawberry.ID = strawberry.field(
        description="Client-generated UUID or ULID; sending the same id again returns the thread as it is."
    )
    title: str | None = strawberry.field(default=None, description="Up to 200 characters.")
    context: ChatContextInput | None = strawberry.field(
        default=None, description="What the thread is about: a record you may read in this profile."
    )

    def to_core(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"id": str(self.id)}
        if self.title is not None:
            payload["title"] = self.title
        if self.context is not None:
            payload["context"] = self.context.to_core()
        return payload


@strawberry.type
class ChatThreadConnection:
    nodes: list[ChatThread]
    page_info: PageInfo


@strawberry.type
class ChatMessageConnection:
    nodes: list[ChatMessage]
    page_info: PageInfo


@strawberry.enum(description="The order of a thread's messages.")
class ChatMessageOrder(Enum):
    OLDEST_FIRST = strawberry.enum_value(
        "OLDEST_FIRST", description="Conversation order: each user message, then its reply."
    )
    NEWEST_FIRST = strawberry.enum_value(
        "NEWEST_FIRST",
        description="The latest first (each reply, then the message it answers): open a long thread at its end "
        "and page back with `after`.",
    )


@strawberry.type(description="Starter prompts to offer in a new or empty thread.")
class ChatSuggestions:
    language: str = strawberry.field(description="The language the prompts are in (the best match).")
    prompts: list[str]
