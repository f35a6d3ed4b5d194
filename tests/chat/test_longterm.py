"""Long-term memory (chatMemory): learned when turns fold, given to the model in every thread of the
profile (byte for byte in the requests), seen, edited and deleted by the user, on only with its
consent, never in another profile's prompt, and merged order-independently like every collection."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.chat.conftest import (
    Answer,
    FakeAPI,
    Received,
    change,
    openai_reply,
    openai_settings,
    push,
    send,
)
from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tests.sync.conftest import T0, new_id
from tests.sync.conftest import clock as clock  # the engine and its clock, as fixtures here too
from tests.sync.conftest import engine as engine
from tether.chat import memory
from tether.chat.facts import MEMORY, SECTION_TITLE, LongTermMemory, fact_id, section
from tether.chat.providers.base import ChatRequest, Turn
from tether.chat.providers.local import LocalProvider
from tether.sync.engine import Mutation, ServerChange, SyncEngine

SYSTEM = "You are Tether's test companion."
PADDING = " " + "y" * 1150  # ~300 estimated tokens a message: a 1,200-token budget folds soon
# The summarization request's system prompt with memory on, exactly (summary tokens 100 -> 70 words).
SUMMARY_WITH_FACTS = (
    "You keep a running summary of a conversation between a user and an assistant, so the assistant "
    "can remember it later. Rewrite the summary so far to also cover the new turns. Keep what matters "
    "for the rest of the conversation: the user's goals, preferences, facts they shared and what was "
    "agreed. Write plain prose, in the conversation's language, at most 70 words. Reply with the "
    "summary only. Then, on a line of its own, write FACTS: followed by up to 5 lasting facts about the "
    "user that the new turns reveal (preferences, routines, goals, languages; never health details they "
    "did not ask to be remembered, never secrets), one per line starting with '- ', each at most 200 "
    "characters, and none already in this list:\n(none yet)"
)


def memory_settings(fake: FakeAPI | None = None, **overrides: Any) -> dict[str, Any]:
    base = openai_settings(fake) if fake is not None else {}
    return {
        **base,
        "chat_memory_consent": "ai_memory",
        "chat_memory_tokens": 1200,
        "chat_summary_tokens": 100,
        "chat_system_prompt": SYSTEM,
        "chat_tools": False,  # the tool loop has its own tests: these requests carry no tools
        **overrides,
    }


def consent(gql: GraphQLClient, granted: bool = True, kind: str = "ai_memory") -> None:
    gql.data(operation("RecordConsent"), {"input": {"kind": kind, "granted": granted, "version": "1"}})


def new_thread(gql: GraphQLClient, mutation_id: int = 1, profile: str | None = None) -> str:
    thread = new_id()
    body = gql(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "profileId": profile,
                "mutations": [change(mutation_id, "2026-03-01T09:00:00Z", saveChatThread={"id": thread})],
            }
        },
    )
    assert "errors" not in body, body
    return thread


def pulled_memory(gql: GraphQLClient) -> dict[str, dict[str, Any]]:
    pulled = gql.data(operation("SyncPull"), {"input": {"clientId": f"reader-{new_id()}"}})["syncPull"]
    return {fact["id"]: fact for fact in pulled["chatMemory"]}


def summary_or_echo(facts: str) -> Callable[[Received], Answer]:
    def answer(received: Received) -> Answer:
        if received.body["messages"][0]["content"].startswith("You keep a running summary"):
            return openai_reply(f"They practise hula.\n\nFACTS:\n{facts}")
        return openai_reply("ok")

    return answer


def fold(gql: GraphQLClient, thread: str, texts: list[str]) -> None:
    for text in texts:
        assert send(gql, thread, text + PADDING)["status"] == "COMPLETE"


def system_of(received: Received) -> str:
    content: str = received.body["messages"][0]["content"]
    return content


def test_facts_are_learned_at_the_fold_seen_edited_deleted_and_sent_in_every_thread(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI
) -> None:
    fake_api.default = summary_or_echo(
        "- Practises in the evening\n- Their teacher is Kumu Lani\n- Is learning Hawaiian\n- Practises in the evening"
    )
    server = Clock(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))
    gql = chat_client(clock=server, **memory_settings(fake_api))
    consent(gql)
    thread = new_thread(gql)
    fold(gql, thread, [f"message {n}" for n in range(5)])
    [summarize] = [r for r in fake_api.requests if system_of(r).startswith("You keep")]
    assert system_of(summarize) == SUMMARY_WITH_FACTS
    assert summarize.body["messages"][1]["content"].startswith(
        "Summary so far:\n(none)\n\nNew turns:\nUser: message 0"
    )
    # The thread keeps the summary only; the facts became records of chatMemory (once each).
    assert gql.data(operation("ChatThread"), {"id": thread})["chatThread"]["summary"] == "They practise hula."
    facts = pulled_memory(gql)
    assert sorted(fact["text"] for fact in facts.values()) == [
        "Is learning Hawaiian",
        "Practises in the evening",
        "Their teacher is Kumu Lani",
    ]
    assert set(facts) == {fact_id(fact["text"]) for fact in facts.values()}

    # The user edits one (and pins it), deletes one and adds their own.
    teacher, hawaiian = fact_id("Their teacher is Kumu Lani"), fact_id("Is learning Hawaiian")
    mine = new_id()
    server.advance(minutes=1)  # the user edits what they pulled, later
    edited = push(
        gql,
        "phone",
        [
            change(
                2,
                "2026-03-10T18:01:00Z",
                saveMemory={"id": teacher, "text": "Kumu Lani Kahale teaches them", "pinned": True},
            ),
            change(3, "2026-03-10T18:01:00Z", deleteMemory={"id": hawaiian}),
            change(4, "2026-03-10T18:01:00Z", saveMemory={"id": mine, "text": "Prefers Portuguese"}),
        ],
    )
    assert [result["status"] for result in edited["results"]] == ["APPLIED"] * 3, edited
    facts = pulled_memory(gql)
    assert facts[hawaiian]["deleted"] is True
    assert facts[hawaiian]["text"] is None
    assert facts[teacher]["text"] == "Kumu Lani Kahale teaches them"

    # Another thread of the profile: the model receives exactly this system prompt.
    fake_api.requests.clear()
    other = new_thread(gql, mutation_id=5)
    send(gql, other, "Hello again")
    [request] = fake_api.requests
    assert request.body["messages"] == [
        {
            "role": "system",
            # pinned first, then newest first
            "content": f"{SYSTEM}\n\n{SECTION_TITLE}\n- Kumu Lani Kahale teaches them\n- Prefers Portuguese"
            "\n- Practises in the evening",
        },
        {"role": "user", "content": "Hello again"},
    ]
    assert request.body == {
        "model": "gpt-test",
        "max_completion_tokens": 600,
        "messages": request.body["messages"],
    }

    # A fact the user deleted is never learned again, whatever the model says later.
    fake_api.requests.clear()
    fold(gql, other, [f"more {n}" for n in range(5)])
    [summarize, *_] = [r for r in fake_api.requests if system_of(r).startswith("You keep")]
    assert system_of(summarize).endswith(
        "\n- Kumu Lani Kahale teaches them\n- Prefers Portuguese\n- Practises in the evening"
    )
    assert pulled_memory(gql)[hawaiian]["deleted"] is True


def test_the_local_provider_learns_the_users_statements_deterministically(
    chat_client: Callable[..., GraphQLClient],
) -> None:
    gql = chat_client(**memory_settings())
    consent(gql)
    thread = new_thread(gql)
    fold(
        gql,
        thread,
        ["I practise in the evening. Really.", "My kumu is Lani.", "What is a kahea?", "ok", "ok"],
    )
    texts = sorted(fact["text"] for fact in pulled_memory(gql).values())
    assert texts == ["I practise in the evening", "My kumu is Lani"]
    request = ChatRequest(
        "s",
        [Turn("user", "Summary so far:\n(none)\n\nNew turns:\nUser: I sing.\nUser: hi")],
        100,
        1,
        0,
        purpose="summary",
    )
    assert LocalProvider().complete(request).text == "The user wrote: “I sing.”; “hi”"  # memory off: no facts
    asked = ChatRequest("x FACTS: y", request.turns, 100, 1, 0, purpose="summary")
    assert LocalProvider().complete(asked).text.endswith("\nFACTS:\n- I sing")


@pytest.mark.parametrize("setup", ["not_configured", "not_granted", "withdrawn"])
def test_memory_is_off_without_its_consent_nothing_learned_nothing_sent(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, setup: str
) -> None:
    fake_api.default = summary_or_echo("- Practises in the evening")
    overrides = {"chat_memory_consent": ""} if setup == "not_configured" else {}
    gql = chat_client(**memory_settings(fake_api, **overrides))
    if setup == "withdrawn":
        consent(gql, True)
        consent(gql, False)
    else:
        consent(gql, True, kind="ai_chat")  # another kind grants nothing here
    saved = new_id()
    push(
        gql,
        "phone",
        [change(1, "2026-03-01T09:00:00Z", saveMemory={"id": saved, "text": "Typed by the user"})],
    )
    thread = new_thread(gql, mutation_id=2)
    fold(gql, thread, [f"message {n}" for n in range(5)])
    summaries = [r for r in fake_api.requests if system_of(r).startswith("You keep")]
    assert summaries
    assert all(system_of(r) == memory.summary_system(100) for r in summaries)
    assert all(
        system_of(r) == SYSTEM or "Summary of the earlier" in system_of(r)
        for r in fake_api.requests
        if r not in summaries
    )
    assert all(
        SECTION_TITLE not in system_of(r) and "Typed by the user" not in system_of(r)
        for r in fake_api.requests
    )
    assert list(pulled_memory(gql)) == [saved]  # only the user's own fact; nothing learned


def test_memory_never_crosses_profiles(chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI) -> None:
    fake_api.default = lambda received: openai_reply("ok")
    learner = chat_client(user=f"learner-{new_id()}", **memory_settings(fake_api))
    other = chat_client(user=f"other-{new_id()}", **memory_settings(fake_api))
    for gql, text in ((learner, "Learner practises at dawn"), (other, "Other prefers German")):
        consent(gql)
        push(gql, "phone", [change(1, "2026-03-01T09:00:00Z", saveMemory={"id": new_id(), "text": text})])
    # A second profile of the learner's account (e.g. their child's): its own partition, no memory.
    child = learner.data(operation("CreateProfile"), {"input": {"name": "Keiki"}})["createProfile"]["id"]
    child_thread = new_thread(learner, mutation_id=1, profile=child)
    body = learner(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "profileId": child,
                "mutations": [
                    change(
                        2,
                        "2026-03-01T09:01:00Z",
                        sendChatMessage={"id": new_id(), "threadId": child_thread, "text": "hi"},
                    )
                ],
            }
        },
    )
    assert "errors" not in body, body
    [child_request] = fake_api.requests
    assert child_request.body["messages"][0] == {"role": "system", "content": SYSTEM}

    fake_api.requests.clear()
    send(other, new_thread(other, mutation_id=2), "hi")
    send(learner, new_thread(learner, mutation_id=3), "hi")
    other_request, learner_request = fake_api.requests
    assert system_of(other_request) == f"{SYSTEM}\n\n{SECTION_TITLE}\n- Other prefers German"
    assert system_of(learner_request) == f"{SYSTEM}\n\n{SECTION_TITLE}\n- Learner practises at dawn"


def _save(mutation_id: int, seconds: float, **fields: Any) -> Mutation:
    return Mutation(mutation_id, T0 + timedelta(seconds=seconds), MEMORY, "save", fields)


def test_memory_merges_are_order_independent(engine: SyncEngine) -> None:
    """Devices edit a fact they pulled, offline; whatever the order of their pushes (then every push
    retried), the fact ends the same. With re-saves of unchanged values, equal stamps and stale edits."""
    fact = new_id()
    create = ("phone", [_save(1, 0, id=fact, text="Practises in the evening")])
    edits = {
        "tablet": [_save(1, 10, id=fact, text="Practises after dinner"), _save(2, 25, id=fact, pinned=True)],
        "laptop": [
            _save(1, 10, id=fact, text="Practises at night"),
            _save(2, 27, id=fact, pinned=False),  # older than the watch's re-save
        ],
        "watch": [
            _save(1, 30, id=fact, pinned=True),  # re-save of the tablet's value, later
            _save(2, 25, id=fact, pinned=True),  # equal stamp to the tablet's, same value
            _save(3, 5, id=fact, text="Stale"),  # stale
        ],
    }
    finals = set()
    for order in itertools.permutations(edits):
        user = f"user-{new_id()}"
        engine.push(user, *create)
        for device in order:
            engine.push(user, device, edits[device])
        for device in edits:  # retries: duplicates, nothing changes
            engine.push(user, device, edits[device])
        (stored,) = [r for r in engine.pull(user, "reader", None).records if r.id == fact]
        finals.add(tuple(sorted(stored.data.items())))
    assert finals == {(("pinned", True), ("text", "Practises after dinner"))}  # "tablet" > "laptop" at 10 s


def test_the_set_stays_bounded_and_a_deleted_fact_is_never_relearned(
    engine: SyncEngine, clock: Clock
) -> None:
    user = f"user-{new_id()}"
    pk = f"USER#{user}"
    recall = LongTermMemory(kind="ai_memory", facts=3, fact_chars=30, tokens=400, granted=lambda *_: True)
    pinned = new_id()
    engine.push(user, "phone", [_save(1, 0, id=pinned, text="Pinned by the user", pinned=True)])
    for learned in (["First"], ["Second"], ["Third", "second"]):  # "second" is known by then
        clock.advance(seconds=1)
        engine.write(pk, recall.learn(recall.read(user), learned))
    assert sorted(fact.text for fact in recall.read(user)) == ["Pinned by the user", "Second", "Third"]
    engine.push(user, "phone", [Mutation(2, T0, MEMORY, "delete", {"id": fact_id("Third")})])
    engine.write(pk, recall.learn(recall.read(user), ["Third"]))
    assert sorted(fact.text for fact in recall.read(user)) == ["Pinned by the user", "Second"]
    # Learned facts are cut to the setting; the section keeps to its token budget.
    assert recall.split("S\nFACTS:\n- " + "z" * 100 + "\n- none") == ("S", ["z" * 29 + "…"])
    facts = recall.read(user)
    assert section(facts, max_chars=200, budget=30) == f"{SECTION_TITLE}\n- Pinned by the user"
    assert section(facts, max_chars=200, budget=10) is None
    assert [change.operation for change in recall.learn(facts, ["A", "B"])] == ["learn", "learn", "delete"]
    assert isinstance(recall.learn(facts, ["A"])[0], ServerChange)
