"""Per-user daily budgets of messages and provider tokens, enforced with conditional updates.

A day is a UTC calendar day; a budget resets at 00:00 UTC. Each user message that reaches the
provider counts once per day (retries of it don't count again). Tokens are reserved before a
provider call (the estimated prompt + the most the reply may use) and settled to the provider's
real count afterwards, so a user can overshoot the token budget by at most one reply's estimate error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether.errors import RateLimited, Unavailable
from tether.storage import chat as chat_store

MESSAGES = "messages"
TOKENS = "tokens"
KEEP_COUNTERS = timedelta(days=2)  # then DynamoDB's TTL removes a day's counter item


@dataclass(frozen=True)
class Reservation:
    day: str
    tokens: int


@dataclass(frozen=True)
class Refusal:
    """A budget that is used up: which one, its limit, and when it resets."""

    budget: str
    limit: int
    resets_at: datetime

    @property
    def message(self) -> str:
        what = "messages" if self.budget == MESSAGES else "assistant usage"
        return f"You have reached today's limit of {what}. It resets at {self.resets_at:%H:%M} UTC."

    def error(self) -> RateLimited:
        return RateLimited(
            self.message,
            budget=self.budget,
            limit=self.limit,
            resetsAt=self.resets_at.isoformat().replace("+00:00", "Z"),
        )


class Budget:
    def __init__(self, *, max_messages: int, max_tokens: int, now: Callable[[], datetime]) -> None:
        self.max_messages = max_messages
        self.max_tokens = max_tokens
        self.now = now

    def today(self) -> tuple[str, datetime]:
        """The current UTC day and when it ends."""
        now = self.now().astimezone(UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return start.date().isoformat(), start + timedelta(days=1)

    def charge(
        self, pk: str, message_id: str, tokens: int, *, counted: bool = False
    ) -> Reservation | Refusal:
        """Count the message (once a day) and reserve `tokens`; or say which budget is used up."""
        day, resets_at = self.today()
        if tokens > self.max_tokens:  # more than a whole day's budget: never fits
            return Refusal(TOKENS, self.max_tokens, resets_at)
        new_message = not counted
        for _ in range(4):
            if chat_store.charge(
                pk,
                day,
                message_id,
                tokens=tokens,
                max_messages=self.max_messages,
                max_tokens=self.max_tokens,
                expires_at=resets_at + KEEP_COUNTERS,
                new_message=new_message,
            ):
                return Reservation(day, tokens)
            usage = chat_store.read_budget(pk, day)
            if (message_id in usage.charged) == new_message:
                new_message = not new_message  # counted earlier today (a retry), or not yet
                continue
            if new_message and usage.messages >= self.max_messages:
                return Refusal(MESSAGES, self.max_messages, resets_at)
            if usage.tokens > min(self.max_tokens - tokens, self.max_tokens - 1):
                return Refusal(TOKENS, self.max_tokens, resets_at)
            # Another request changed the counters between our update and our read: try again.
        raise Unavailable("The assistant's usage counters are busy; try again")

    def settle(self, pk: str, reservation: Reservation, used: int) -> None:
        """Replace the reservation by the real usage."""
        chat_store.settle(pk, reservation.day, used - reservation.tokens)
