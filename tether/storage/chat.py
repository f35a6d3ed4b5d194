"""Chat items outside the sync feed: per-day budget counters and reply leases (conditional writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from tether.storage.base import TetherModel, guard


class ChatBudgetItem(TetherModel, discriminator="chat_budget"):
    """`USER#<sub>` / `CHATBUDGET#<YYYY-MM-DD>`: one user's assistant use on one UTC day."""

    messages = NumberAttribute(null=True)
    tokens = NumberAttribute(null=True)
    charged = UnicodeSetAttribute(null=True)  # the user messages counted today (a retry counts once)


class ChatLeaseItem(TetherModel, discriminator="chat_lease"):
    """`USER#<sub>` / `CHATLEASE#<replyId>`: who is writing a reply now, and until when."""

    owner = UnicodeAttribute()
    until = NumberAttribute()  # epoch milliseconds


def budget_key(day: str) -> str:
    return f"CHATBUDGET#{day}"


def lease_key(reply_id: str) -> str:
    return f"CHATLEASE#{reply_id}"


@dataclass(frozen=True)
class Usage:
    messages: int
    tokens: int
    charged: frozenset[str]


def _conditional_failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def read_budget(pk: str, day: str) -> Usage:
    """Today's counters (strongly consistent); zero when nothing was used."""
    try:
        item = guard(lambda: ChatBudgetItem.get(pk, budget_key(day), consistent_read=True))
    except ChatBudgetItem.DoesNotExist:
        return Usage(0, 0, frozenset())
    return Usage(int(item.messages or 0), int(item.tokens or 0), frozenset(item.charged or ()))


def charge(
    pk: str,
    day: str,
    message_id: str,
    *,
    tokens: int,
    max_messages: int,
    max_tokens: int,
    expires_at: datetime,
    new_message: bool,
) -> bool:
    """Count a message (if `new_message`) and reserve `tokens`, only if both stay within the limits.

    One conditional UpdateItem, so concurrent requests can never both take the last unit.
    A new message is refused if it was already counted today (`charged`), so a retry never counts twice.
    Returns False when the condition failed (the caller reads the item to see why).
    """
    item = ChatBudgetItem(pk=pk, sk=budget_key(day))
    # Tokens used so far may be at most this, so that the reservation still fits (and one is left).
    most_tokens_before = min(max_tokens - tokens, max_tokens - 1)
    condition: Any = ChatBudgetItem.tokens.does_not_exist() | (ChatBudgetItem.tokens <= most_tokens_before)
    actions: list[Any] = [
        ChatBudgetItem.item_type.set(ChatBudgetItem),
        ChatBudgetItem.tokens.add(tokens),
        ChatBudgetItem.expires_at.set(expires_at),
    ]
    if new_message:
        condition &= ChatBudgetItem.messages.does_not_exist() | (ChatBudgetItem.messages < max_messages)
        condition &= ~ChatBudgetItem.charged.contains(message_id)
        actions += [ChatBudgetItem.messages.add(1), ChatBudgetItem.charged.add({message_id})]
    else:
        condition &= ChatBudgetItem.charged.contains(message_id)
    try:
        guard(lambda: item.update(actions=actions, condition=condition, add_version_condition=False))
    except UpdateError as error:
        if _conditional_failed(error):
            return False
        raise
    return True


def settle(pk: str, day: str, tokens: int) -> None:
    """Correct a reservation by the real usage (`tokens` may be negative)."""
    if tokens == 0:
        return
    item = ChatBudgetItem(pk=pk, sk=budget_key(day))
    guard(
        lambda: item.update(
            actions=[ChatBudgetItem.item_type.set(ChatBudgetItem), ChatBudgetItem.tokens.add(tokens)],
            add_version_condition=False,
        )
    )


def claim_lease(pk: str, reply_id: str, owner: str, now_ms: int, until_ms: int, expires_at: datetime) -> bool:
    """Take the lease on a reply unless someone else holds an unexpired one. True if taken."""
    lease = ChatLeaseItem(pk=pk, sk=lease_key(reply_id), owner=owner, until=until_ms, expires_at=expires_at)
    condition = ChatLeaseItem.sk.does_not_exist() | (ChatLeaseItem.until < now_ms)
    try:
        guard(lambda: lease.save(condition=condition, add_version_condition=False))
    except PutError as error:
        if _conditional_failed(error):
            return False
        raise
    return True


def release_lease(pk: str, reply_id: str, owner: str) -> None:
    """Give the lease back (only if it is still ours)."""
    lease = ChatLeaseItem(pk=pk, sk=lease_key(reply_id))
    try:
        guard(lambda: lease.delete(condition=ChatLeaseItem.owner == owner, add_version_condition=False))
    except DeleteError as error:
        if not _conditional_failed(error):
            raise
