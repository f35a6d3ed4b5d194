import time
from typing import Annotated

import strawberry

from resolvers.chat.inputs import ChatMessageInput
from resolvers.chat.records import ChatMessage, ChatThread
from resolvers.chat.types import CreateChatThreadInput
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.scope import reaching
from tether.errors import Unavailable
from tether.model.record import Record
from tether.people.roles import Area

ChatProfileId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="A managed or shared profile to chat in (see `profiles`); default: your own. FORBIDDEN "
        "unless your role there may read and write its chat."
    ),
]


@strawberry.type
class ChatMutation:
    @strawberry.mutation(
        description="Online clients: create a thread (the record saveChatThread makes, no sync queue needed). "
        "Its context must be a record you may read in the profile. Sending the same id again returns the "
        "thread as it is."
    )
    async def create_chat_thread(
        self, info: Info, input: CreateChatThreadInput, profile_id: ChatProfileId = None
    ) -> ChatThread:
        access = await reaching(info, profile_id, "createChatThread", read=(Area.CHAT,), write=(Area.CHAT,))
        chat = info.context.services.chat
        record = await offload(chat.create_thread, access.profile_id, access, input.to_core())
        return ChatThread.from_record(record)

    @strawberry.mutation(
        description="Online clients: send a message and get the assistant's reply in the same request "
        "(COMPLETE; FAILED with an error; or PENDING if the provider did not answer in time: the worker "
        "finishes it and devices pull it; or retryChatReply). Offline clients queue sendChatMessage in "
        "syncPush instead. Sending the same id again returns the same reply. Attachments are checked "
        "before anything is stored or sent."
    )
    async def send_chat_message(
        self, info: Info, input: ChatMessageInput, profile_id: ChatProfileId = None
    ) -> ChatMessage:
        started = time.monotonic()
        access = await reaching(info, profile_id, "sendChatMessage", read=(Area.CHAT,), write=(Area.CHAT,))
        attempt = await offload(
            info.context.services.chat.send, access.profile_id, input.to_core(), started, access
        )
        return _reply(attempt.reply)

    @strawberry.mutation(
        description="Try again to answer a message whose reply is PENDING or FAILED (pass the user "
        "message's id or the reply's). A COMPLETE reply is returned as it is, without asking the model again."
    )
    async def retry_chat_reply(
        self, info: Info, message_id: strawberry.ID, profile_id: ChatProfileId = None
    ) -> ChatMessage:
        started = time.monotonic()
        access = await reaching(info, profile_id, "retryChatReply", read=(Area.CHAT,), write=(Area.CHAT,))
        attempt = await offload(
            info.context.services.chat.retry, access.profile_id, str(message_id), started, access
        )
        return _reply(attempt.reply)


def _reply(record: Record | None) -> ChatMessage:
    if record is None:
        raise Unavailable("The reply could not be read; pull to see it")
    return ChatMessage.from_record(record)
