"""The direct mutations for online clients: sendChatMessage (returns the reply) and retryChatReply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.chat.conftest import Answer, FakeAPI, change, openai_error, openai_reply, openai_settings, push
from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.chat.model import reply_id


def new_thread(gql: GraphQLClient) -> str:
    thread = new_id()
    push(gql, "phone", [change(1, at(0), saveChatThread={"id": thread, "title": "t"})])
    return thread


def send(gql: GraphQLClient, thread: str, text: str, message_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = gql(
        operation("SendChatMessage"),
        {"input": {"id": message_id or new_id(), "threadId": thread, "text": text}},
    )
    return body


def test_send_returns_the_reply(chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI) -> None:
    fake_api.script = [openai_reply("Nice work!")]
    gql = chat_client(**openai_settings(fake_api))
    thread = new_thread(gql)
    message = new_id()
    reply = send(gql, thread, "I finished my practice", message)["data"]["sendChatMessage"]
    assert reply["id"] == reply_id(message)
    assert (reply["role"], reply["status"], reply["text"]) == ("ASSISTANT", "COMPLETE", "Nice work!")
    assert reply["replyToId"] == message
    # Sending the same message again (the response was lost) returns the same reply, no new call.
    again = send(gql, thread, "I finished my practice", message)["data"]["sendChatMessage"]
    assert again == reply
    assert len(fake_api.requests) == 1


def test_a_provider_failure_is_a_failed_reply_and_retry_completes_it(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    fake_api.script = [openai_error(503)]
    gql = chat_client(**openai_settings(fake_api))
    thread = new_thread(gql)
    message = new_id()
    failed = send(gql, thread, "hello", message)["data"]["sendChatMessage"]
    assert failed["status"] == "FAILED"
    assert failed["text"] is None
    assert failed["error"] == {
        "code": "PROVIDER_UNAVAILABLE",
        "message": "The assistant is unavailable right now. Try again in a moment.",
        "retryAt": None,
    }
    fake_api.script = [openai_reply("Here now")]
    retried = gql.data(operation("RetryChatReply"), {"messageId": message})["retryChatReply"]
    assert (retried["status"], retried["text"], retried["error"]) == ("COMPLETE", "Here now", None)
    # A COMPLETE reply is returned as it is: the model is not asked again.
    assert gql.data(operation("RetryChatReply"), {"messageId": retried["id"]})["retryChatReply"] == retried
    assert len(fake_api.requests) == 2


def test_a_slow_provider_leaves_the_reply_pending(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    fake_api.script = [Answer(body=openai_reply("late").body, delay=1.0)]
    gql = chat_client(**openai_settings(fake_api, chat_provider_timeout_seconds=0.3))
    thread = new_thread(gql)
    pending = send(gql, thread, "hello")["data"]["sendChatMessage"]
    assert pending["status"] == "PENDING"
    assert pending["text"] is None
    fake_api.script = [openai_reply("on time")]
    done = gql.data(operation("RetryChatReply"), {"messageId": pending["replyToId"]})["retryChatReply"]
    assert done["status"] == "COMPLETE"


def test_the_daily_message_budget_is_rate_limited_with_its_reset_time(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, server_clock: Clock
) -> None:
    fake_api.default = lambda received: openai_reply("ok")
    server_clock.now = datetime(2026, 3, 10, 23, 59, tzinfo=UTC)  # a minute before the reset
    gql = chat_client(clock=server_clock, **openai_settings(fake_api, chat_daily_messages=2))
    thread = new_thread(gql)
    for text in ("one", "two"):
        assert "errors" not in send(gql, thread, text)
    refused = send(gql, thread, "three")
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["budget"] == "messages"
    assert error["extensions"]["limit"] == 2
    assert error["extensions"]["resetsAt"] == "2026-03-11T00:00:00Z"
    assert len(fake_api.requests) == 2, "a refused message costs no provider call"
    messages = gql.data(operation("ChatMessages"), {"threadId": thread})["chatMessages"]["nodes"]
    assert [m["text"] for m in messages if m["role"] == "USER"] == ["one", "two"], "nothing stored"
    server_clock.advance(minutes=1)  # the next UTC day: a new budget
    assert "errors" not in send(gql, thread, "three")


def test_bad_input_is_refused_before_anything_is_stored_or_sent(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    gql = chat_client(**openai_settings(fake_api))
    thread = new_thread(gql)
    cases = [
        ({"id": new_id(), "threadId": thread, "text": "x" * 4001}, "BAD_USER_INPUT", "input.text"),
        ({"id": new_id(), "threadId": thread, "text": ""}, "BAD_USER_INPUT", "input.text"),
        ({"id": "not-an-id", "threadId": thread, "text": "hi"}, "BAD_USER_INPUT", "input.id"),
        ({"id": new_id(), "threadId": "bad", "text": "hi"}, "BAD_USER_INPUT", "input.threadId"),
        ({"id": new_id(), "threadId": new_id(), "text": "hi"}, "NOT_FOUND", "input.threadId"),
    ]
    for variables, code, field in cases:
        [error] = gql(operation("SendChatMessage"), {"input": variables})["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field), variables
    assert fake_api.requests == []
    assert gql.data(operation("ChatMessages"), {"threadId": thread})["chatMessages"]["nodes"] == []
    [error] = gql(operation("RetryChatReply"), {"messageId": new_id()})["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_chat_needs_a_signed_in_user(anonymous: GraphQLClient) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("SendChatMessage", {"input": {"id": new_id(), "threadId": new_id(), "text": "hi"}}),
        ("RetryChatReply", {"messageId": new_id()}),
        ("ChatThreads", {}),
        ("ChatSuggestions", {}),
    ]
    for name, variables in cases:
        [error] = anonymous(operation(name), variables)["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED", name
