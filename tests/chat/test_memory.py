"""Memory: the system prompt, the rolling summary and the recent turns that fit the budget; folding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.chat.conftest import Answer, FakeAPI, Received, openai_reply, openai_settings
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import new_id
from tether.chat import memory

SYSTEM = "You are Tether's test companion."


def turn(role: str, tokens: int, n: int) -> memory.Message:
    text = "x" * ((tokens - memory.TURN_OVERHEAD) * memory.CHARS_PER_TOKEN)
    return memory.Message(role, text, f"p{n:03d}", f"s{n}")  # type: ignore[arg-type]


def test_tokens_are_estimated_at_four_characters_each_plus_the_turn_markup() -> None:
    assert memory.estimate("") == 4
    assert memory.estimate("abcd") == 5
    assert memory.estimate("abcde") == 6


def test_turns_that_fit_the_budget_are_all_sent_and_nothing_is_folded() -> None:
    turns = [turn("user", 100, 1), turn("assistant", 100, 2), turn("user", 100, 3)]
    plan = memory.plan(turns, budget=300)
    assert plan.fold == []
    assert plan.window == turns


def test_past_the_budget_the_oldest_turns_fold_until_half_the_budget_is_left() -> None:
    turns = [turn("user" if n % 2 else "assistant", 100, n) for n in range(1, 8)]  # 700 tokens
    plan = memory.plan(turns, budget=600)
    assert [t.position for t in plan.window] == ["p005", "p006", "p007"]  # 300 = half the budget
    assert [t.position for t in plan.fold] == ["p001", "p002", "p003", "p004"]
    # The window never opens with an assistant turn (providers want the user first).
    plan = memory.plan([*turns[1:], turn("assistant", 100, 8)], budget=600)
    assert plan.window[0].role == "user"
    assert plan.fold + plan.window == [*turns[1:], turn("assistant", 100, 8)]


def summary_or_echo(received: Received) -> Answer:
    system = received.body["messages"][0]["content"]
    if system.startswith("You keep a running summary"):
        return openai_reply("SUMMARY OF THE START")
    return openai_reply(f"ok {len(received.body['messages'])}")


def test_a_long_thread_folds_its_oldest_turns_into_the_summary(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    fake_api.default = summary_or_echo
    gql = chat_client(
        **openai_settings(
            fake_api, chat_memory_tokens=1200, chat_summary_tokens=100, chat_system_prompt=SYSTEM
        )
    )
    thread = new_id()
    gql.data(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "mutations": [
                    {
                        "mutationId": 1,
                        "changedAt": "2026-03-01T09:00:00Z",
                        "change": {"saveChatThread": {"id": thread}},
                    }
                ],
            }
        },
    )
    texts = [f"message {n}: " + "x" * 988 for n in range(1, 7)]  # 254 estimated tokens each

    def send(text: str) -> dict[str, Any]:
        reply: dict[str, Any] = gql.data(
            operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": text}}
        )["sendChatMessage"]
        return reply

    for text in texts[:4]:
        assert send(text)["status"] == "COMPLETE"
    assert len(fake_api.requests) == 4, "4 turns of 254 + 3 short replies fit 1,200 tokens: no fold"
    fourth = fake_api.requests[-1].body
    assert fourth["model"] == "gpt-test"
    assert fourth["max_completion_tokens"] == 600
    assert fourth["messages"][0] == {"role": "system", "content": SYSTEM}
    assert [m["content"][:9] for m in fourth["messages"][1:] if m["role"] == "user"] == [
        "message 1",
        "message 2",
        "message 3",
        "message 4",
    ]

    fake_api.requests.clear()
    assert send(texts[4])["status"] == "COMPLETE"
    summarize, answer = fake_api.requests
    # The fold: one summarization call to the same provider with the oldest turns.
    assert summarize.body["messages"][0]["content"].startswith("You keep a running summary")
    assert summarize.body["max_completion_tokens"] == 100
    folded = summarize.body["messages"][1]["content"]
    assert folded.startswith("Summary so far:\n(none)\n\nNew turns:\nUser: message 1")
    assert "User: message 3" in folded
    assert "message 4" not in folded
    # The reply: system prompt + the new summary, and only the recent turns (half the budget).
    assert answer.body["messages"][0] == {
        "role": "system",
        "content": f"{SYSTEM}\n\nSummary of the earlier conversation:\nSUMMARY OF THE START",
    }
    assert [(m["role"], m["content"][:9]) for m in answer.body["messages"][1:]] == [
        ("user", "message 4"),
        ("assistant", "ok 8"),
        ("user", "message 5"),
    ]
    summary = gql.data(operation("ChatThread"), {"id": thread})["chatThread"]["summary"]
    assert summary == "SUMMARY OF THE START"

    fake_api.requests.clear()
    send(texts[5])
    [next_answer] = fake_api.requests  # still within the budget: no new fold
    assert "SUMMARY OF THE START" in next_answer.body["messages"][0]["content"]
    assert [m["content"][:9] for m in next_answer.body["messages"][1:] if m["role"] == "user"] == [
        "message 4",
        "message 5",
        "message 6",
    ]


def test_the_local_provider_folds_too(chat_client: Callable[..., GraphQLClient]) -> None:
    gql = chat_client(chat_memory_tokens=1200, chat_summary_tokens=100)
    thread = new_id()
    gql.data(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "mutations": [
                    {
                        "mutationId": 1,
                        "changedAt": "2026-03-01T09:00:00Z",
                        "change": {"saveChatThread": {"id": thread}},
                    }
                ]
                + [
                    {
                        "mutationId": n + 2,
                        "changedAt": f"2026-03-01T09:0{n + 1}:00Z",
                        "change": {
                            "sendChatMessage": {
                                "id": new_id(),
                                "threadId": thread,
                                "text": f"topic {n} " + "y" * 1200,
                            }
                        },
                    }
                    for n in range(5)
                ],
            }
        },
    )
    pulled = gql.data(operation("SyncPull"), {"input": {"clientId": "phone"}})["syncPull"]
    [stored] = pulled["chatThreads"]
    assert stored["summary"].startswith("The user wrote: “topic 0")
    replies = [m for m in pulled["chatMessages"] if m["role"] == "ASSISTANT"]
    assert len(replies) == 5
    assert all("not an AI" in m["text"] for m in replies)
