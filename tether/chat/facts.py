"""Long-term memory: a small set of facts the assistant learned about a profile's user.

The facts are a synced collection (`chatMemory` in pulls; `saveMemory` / `deleteMemory` changes),
so the user sees, edits and deletes them on any device. The server learns new ones when a thread's
old turns are folded into its summary (the summarization request asks for facts too), and gives
the newest ones, within a token budget, to the model in every thread of the profile. Memory is on
only where the deployment names a consent kind for it (`TETHER_CHAT_MEMORY_CONSENT`) and the user
granted it; otherwise nothing is learned and nothing is sent. See docs/chat.md ("Long-term memory").
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tether.chat.memory import estimate
from tether.model.record import Record
from tether.sync import reads
from tether.sync.collection import APPLIED, Change, Collection, Delete, Operation, Outcome, SavePatch
from tether.sync.engine import ServerChange
from tether.sync.fields import Boolean, Text, check_record_id, format_time

MAX_FACT = 500  # what a user may write; learned facts are cut to TETHER_CHAT_MEMORY_FACT_CHARS
MAX_FACTS_READ = 100  # the most facts one prompt reads (the setting is at most this)
# A learned fact's id is derived from its text: the same fact learned twice is one record, and a
# fact the user deleted (a final tombstone) is never learned again.
FACT_NAMESPACE = uuid.UUID("0b9a4c55-3f0e-4d8e-9a57-6f2c1d7e4b10")
TIME_PREFIX = "CHATMEMORY#"
FACTS_MARKER = "FACTS:"

FACTS_INSTRUCTION = (
    " Then, on a line of its own, write FACTS: followed by up to {count} lasting facts about the user "
    "that the new turns reveal (preferences, routines, goals, languages; never health details they "
    "did not ask to be remembered, never secrets), one per line starting with '- ', each at most "
    "{chars} characters, and none already in this list:\n{known}"
)
SECTION_TITLE = "What you remember about the user (they can see, edit and delete this list):"


def fact_id(text: str) -> str:
    """The id of a learned fact: a UUIDv5 of its normalised text."""
    return str(uuid.uuid5(FACT_NAMESPACE, normalised(text)))


def normalised(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def _by_time(record: Record) -> str | None:
    """Facts newest first (index byTime): what the prompt reads."""
    return f"{TIME_PREFIX}{format_time(record.created_at) if record.created_at else ''}"


class LearnFact(Operation):
    """The server learns a fact: created if it has never existed; an existing fact (perhaps edited
    by the user) or a deleted one is left exactly as it is. Only `SyncEngine.write` reaches it."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        text = FACT_TEXT.check(payload.get("text"), f"{where}.text")
        return {"id": check_record_id(payload.get("id"), f"{where}.id"), "text": text}

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is not None and (record.exists or record.deleted):
            return Outcome(APPLIED, record, changed=False)
        record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.now)
        record.data["text"] = payload["text"]
        record.stamps["text"] = change.stamp
        return Outcome(APPLIED, record, changed=True)


FACT_TEXT = Text(min_length=1, max_length=MAX_FACT)

MEMORY = Collection(
    name="chat_memory",
    key_prefix="CHATMEMORY",
    fields={
        "text": Text(min_length=1, max_length=MAX_FACT, required=True),
        "pinned": Boolean(),  # kept when the set is full (only unpinned learned facts are dropped)
    },
    operations={"save": SavePatch(), "delete": Delete(), "learn": LearnFact()},
    time_key=_by_time,
)


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    pinned: bool


def facts_of(records: Sequence[Record]) -> list[Fact]:
    """Live facts, newest first (as the byTime index returns them), pinned ones first."""
    live = [
        Fact(record.id, str(record.data.get("text", "")), bool(record.data.get("pinned")))
        for record in records
        if not record.deleted and record.data.get("text")
    ]
    return [fact for fact in live if fact.pinned] + [fact for fact in live if not fact.pinned]


def section(facts: Sequence[Fact], *, max_chars: int, budget: int) -> str | None:
    """The memory section of the system prompt: as many facts as fit `budget` tokens, each cut to
    `max_chars` characters, pinned then newest first; None when there are none."""
    lines: list[str] = []
    used = estimate(SECTION_TITLE)
    for fact in facts:
        line = f"- {_cut(fact.text, max_chars)}"
        cost = estimate(line) - 3  # a line, not a turn: one token of markup rather than four
        if used + cost > budget:
            break
        lines.append(line)
        used += cost
    if not lines:
        return None
    return "\n".join([SECTION_TITLE, *lines])


