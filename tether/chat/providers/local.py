"""The development provider: no network, no model; it says plainly that it is not an AI.

It is deterministic, so the whole assistant can be tested offline: it echoes the message, writes a
"summary" of the user's lines, "learns" the user's statements about themselves ("I practise in the
evening") when memory asks for facts, and uses the tools like a model would: a question about
practice or progress calls `list_pieces`, `recent_practice_sessions` and `progress_statistics`;
ids in the message are looked up with `get_piece`; "search for …" calls `search_catalog`; then it
answers from the results (naming the learner's own pieces and progress).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from tether.chat.facts import FACTS_MARKER, statements
from tether.chat.memory import estimate
from tether.chat.providers.base import USER_ROLE, ChatRequest, ChatResponse
from tether.chat.providers.tool_use import ToolCall, ToolRound

MODEL = "local-echo"
NOTICE = "[Local development assistant: this is not an AI and understands nothing.]"
ABOUT_PRACTICE = re.compile(r"practi[cs]e|progress|streak|next|pieces?\b", re.IGNORECASE)
RECORD_ID = re.compile(
    r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})\b",
    re.IGNORECASE,
)
SEARCH = re.compile(r"\bsearch(?: the catalog)?(?: for)?\s+(.{1,100})", re.IGNORECASE)


class LocalProvider:
    name = "local"
    model = MODEL

    def complete(self, request: ChatRequest) -> ChatResponse:
        last = next((turn.text for turn in reversed(request.turns) if turn.role == USER_ROLE), "")
        calls: list[ToolCall] = []
        if request.purpose == "summary":
            text = _summary(request)
        elif request.rounds:
            text = _answer(request.rounds)
        elif request.tools and not request.final and (calls := _calls(last, request)):
            text = ""
        else:
            quoted = last if len(last) <= 200 else last[:200] + "…"
            remembered = len(request.turns)
            text = (
                f"{NOTICE} You wrote: “{quoted}”. I was given {remembered} recent turn(s) of this thread"
                f"{' and its summary' if 'Summary of the earlier conversation' in request.system else ''}"
                f"{_files(request)}. "
                "Set TETHER_CHAT_PROVIDER to bedrock, openai or anthropic for real replies."
            )
        limit = request.max_tokens * 4
        text = text[:limit]
        prompt = estimate(request.system) + sum(estimate(turn.text) for turn in request.turns)
        prompt += sum(estimate(result.content) for round_ in request.rounds for result in round_.results)
        return ChatResponse(
            text=text, model=MODEL, input_tokens=prompt, output_tokens=estimate(text), tool_calls=calls
        )


def _calls(message: str, request: ChatRequest) -> list[ToolCall]:
    """The tools a question calls for (see the module docstring), at most five."""
    offered = {tool.name for tool in request.tools}
    wanted: list[tuple[str, dict[str, Any]]] = []
    for record_id in RECORD_ID.findall(message)[:2]:
        wanted.append(("get_piece", {"piece_id": record_id}))
    if ABOUT_PRACTICE.search(message):
        wanted += [
            ("list_pieces", {}),
            ("recent_practice_sessions", {"limit": 10}),
            ("progress_statistics", {"days": 30}),
        ]
    searched = SEARCH.search(message)
    if searched:
        wanted.append(("search_catalog", {"query": searched.group(1).strip(" ?.!\"'“”")}))
    return [
        ToolCall(f"local-{position}", name, arguments)
        for position, (name, arguments) in enumerate(wanted[:5], start=1)
        if name in offered
    ]


def _answer(rounds: Sequence[ToolRound]) -> str:
    """A reply put together from the tools' results: the learner's pieces, their recent practice,
    their statistics, and which piece to practise next (the first not practised lately)."""
    results: dict[str, Any] = {}
    for round_ in rounds:
        names = {call.id: call.name for call in round_.calls}
        for result in round_.results:
            try:
                parsed = json.loads(result.content)
            except ValueError:
                continue
            results.setdefault(names.get(result.call_id, ""), []).append(parsed)
    parts = [NOTICE, "From your own data:"]
    for looked_up in results.get("get_piece", []):
        if looked_up.get("found"):
            parts.append(f"your piece “{looked_up['piece']['title']}”.")
        else:
            parts.append(f"I found no piece {looked_up.get('piece_id', '')} of yours.")
    pieces = [piece for result in results.get("list_pieces", []) for piece in result.get("pieces", [])]
    sessions = [
        session
        for result in results.get("recent_practice_sessions", [])
        for session in result.get("sessions", [])
    ]
    if pieces:
        parts.append("your pieces are " + ", ".join(f"“{piece['title']}”" for piece in pieces) + ".")
    if sessions:
        recent = [session["pieceTitle"] for session in sessions if session.get("pieceTitle")]
        if recent:
            parts.append(
                "You practised " + ", ".join(f"“{title}”" for title in dict.fromkeys(recent)) + " lately."
            )
    for stats in results.get("progress_statistics", []):
        if "practiceSessions" in stats:
            parts.append(_statistics(stats))
    if pieces:
        parts.append(f"Practise next: “{_next_piece(pieces, sessions)}”.")
    for found in results.get("search_catalog", []):
        titles = [hit["title"] for hit in found.get("results", []) if hit.get("title")]
        parts.append(
            ("The catalog has " + ", ".join(f"“{t}”" for t in titles) + ".") if titles else "Nothing found."
        )
    if len(parts) == 2:
        parts.append("I found nothing that answers this.")
    return " ".join(parts)


def _statistics(stats: Mapping[str, Any]) -> str:
    return (
        f"In the last {stats['days']} days: {stats['practiceSessions']} practice session(s), "
        f"{stats['practiceMinutes']} minute(s) of practice; current streak {stats['currentStreakDays']} day(s)."
    )


def _next_piece(pieces: Sequence[Mapping[str, Any]], sessions: Sequence[Mapping[str, Any]]) -> str:
    """The first piece with no recent session, else the one practised longest ago."""
    last_seen: dict[str, int] = {}
    for position, session in enumerate(sessions):  # newest first
        if session.get("pieceId"):
            last_seen.setdefault(str(session["pieceId"]), position)
    unpractised = [piece for piece in pieces if piece["id"] not in last_seen]
    if unpractised:
        return str(unpractised[0]["title"])
    return str(max(pieces, key=lambda piece: last_seen[piece["id"]])["title"])


def _files(request: ChatRequest) -> str:
    """The files it was given, by name, type and size (deterministic: never their content)."""
    parts = [part for turn in request.turns for part in turn.parts]
    if not parts:
        return ""
    listed = "; ".join(f"{part.name} ({part.content_type}, {len(part.data)} bytes)" for part in parts)
    return f" and {len(parts)} file(s): {listed}"


def _summary(request: ChatRequest) -> str:
    """Not a summary: the start of each earlier user line, so the fold is visible while developing;
    with memory on, the user's statements about themselves as facts."""
    source = request.turns[-1].text if request.turns else ""
    lines = [line[len("User: ") :] for line in source.splitlines() if line.startswith("User: ")]
    said = [line[:80] for line in lines]
    earlier = source.split("\n\nNew turns:", 1)[0].removeprefix("Summary so far:\n").strip()
    parts = [] if earlier in ("", "(none)") else [earlier]
    if said:
        parts.append("The user wrote: " + "; ".join(f"“{item}”" for item in said))
    text = " ".join(parts) or "(nothing yet)"
    if FACTS_MARKER in request.system:
        facts = statements(lines)
        text += f"\n{FACTS_MARKER}\n" + "\n".join(f"- {fact}" for fact in facts)
    return text
