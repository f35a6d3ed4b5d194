"""Exactly one reply per user message: leases, retries, failures and the time budget."""

from __future__ import annotations

import threading
from typing import Any

from tests.chat.conftest import Chat, make_chat
from tests.sync.conftest import new_id
from tether.chat.model import MESSAGES, reply_id
from tether.chat.providers.base import ProviderError
from tether.settings import Settings
from tether.storage import chat as chat_store
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.sync import reads


def reply(chat: Chat, message_id: str) -> dict[str, Any]:
    record = get_record(user_key(chat.user_id), MESSAGES.sort_key(reply_id(message_id)))
    assert record is not None
    return {**record.data, "deleted": record.deleted, "version": record.version}


def test_a_message_gets_one_reply_and_asking_again_never_calls_the_provider(chat: Chat) -> None:
    thread = chat.thread()
    message = chat.say(thread, "hello")
    assert reply(chat, message)["status"] == "COMPLETE"
    assert reply(chat, message)["text"] == "reply #1"
    assert len(chat.provider.calls) == 1
    again = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert again.reply is not None
    assert again.reply.data["text"] == "reply #1"
    assert not again.called
    # Sending the same message again (another device, or a push whose response was lost).
    chat.push(("message", {"id": message, "thread_id": thread, "text": "hello"}))
    assert len(chat.provider.calls) == 1
    replies = reads.page(chat.user_id, MESSAGES, first=10).records
    assert sum(1 for record in replies if record.data.get("reply_to") == message) == 1


def test_two_concurrent_retries_call_the_provider_once(chat: Chat) -> None:
    thread = chat.thread()
    chat.provider.errors = [ProviderError("PROVIDER_UNAVAILABLE", status=503)]
    message = chat.say(thread, "hello")
    assert reply(chat, message)["status"] == "FAILED"
    chat.provider.calls.clear()

    chat.provider.gate = threading.Event()
    chat.provider.entered.clear()
    outcomes: list[Any] = []

    def retry() -> None:
        outcomes.append(chat.assistant.retry(chat.user_id, message, chat.clock.monotonic()))

    first = threading.Thread(target=retry)
    first.start()
    assert chat.provider.entered.wait(5)  # the first retry holds the lease and is asking the model
    retry()  # the second finds the lease taken: it does not ask, it answers with the reply as it is
    chat.provider.gate.set()
    first.join(5)

    assert len(chat.provider.calls) == 1
    busy = outcomes[0]
    assert busy.reply.data["status"] == "FAILED"  # still the old state: the client pulls for the new one
    assert not busy.called
    assert outcomes[1].called
    assert reply(chat, message)["status"] == "COMPLETE"


def test_a_crashed_attempt_blocks_only_until_its_lease_expires(chat: Chat) -> None:
    thread = chat.thread()
    chat.provider.errors = [ProviderError("PROVIDER_UNAVAILABLE")]
    message = chat.say(thread, "hello")
    chat.provider.calls.clear()
    pk = user_key(chat.user_id)
    now_ms = int(chat.clock.now().timestamp() * 1000)
    # An attempt took the lease and died (its Lambda timed out) without giving it back.
    assert chat_store.claim_lease(
        pk, reply_id(message), "crashed", now_ms, now_ms + chat.assistant.lease_ms, chat.clock.now()
    )
    blocked = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert not blocked.called
    assert chat.provider.calls == []
    chat.clock.advance(chat.assistant.lease_ms / 1000 + 1)
    done = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert done.called
    assert reply(chat, message)["status"] == "COMPLETE"


def test_a_provider_error_is_a_failed_reply_never_a_lost_message(chat: Chat) -> None:
    thread = chat.thread()
    chat.provider.errors = [ProviderError("PROVIDER_RATE_LIMITED", status=429)]
    message = chat.say(thread, "please remember this")
    failed = reply(chat, message)
    assert failed["status"] == "FAILED"
    assert failed["error_code"] == "PROVIDER_RATE_LIMITED"
    assert failed["error_message"] == "The assistant is busy right now. Try again in a minute."
    stored = reads.get(chat.user_id, MESSAGES, message)
    assert stored is not None
    assert stored.data["text"] == "please remember this"
    # A later push does not retry FAILED replies on its own; retryChatReply does.
    chat.say(thread, "another")
    assert reply(chat, message)["status"] == "FAILED"
    chat.assistant.retry(chat.user_id, reply_id(message), chat.clock.monotonic())  # the reply's id works too
    completed = reply(chat, message)
    assert completed["status"] == "COMPLETE"
    assert "error_code" not in completed


