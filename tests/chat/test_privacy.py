"""Privacy: chat text never reaches the logs, and a thread is only ever its owner's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.conftest import Answer, FakeAPI, change, openai_error, openai_reply, openai_settings, push
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.chat.model import reply_id

SECRET = "my-diagnosis-is-confidential-4711"
REPLY_SECRET = "assistant-said-private-0815"


def test_chat_text_never_reaches_any_log_even_at_debug(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gql = chat_client(**openai_settings(fake_api, chat_provider_timeout_seconds=0.3))
    thread = new_id()
    fake_api.script = [
        openai_reply(f"{REPLY_SECRET} one"),  # a reply
        openai_error(500),  # a failure
        Answer(body=openai_reply("late").body, delay=1.0),  # a timeout
        openai_reply(f"{REPLY_SECRET} two"),  # a retry
    ]
    push(
        gql,
        "phone",
        [
            change(1, at(0), saveChatThread={"id": thread, "title": f"title {SECRET}"}),
            change(2, at(1), sendChatMessage={"id": new_id(), "threadId": thread, "text": f"push {SECRET}"}),
        ],
    )
    failed = gql.data(
        operation("SendChatMessage"),
        {"input": {"id": new_id(), "threadId": thread, "text": f"fail {SECRET}"}},
    )["sendChatMessage"]
    assert failed["status"] == "FAILED"
    slow = gql.data(
        operation("SendChatMessage"),
        {"input": {"id": new_id(), "threadId": thread, "text": f"slow {SECRET}"}},
    )["sendChatMessage"]
    assert slow["status"] == "PENDING"
    gql.data(operation("RetryChatReply"), {"messageId": slow["replyToId"]})
    pulled = gql.data(operation("SyncPull"), {"input": {"clientId": "phone"}})["syncPull"]
    assert any(REPLY_SECRET in (m["text"] or "") for m in pulled["chatMessages"])
    assert len(fake_api.requests) == 4

    assert caplog.records, "the requests were logged (without their content)"
    assert any(record.getMessage() == "chat reply" for record in caplog.records)
    for record in caplog.records:
        for text in (SECRET, REPLY_SECRET):
            assert text not in record.getMessage(), record.name
            assert text not in str(record.__dict__), record.name
    # The SDKs' and HTTP clients' own loggers (which would print request bodies at DEBUG) stay quiet.
    for name in ("openai", "anthropic", "httpx2", "httpcore2", "botocore", "pynamodb"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


def test_another_user_can_neither_read_nor_write_a_thread(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    fake_api.default = lambda received: openai_reply("ok")
    owner = chat_client(user=f"owner-{new_id()}", **openai_settings(fake_api))
    other = chat_client(user=f"other-{new_id()}", **openai_settings(fake_api))
    thread, message = new_id(), new_id()
    push(
        owner,
        "phone",
        [
            change(1, at(0), saveChatThread={"id": thread, "title": "mine"}),
            change(2, at(1), sendChatMessage={"id": message, "threadId": thread, "text": SECRET}),
        ],
    )
    owner_cursor = owner.data(operation("SyncPull"), {"input": {"clientId": "phone"}})["syncPull"]["cursor"]

    # Reads: nothing of the owner's is visible through any operation.
    assert other.data(operation("ChatThread"), {"id": thread})["chatThread"] is None
    assert other.data(operation("ChatThreads"), {})["chatThreads"]["nodes"] == []
    assert other.data(operation("ChatMessages"), {"threadId": thread})["chatMessages"]["nodes"] == []
    pulled: dict[str, Any] = other.data(operation("SyncPull"), {"input": {"clientId": "x"}})["syncPull"]
    assert pulled["chatThreads"] == pulled["chatMessages"] == []
    for message_id in (message, reply_id(message)):
        [error] = other(operation("RetryChatReply"), {"messageId": message_id})["errors"]
        assert error["extensions"]["code"] == "NOT_FOUND"
    [error] = other(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": "let me in"}}
    )["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"

    # Writes naming the owner's ids land in the other user's own partition, never the owner's.
    requests_before = len(fake_api.requests)
    sneaky = push(
        other,
        "laptop",
        [
            change(1, at(2), saveChatThread={"id": thread, "title": "hijacked"}),
            change(
                2, at(3), sendChatMessage={"id": new_id(), "threadId": thread, "text": "what did they say?"}
            ),
            change(3, at(4), deleteChatThread={"id": thread}),
        ],
    )
    assert [r["status"] for r in sneaky["results"]] == ["APPLIED"] * 3
    assert owner.data(operation("ChatThread"), {"id": thread})["chatThread"]["title"] == "mine"
    unchanged = owner.data(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": owner_cursor}})
    assert unchanged["syncPull"]["chatThreads"] == unchanged["syncPull"]["chatMessages"] == []
    # What the model got for the other user's message was only that user's own thread.
    for request in fake_api.requests[requests_before:]:
        assert SECRET not in str(request.body)
