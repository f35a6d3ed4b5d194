"""Daily budgets: enforced by a conditional update (no race), zero provider calls when refused."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.chat.conftest import make_chat
from tests.sync.conftest import new_id
from tether.chat.budget import Budget, Reservation
from tether.chat.model import MESSAGES, reply_id
from tether.chat.providers.base import ProviderError
from tether.errors import RateLimited
from tether.settings import Settings
from tether.storage import chat as chat_store
from tether.storage.keys import user_key
from tether.storage.listing import get_record


def counters(user_id: str, day: str) -> chat_store.Usage:
    return chat_store.read_budget(user_key(user_id), day)


def test_concurrent_charges_at_the_limit_let_exactly_the_limit_through(
    settings: Settings, user_id: str
) -> None:
    budget = Budget(max_messages=3, max_tokens=10_000, now=lambda: datetime.now(UTC))
    pk = user_key(user_id)
    barrier = threading.Barrier(8)
    outcomes: list[Any] = []

    def send() -> None:
        message = new_id()
        barrier.wait()
        outcomes.append(budget.charge(pk, message, 100))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sum(isinstance(outcome, Reservation) for outcome in outcomes) == 3
    day, _ = budget.today()
    assert counters(user_id, day).messages == 3
    assert counters(user_id, day).tokens == 300


def test_two_concurrent_sends_at_the_limit_one_passes_and_one_costs_nothing(
    settings: Settings, user_id: str
) -> None:
    chat = make_chat(settings, user_id, chat_daily_messages=1)
    thread = chat.thread()
    barrier = threading.Barrier(2)
    passed: list[str] = []
    refused: list[RateLimited] = []

    def send(text: str) -> None:
        barrier.wait()
        try:
            chat.assistant.send(
                user_id, {"id": new_id(), "thread_id": thread, "text": text}, chat.clock.monotonic()
            )
            passed.append(text)
        except RateLimited as error:
            refused.append(error)

    senders = [threading.Thread(target=send, args=(text,)) for text in ("a", "b")]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(10)
    assert len(passed) == 1
    assert len(refused) == 1
    assert len(chat.provider.calls) == 1
    [error] = refused
    tomorrow = (chat.clock.now().astimezone(UTC) + timedelta(days=1)).date()
    assert error.extensions["resetsAt"] == f"{tomorrow.isoformat()}T00:00:00Z"
    assert error.extensions["budget"] == "messages"
    assert error.extensions["limit"] == 1


def test_a_pushed_message_over_the_budget_is_kept_and_its_reply_fails_rate_limited(
    settings: Settings, user_id: str
) -> None:
    chat = make_chat(settings, user_id, chat_daily_messages=1)
    thread = chat.thread()
    chat.say(thread, "first")
    [result] = chat.push(("message", {"id": (over := new_id()), "thread_id": thread, "text": "second"}))
    assert result.status == "APPLIED", "the push itself never fails for a budget"
    assert len(chat.provider.calls) == 1
    stored = get_record(user_key(user_id), MESSAGES.sort_key(reply_id(over)))
    assert stored is not None
    assert stored.data["status"] == "FAILED"
    assert stored.data["error_code"] == "RATE_LIMITED"
    day_end = chat.assistant.budget.today()[1]
    assert stored.data["retry_at"] == day_end.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    # Retrying before the reset is refused again (RATE_LIMITED), still without asking the model.
    with pytest.raises(RateLimited):
        chat.assistant.retry(user_id, over, chat.clock.monotonic())
    assert len(chat.provider.calls) == 1
    # After midnight UTC the budget is fresh and the retry goes through.
    chat.clock.advance((day_end - chat.clock.now()).total_seconds() + 1)
    chat.assistant.retry(user_id, over, chat.clock.monotonic())
    assert len(chat.provider.calls) == 2


def test_the_token_budget_reserves_an_estimate_and_keeps_the_real_usage(
    settings: Settings, user_id: str
) -> None:
    chat = make_chat(settings, user_id, chat_daily_tokens=5_000)
    thread = chat.thread()
    chat.say(thread, "hello")
    day, _ = chat.assistant.budget.today()
    assert counters(user_id, day).tokens == 30, "settled to the provider's count (20 in + 10 out)"

    tight = make_chat(settings, f"{user_id}-b", chat_daily_tokens=700)
    tight_thread = tight.thread()
    message = tight.say(tight_thread, "x" * 2_000)  # ~500 tokens + the 600 a reply may use: over 700
    assert tight.provider.calls == []
    stored = get_record(user_key(f"{user_id}-b"), MESSAGES.sort_key(reply_id(message)))
    assert stored is not None
    assert stored.data["error_code"] == "RATE_LIMITED"
    assert counters(f"{user_id}-b", day).tokens == 0


def test_a_retried_message_counts_once(settings: Settings, user_id: str) -> None:
    chat = make_chat(settings, user_id, chat_daily_messages=5)
    thread = chat.thread()
    chat.provider.errors = [ProviderError("PROVIDER_UNAVAILABLE")] * 2
    message = chat.say(thread, "hello")
    chat.assistant.retry(user_id, message, chat.clock.monotonic())
    chat.assistant.retry(user_id, message, chat.clock.monotonic())
    day, _ = chat.assistant.budget.today()
    usage = counters(user_id, day)
    assert usage.messages == 1
    assert usage.charged == {message}
    assert usage.tokens == 30, "failed calls give their reservation back"
    assert len(chat.provider.calls) == 3


def test_sending_an_answered_message_again_costs_nothing_even_the_next_day(
    settings: Settings, user_id: str
) -> None:
    chat = make_chat(settings, user_id, chat_daily_messages=1)
    thread = chat.thread()
    payload = {"id": new_id(), "thread_id": thread, "text": "hello"}
    first = chat.assistant.send(user_id, payload, chat.clock.monotonic())
    chat.clock.advance(24 * 3600)
    again = chat.assistant.send(user_id, payload, chat.clock.monotonic())  # the response was lost
    assert again.reply is not None
    assert first.reply is not None
    assert again.reply.data["text"] == first.reply.data["text"]
    assert len(chat.provider.calls) == 1
    day, _ = chat.assistant.budget.today()
    assert counters(user_id, day).messages == 0
