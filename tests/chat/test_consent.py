"""A deployment that requires consent for chat (TETHER_REQUIRED_CONSENTS=chat=ai_chat)."""

from __future__ import annotations

from collections.abc import Callable

from tests.chat.conftest import FakeAPI, change, openai_reply, openai_settings, push, thread_messages
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.chat.model import reply_id


def consent(gql: GraphQLClient, granted: bool) -> None:
    gql.data(
        operation("RecordConsent"), {"input": {"kind": "ai_chat", "granted": granted, "version": "2026-01"}}
    )


def new_thread(gql: GraphQLClient) -> str:
    thread = new_id()
    push(gql, "phone", [change(1, at(0), saveChatThread={"id": thread, "title": "t"})])
    return thread


def test_sending_without_consent_is_forbidden_and_sends_nothing(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    gql = chat_client(**openai_settings(fake_api), required_consents="chat=ai_chat")
    thread = new_thread(gql)
    [error] = gql(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "hi"}}
    )["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "CONSENT_REQUIRED", "kind": "ai_chat"}
    assert thread_messages(gql, thread) == []
    assert fake_api.requests == []
    consent(gql, True)
    fake_api.script = [openai_reply("Welcome")]
    reply = gql.data(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "hi"}}
    )
    assert reply["sendChatMessage"]["text"] == "Welcome"
    consent(gql, False)  # withdrawn: refused again
    [again] = gql(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "hi"}}
    )["errors"]
    assert again["extensions"]["reason"] == "CONSENT_REQUIRED"
    assert len(fake_api.requests) == 1


def test_a_message_pushed_before_consent_is_kept_and_answered_once_consent_is_given(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    gql = chat_client(**openai_settings(fake_api), required_consents="chat=ai_chat")
    thread = new_thread(gql)
    message = new_id()
    result = push(
        gql, "phone", [change(2, at(1), sendChatMessage={"id": message, "threadId": thread, "text": "hi"})]
    )
    assert result["results"][0]["status"] == "APPLIED"  # the offline message is not lost
    reply = next(m for m in thread_messages(gql, thread) if m["id"] == reply_id(message))
    assert reply["status"] == "FAILED"
    assert reply["error"]["code"] == "CONSENT_REQUIRED"
    assert fake_api.requests == []
    [refused] = gql(operation("RetryChatReply"), {"messageId": message})["errors"]
    assert refused["extensions"]["reason"] == "CONSENT_REQUIRED"
    consent(gql, True)
    fake_api.script = [openai_reply("Answered")]
    retried = gql.data(operation("RetryChatReply"), {"messageId": message})["retryChatReply"]
    assert (retried["status"], retried["text"]) == ("COMPLETE", "Answered")
