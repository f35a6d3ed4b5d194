"""Chat through sync: offline-queued messages go out with a push, replies come back with a pull."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.conftest import FakeAPI, change, openai_reply, openai_settings, push, thread_messages
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.chat.model import reply_id


@pytest.fixture
def gql(chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI) -> GraphQLClient:
    fake_api.default = lambda received: openai_reply(f"answer to {received.body['messages'][-1]['content']}")
    return chat_client(**openai_settings(fake_api))


def pull(gql: GraphQLClient, client_id: str, cursor: str | None = None) -> dict[str, Any]:
    data = gql.data(operation("SyncPull"), {"input": {"clientId": client_id, "cursor": cursor}})
    payload: dict[str, Any] = data["syncPull"]
    return payload


def test_messages_typed_offline_are_answered_and_the_replies_arrive_by_pull(
    gql: GraphQLClient, fake_api: FakeAPI
) -> None:
    tablet_cursor = pull(gql, "tablet")["cursor"]
    thread, first, second = new_id(), new_id(), new_id()
    queued = [
        change(
            1,
            at(0),
            saveChatThread={"id": thread, "title": "Evening check-in", "context": {"trackId": "breath-01"}},
        ),
        change(2, at(5), sendChatMessage={"id": first, "threadId": thread, "text": "I practised today"}),
        change(3, at(9), sendChatMessage={"id": second, "threadId": thread, "text": "for ten minutes"}),
    ]
    pushed = push(gql, "phone", queued)
    assert [r["status"] for r in pushed["results"]] == ["APPLIED"] * 3
    message = pushed["results"][1]["record"]
    assert (message["__typename"], message["role"], message["status"]) == ("ChatMessage", "USER", "COMPLETE")
    assert message["createdAt"].startswith("2026-03-01T09:00:05")

    # Another device sees the thread, both messages and both replies.
    changed = pull(gql, "tablet", tablet_cursor)
    [stored_thread] = changed["chatThreads"]
    assert stored_thread["title"] == "Evening check-in"
    assert stored_thread["context"] == {
        "type": "TRACK",
        "id": "breath-01",
        "trackId": "breath-01",
        "collectionId": None,
        "pieceId": None,
        "sessionId": None,
        "attachmentId": None,
    }
    assert stored_thread["lastMessageAt"] is not None
    by_id = {m["id"]: m for m in changed["chatMessages"]}
    answer = by_id[reply_id(first)]
    assert answer["role"] == "ASSISTANT"
    assert answer["status"] == "COMPLETE"
    assert answer["text"] == "answer to I practised today"
    assert answer["replyToId"] == first
    assert answer["threadId"] == thread
    assert answer["model"] == "gpt-test"
    assert (answer["inputTokens"], answer["outputTokens"]) == (11, 7)
    assert answer["error"] is None
    # The conversation order: each message, then its reply.
    ordered = [(m["role"], m["text"]) for m in thread_messages(gql, thread)]
    assert ordered == [
        ("USER", "I practised today"),
        ("ASSISTANT", "answer to I practised today"),
        ("USER", "for ten minutes"),
        ("ASSISTANT", "answer to for ten minutes"),
    ]
    # The second reply remembered the first exchange, and the track the thread is about.
    sent = fake_api.requests[1].body["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert "catalog track breath-01" in sent[0]["content"]


def test_a_retried_push_never_produces_a_second_reply(gql: GraphQLClient, fake_api: FakeAPI) -> None:
    thread, message = new_id(), new_id()
    batch = [
        change(1, at(0), saveChatThread={"id": thread}),
        change(2, at(1), sendChatMessage={"id": message, "threadId": thread, "text": "hello"}),
    ]
    push(gql, "phone", batch)
    for _ in range(2):  # the response was lost; the app sends the same batch again
        again = push(gql, "phone", batch)
        assert [r["status"] for r in again["results"]] == ["DUPLICATE", "DUPLICATE"]
    # The same message sent again by another device (a new mutation) changes nothing either.
    other = push(
        gql,
        "tablet",
        [change(1, at(2), sendChatMessage={"id": message, "threadId": thread, "text": "hello"})],
    )
    assert other["results"][0]["status"] == "APPLIED"
    assert len(fake_api.requests) == 1
    assert [m["role"] for m in thread_messages(gql, thread)] == ["USER", "ASSISTANT"]


def test_a_message_id_reused_for_other_text_is_rejected(gql: GraphQLClient) -> None:
    thread, message = new_id(), new_id()
    push(
        gql,
        "phone",
        [
            change(1, at(0), saveChatThread={"id": thread}),
            change(2, at(1), sendChatMessage={"id": message, "threadId": thread, "text": "a"}),
        ],
    )
    reused = push(
        gql, "phone", [change(3, at(2), sendChatMessage={"id": message, "threadId": thread, "text": "b"})]
    )
    assert reused["results"][0]["status"] == "REJECTED"
    assert reused["results"][0]["code"] == "ID_IN_USE"


def test_deleting_a_thread_deletes_its_messages_on_every_device(gql: GraphQLClient) -> None:
    thread, message = new_id(), new_id()
    push(
        gql,
        "phone",
        [
            change(1, at(0), saveChatThread={"id": thread}),
            change(2, at(1), sendChatMessage={"id": message, "threadId": thread, "text": "hi"}),
        ],
    )
    cursor = pull(gql, "tablet")["cursor"]
    deleted = push(gql, "phone", [change(3, at(2), deleteChatThread={"id": thread})])
    assert deleted["results"][0]["record"]["deleted"] is True
    changed = pull(gql, "tablet", cursor)
    assert [(t["id"], t["deleted"]) for t in changed["chatThreads"]] == [(thread, True)]
    assert sorted((m["id"], m["deleted"], m["text"]) for m in changed["chatMessages"]) == sorted(
        [(message, True, None), (reply_id(message), True, None)]
    )
    assert thread_messages(gql, thread) == []
    assert gql.data(operation("ChatThread"), {"id": thread})["chatThread"] is None
    assert gql.data(operation("ChatThreads"), {})["chatThreads"]["nodes"] == []


def test_the_plain_queries_list_threads_by_latest_activity(gql: GraphQLClient) -> None:
    older, newer = new_id(), new_id()
    push(
        gql,
        "phone",
        [
            change(1, at(0), saveChatThread={"id": older, "title": "older"}),
            change(
                2, at(1), saveChatThread={"id": newer, "title": "newer", "context": {"pieceId": new_id()}}
            ),
        ],
    )
    push(
        gql, "phone", [change(3, at(2), sendChatMessage={"id": new_id(), "threadId": older, "text": "bump"})]
    )
    page = gql.data(operation("ChatThreads"), {"first": 1})["chatThreads"]
    assert [t["title"] for t in page["nodes"]] == ["older"]  # it has the latest reply
    rest = gql.data(operation("ChatThreads"), {"first": 1, "after": page["pageInfo"]["endCursor"]})[
        "chatThreads"
    ]
    assert [t["title"] for t in rest["nodes"]] == ["newer"]
    assert rest["nodes"][0]["context"]["trackId"] is None


@pytest.mark.parametrize(
    ("chat_change", "field"),
    [
        (
            {"sendChatMessage": {"id": "m-1", "threadId": "01J0000000000000000000000A", "text": "hi"}},
            "mutations[0].change.sendChatMessage.id",
        ),
        (
            {"sendChatMessage": {"id": "01J0000000000000000000000B", "threadId": "nope", "text": "hi"}},
            "mutations[0].change.sendChatMessage.threadId",
        ),
        (
            {
                "sendChatMessage": {
                    "id": "01J0000000000000000000000B",
                    "threadId": "01J0000000000000000000000A",
                    "text": "x" * 4001,
                }
            },
            "mutations[0].change.sendChatMessage.text",
        ),
        (
            {
                "sendChatMessage": {
                    "id": "01J0000000000000000000000B",
                    "threadId": "01J0000000000000000000000A",
                    "text": "   ",
                }
            },
            "mutations[0].change.sendChatMessage.text",
        ),
        (
            {"saveChatThread": {"id": "01J0000000000000000000000A", "title": "t" * 201}},
            "mutations[0].change.saveChatThread.title",
        ),
        (
            {"saveChatThread": {"id": "01J0000000000000000000000A", "context": {"trackId": "no spaces"}}},
            "mutations[0].change.saveChatThread.context.trackId",
        ),
        (
            {"saveChatThread": {"id": "01J0000000000000000000000A", "context": {"pieceId": "not-an-id"}}},
            "mutations[0].change.saveChatThread.context.pieceId",
        ),
    ],
)
def test_bad_chat_changes_refuse_the_whole_push_without_a_provider_call(
    gql: GraphQLClient, fake_api: FakeAPI, chat_change: dict[str, Any], field: str
) -> None:
    body = gql(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "mutations": [{"mutationId": 1, "changedAt": at(0), "change": chat_change}],
            }
        },
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert fake_api.requests == []
    assert pull(gql, "phone")["lastMutationId"] == 0, "nothing applied"


def test_a_context_must_be_one_of_track_or_piece(gql: GraphQLClient) -> None:
    body = gql(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "mutations": [
                    change(
                        1,
                        at(0),
                        saveChatThread={"id": new_id(), "context": {"trackId": "a", "pieceId": new_id()}},
                    )
                ],
            }
        },
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
