"""What the model remembers: system prompt, the thread's rolling summary, and recent turns in a budget.

Token counts are estimates (characters / 4, rounded up, + 4 per turn for the role markup) wherever
a provider has not told us the real count; budgets use the estimate, accounting uses real counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

CHARS_PER_TOKEN = 4
TURN_OVERHEAD = 4

SUMMARY_SYSTEM = (
    "You keep a running summary of a conversation between a user and an assistant, so the assistant "
    "can remember it later. Rewrite the summary so far to also cover the new turns. Keep what matters "
    "for the rest of the conversation: the user's goals, preferences, facts they shared and what was "
    "agreed. Write plain prose, in the conversation's language, at most {words} words. Reply with the "
    "summary only."
)


def estimate(text: str) -> int:
    """Estimated tokens of a text: characters / 4, rounded up, plus the per-turn overhead."""
    return math.ceil(len(text) / CHARS_PER_TOKEN) + TURN_OVERHEAD


@dataclass(frozen=True)
class Message:
    """One turn of a thread, in conversation order. `position` is its key in the byLookup index."""

    role: Literal["user", "assistant"]
    text: str
    position: str
    sort_key: str

    @property
    def tokens(self) -> int:
        return estimate(self.text)


@dataclass(frozen=True)
class Plan:
    fold: list[Message]  # the oldest unfolded turns, to fold into the summary now (often none)
    window: list[Message]  # the recent turns the model sees, oldest first


def plan(turns: Sequence[Message], budget: int) -> Plan:
    """The folding rule.

    While the unfolded turns fit in `budget` tokens, the model sees them all and nothing is folded.
    When they exceed it, the oldest turns are folded into the summary until what remains fits in
    half the budget (so a fold happens once every few exchanges, not on every message). The window
    never starts with an assistant turn, and always keeps the newest turn.
    """
    total = sum(turn.tokens for turn in turns)
    if total <= budget:
        return Plan([], list(turns))
    keep: list[Message] = []
    used = 0
    for turn in reversed(turns):
        if keep and used + turn.tokens > budget // 2:
            break
        keep.append(turn)
        used += turn.tokens
    keep.reverse()
    while len(keep) > 1 and keep[0].role == "assistant":
        keep.pop(0)
    return Plan(list(turns[: len(turns) - len(keep)]), keep)


def system_prompt(base: str, context: str | None, summary: str | None, remembered: str | None = None) -> str:
    """The deployment's system prompt, what the thread is about, the profile's long-term memory
    (tether/chat/facts.py, when on) and the thread's rolling summary, in that order."""
    parts = [base.strip()]
    if context:
        parts.append(context)
    if remembered:
        parts.append(remembered)
    if summary:
        parts.append(f"Summary of the earlier conversation:\n{summary}")
    return "\n\n".join(parts)


def summary_input(summary: str | None, fold: Sequence[Message]) -> str:
    """The single user turn of a summarization request: the summary so far and the turns to fold."""
    lines = [f"{'User' if turn.role == 'user' else 'Assistant'}: {turn.text}" for turn in fold]
    return f"Summary so far:\n{summary or '(none)'}\n\nNew turns:\n" + "\n".join(lines)


def summary_system(max_tokens: int, facts: str = "") -> str:
    """The summarization request's system prompt; `facts` asks for new facts too (memory on)."""
    return SUMMARY_SYSTEM.format(words=max(30, int(max_tokens * 0.7))) + facts