def test_timeouts_leave_the_reply_pending_until_the_attempts_run_out(
    settings: Settings, user_id: str
) -> None:
    chat = make_chat(settings, user_id, chat_max_attempts=2)
    thread = chat.thread()
    chat.provider.errors = [ProviderError("PROVIDER_TIMEOUT")] * 3
    message = chat.say(thread, "hello")
    assert reply(chat, message)["status"] == "PENDING"
    assert reply(chat, message)["attempts"] == 1
    chat.say(thread, "are you there?")  # the next push tries the PENDING reply again (after its own)
    timed_out = reply(chat, message)
    assert timed_out["status"] == "FAILED"
    assert timed_out["error_code"] == "PROVIDER_TIMEOUT"
    assert timed_out["attempts"] == 2


def test_a_push_with_many_messages_stays_within_the_time_budget(settings: Settings, user_id: str) -> None:
    chat = make_chat(settings, user_id, chat_time_budget_seconds=20.0, chat_provider_timeout_seconds=8.0)
    chat.provider.takes = 7.0  # every answer takes 7 seconds
    thread = chat.thread()
    ids = [new_id() for _ in range(5)]
    started = chat.clock.monotonic()
    chat.push(
        *[("message", {"id": i, "thread_id": thread, "text": f"message {n}"}) for n, i in enumerate(ids)]
    )
    assert chat.clock.monotonic() - started <= 20.0
    assert [reply(chat, i)["status"] for i in ids] == [
        "COMPLETE",
        "COMPLETE",
        "PENDING",
        "PENDING",
        "PENDING",
    ]
    # Each call's timeout and retries fit what is left of the budget: a retry only when every
    # attempt can have the full timeout; the third call had only 6 s left, timed out, and stopped.
    assert [(c.timeout, c.max_retries) for c in chat.provider.calls] == [(8.0, 1), (8.0, 0), (6.0, 0)]
    assert reply(chat, ids[2])["attempts"] == 1

    # The next push (any chat change) works on the PENDING replies, oldest first, in its own budget.
    chat.push(("thread", {"id": thread, "title": "renamed"}))
    assert [reply(chat, i)["status"] for i in ids] == ["COMPLETE"] * 4 + ["PENDING"]
    chat.assistant.retry(chat.user_id, ids[4], chat.clock.monotonic())
    assert [reply(chat, i)["status"] for i in ids] == ["COMPLETE"] * 5
    replies = [
        r for r in reads.page(chat.user_id, MESSAGES, first=20).records if r.data["role"] == "ASSISTANT"
    ]
    assert sorted(r.data["reply_to"] for r in replies) == sorted(ids), "one reply per message, never two"


def test_a_message_to_an_unknown_thread_fails_until_the_thread_exists(chat: Chat) -> None:
    thread = new_id()
    message = chat.say(thread, "hello?")
    failed = reply(chat, message)
    assert (failed["status"], failed["error_code"]) == ("FAILED", "THREAD_NOT_FOUND")
    assert chat.provider.calls == []
    chat.push(("thread", {"id": thread}))
    chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert reply(chat, message)["status"] == "COMPLETE"


def test_deleting_a_thread_deletes_its_messages_and_stops_their_replies(chat: Chat) -> None:
    thread = chat.thread()
    chat.provider.takes = 9.0  # the first reply uses up the time budget (22 s, 10 s per call)
    first, second, pending = new_id(), new_id(), new_id()
    chat.push(
        ("message", {"id": first, "thread_id": thread, "text": "one"}),
        ("message", {"id": second, "thread_id": thread, "text": "two"}),
        ("message", {"id": pending, "thread_id": thread, "text": "three"}),
    )
    assert reply(chat, first)["status"] == "COMPLETE"
    assert reply(chat, pending)["status"] == "PENDING"
    calls = len(chat.provider.calls)
    chat.push(("delete_thread", {"id": thread}))
    for message_id in (first, second, pending):
        for record_id in (message_id, reply_id(message_id)):
            stored = get_record(user_key(chat.user_id), MESSAGES.sort_key(record_id))
            assert stored is not None
            assert stored.deleted, "a tombstone devices pull"
    assert len(chat.provider.calls) == calls
    assert reads.page(chat.user_id, MESSAGES, first=10).records == []
    # A message that was still queued on another device for the deleted thread is dropped too.
    late = chat.say(thread, "four")
    assert reads.get(chat.user_id, MESSAGES, late) is None
    assert len(chat.provider.calls) == calls
