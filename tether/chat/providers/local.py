"""The development provider: no network, no model; it says plainly that it is not an AI."""

from __future__ import annotations

from tether.chat.memory import estimate
from tether.chat.providers.base import USER_ROLE, ChatRequest, ChatResponse

MODEL = "local-echo"
NOTICE = "[Local development assistant: this is not an AI and understands nothing.]"


class LocalProvider:
    name = "local"
    model = MODEL

    def complete(self, request: ChatRequest) -> ChatResponse:
        if request.purpose == "summary":
            text = _summary(request)
        else:
            last = next((turn.text for turn in reversed(request.turns) if turn.role == USER_ROLE), "")
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
        return ChatResponse(text=text, model=MODEL, input_tokens=prompt, output_tokens=estimate(text))


def _files(request: ChatRequest) -> str:
    """The files it was given, by name, type and size (deterministic: never their content)."""
    parts = [part for turn in request.turns for part in turn.parts]
    if not parts:
        return ""
    listed = "; ".join(f"{part.name} ({part.content_type}, {len(part.data)} bytes)" for part in parts)
    return f" and {len(parts)} file(s): {listed}"


def _summary(request: ChatRequest) -> str:
    """Not a summary: the start of each earlier user line, so the fold is visible while developing."""
    source = request.turns[-1].text if request.turns else ""
    said = [line[len("User: ") :][:80] for line in source.splitlines() if line.startswith("User: ")]
    earlier = source.split("\n\nNew turns:", 1)[0].removeprefix("Summary so far:\n").strip()
    parts = [] if earlier in ("", "(none)") else [earlier]
    if said:
        parts.append("The user wrote: " + "; ".join(f"“{item}”" for item in said))
    return " ".join(parts) or "(nothing yet)"
