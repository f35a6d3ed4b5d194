import strawberry

from resolvers.chat.inputs import ChatContextInput
from resolvers.chat.records import ChatMessage, ChatThread
from resolvers.chat.types import (
    ChatMessageConnection,
    ChatMessageOrder,
    ChatSuggestions,
    ChatThreadConnection,
)
from resolvers.context import Info
from resolvers.pagination import decode_after, one_of, page_info, page_of
from resolvers.people.scope import ProfileId, readable
from tether.chat.model import THREAD_TIME_PREFIX, THREADS
from tether.chat.threads import messages_page
from tether.people.roles import Area
from tether.sync import reads
from tether.sync.fields import is_record_id


@strawberry.type
class ChatQuery:
    @strawberry.field(description="The user's chat threads (not deleted), latest activity first.")
    async def chat_threads(
        self, info: Info, first: int = 20, after: str | None = None, profile_id: ProfileId = None
    ) -> ChatThreadConnection:
        profile = await readable(info, profile_id, Area.CHAT, "chatThreads")
        return await page_of(
            ChatThreadConnection,
            ChatThread.from_record,
            reads.page,
            profile,
            THREADS,
            first=first,
            after=decode_after(after),
            index="byTime",
            prefix=THREAD_TIME_PREFIX,
            descending=True,
        )

    @strawberry.field(description="One chat thread, or null if it doesn't exist (or was deleted).")
    async def chat_thread(
        self, info: Info, id: strawberry.ID, profile_id: ProfileId = None
    ) -> ChatThread | None:
        profile = await readable(info, profile_id, Area.CHAT, "chatThread")
        return await one_of(ChatThread.from_record, reads.get, profile, THREADS, str(id))

    @strawberry.field(
        description="A thread's messages in conversation order (each user message, then its reply), or "
        "newest first with `order: NEWEST_FIRST` (page back with `after`)."
    )
    async def chat_messages(
        self,
        info: Info,
        thread_id: strawberry.ID,
        first: int = 50,
        after: str | None = None,
        profile_id: ProfileId = None,
        order: ChatMessageOrder = ChatMessageOrder.OLDEST_FIRST,
    ) -> ChatMessageConnection:
        profile = await readable(info, profile_id, Area.CHAT, "chatMessages")
        if not is_record_id(str(thread_id)):
            return ChatMessageConnection(nodes=[], page_info=page_info(None))
        return await page_of(
            ChatMessageConnection,
            ChatMessage.from_record,
            messages_page,
            profile,
            str(thread_id),
            first=first,
            after=decode_after(after),
            descending=order is ChatMessageOrder.NEWEST_FIRST,
        )

    @strawberry.field(
        description="Starter prompts for a thread about this context (none: a general thread), in the "
        "requested language (a BCP 47 tag) or the closest one available."
    )
    async def chat_suggestions(
        self, info: Info, context: ChatContextInput | None = None, language: str | None = None
    ) -> ChatSuggestions:
        _ = info.context.user  # signed-in users only
        core = context.to_core() if context is not None else {}
        found = info.context.services.suggestions.suggest(
            track_id=core.get("track_id"),
            piece_id=core.get("piece_id"),
            language=language,
            kind=next(iter(core), None),
        )
        return ChatSuggestions(language=found.language, prompts=found.prompts)
