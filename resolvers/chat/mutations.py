from __future__ import annotations

import time

import strawberry

from resolvers.chat.types import ChatMessage, ChatMessageInput
from resolvers.context import Info
from resolvers.offload import offload
from tether.errors import Unavailable
from tether.model.record import Record


@strawberry.type
class ChatMutation:
    @strawberry.mutation(
        description="Online clients: send a message and get the assistant's reply in the same request "
        "(COMPLETE; FAILED with an error; or PENDING if the provider did not answer in time: the worker "
        "finishes it and devices pull it; or retryChatReply). Offline clients queue sendChatMessage in syncPush instead. Sending the same id "
        "again returns the same reply."
    )
    async def send_chat_message(self, info: Info, input: ChatMessageInput) -> ChatMessage:
        user = info.context.user
        started = time.monotonic()
        payload = {"id": str(input.id), "thread_id": str(input.thread_id), "text": input.text}
        attempt = await offload(info.context.services.chat.send, user.id, payload, started)
        return _reply(attempt.reply)

    @strawberry.mutation(
        description="Try again to answer a message whose reply is PENDING or FAILED (pass the user "
        "message's id or the reply's). A COMPLETE reply is returned as it is, without asking the model again."
    )
    async def retry_chat_reply(self, info: Info, message_id: strawberry.ID) -> ChatMessage:
        user = info.context.user
        started = time.monotonic()
        attempt = await offload(info.context.services.chat.retry, user.id, str(message_id), started)
        return _reply(attempt.reply)


def _reply(record: Record | None) -> ChatMessage:
    if record is None:
        raise Unavailable("The reply could not be read; pull to see it")
    return ChatMessage.from_record(record)