def instruction(known: Sequence[Fact], *, count: int, max_chars: int) -> str:
    """What the summarization request's system prompt adds when memory is on."""
    listed = "\n".join(f"- {_cut(fact.text, max_chars)}" for fact in known) or "(none yet)"
    return FACTS_INSTRUCTION.format(count=count, chars=max_chars, known=listed)


def split_summary(text: str, *, count: int, max_chars: int) -> tuple[str, list[str]]:
    """A summarization reply as (summary, new facts): facts follow a `FACTS:` line, one per `- ` line."""
    summary, marker, rest = text.partition(FACTS_MARKER)
    if not marker:
        return text.strip(), []
    found: list[str] = []
    seen: set[str] = set()
    for line in rest.splitlines():
        item = line.strip()
        if not item.startswith(("-", "*", "•")):
            continue
        fact = _cut(item.lstrip("-*• ").strip(), max_chars)
        if fact and normalised(fact) not in seen and normalised(fact) not in ("none", "(none)"):
            seen.add(normalised(fact))
            found.append(fact)
    return summary.strip(), found[:count]


def _cut(text: str, max_chars: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


SELF_STATEMENT = re.compile(r"^\s*(i|i'm|i am|my|we)\b", re.IGNORECASE)


def statements(lines: Sequence[str]) -> list[str]:
    """The user's own statements about themselves among lines of text (the local provider's
    deterministic stand-in for a model's extraction): the first sentence of each line that starts
    with "I", "I'm", "My" or "We"."""
    found = []
    for line in lines:
        if SELF_STATEMENT.match(line):
            sentence = re.split(r"(?<=[.!?])\s", line.strip(), maxsplit=1)[0]
            found.append(sentence.rstrip(".!?"))
    return found


class LongTermMemory:
    """The assistant's use of the facts: whether memory is on for a profile, the facts a prompt
    gets, and the changes that learn new ones (and drop the oldest beyond the limit)."""

    def __init__(
        self,
        *,
        kind: str,
        facts: int,
        fact_chars: int,
        tokens: int,
        granted: Callable[[str, str], bool],
    ) -> None:
        self.kind = kind  # the consent kind; "" = memory off for everyone
        self.count = facts
        self.fact_chars = fact_chars
        self.tokens = tokens
        self._granted = granted

    def enabled(self, profile_id: str) -> bool:
        """On only where the deployment names a consent kind and the profile's latest decision on
        it grants it (one Query; nothing at all when memory is off)."""
        return bool(self.kind) and self._granted(profile_id, self.kind)

    def read(self, profile_id: str) -> list[Fact]:
        """The profile's facts, pinned first, then newest first (one Query of the byTime index)."""
        page = reads.page(
            profile_id,
            MEMORY,
            first=min(MAX_FACTS_READ, self.count),
            index="byTime",
            prefix=TIME_PREFIX,
            descending=True,
        )
        return facts_of(page.records)

    def section(self, facts: Sequence[Fact]) -> str | None:
        return section(facts, max_chars=self.fact_chars, budget=self.tokens)

    def instruction(self, facts: Sequence[Fact]) -> str:
        return instruction(facts, count=max(1, min(5, self.count)), max_chars=self.fact_chars)

    def split(self, text: str) -> tuple[str, list[str]]:
        return split_summary(text, count=max(1, min(5, self.count)), max_chars=self.fact_chars)

    def learn(self, known: Sequence[Fact], learned: Sequence[str]) -> list[ServerChange]:
        """Changes creating the new facts and, past the limit, deleting the oldest unpinned ones."""
        have = {normalised(fact.text) for fact in known}
        new = [text for text in learned if normalised(text) not in have]
        if not new:
            return []
        changes = [ServerChange(MEMORY, "learn", {"id": fact_id(text), "text": text}) for text in new]
        excess = len(known) + len(new) - self.count
        droppable = [fact for fact in reversed(known) if not fact.pinned]  # oldest first
        changes += [ServerChange(MEMORY, "delete", {"id": fact.id}) for fact in droppable[: max(0, excess)]]
        return changes
