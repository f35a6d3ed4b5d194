"""The provider interface: one request (system prompt + turns), one reply, errors with stable codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from tether.chat.files import Part
    from tether.chat.providers.tool_use import ToolCall, ToolRound, ToolSpec

USER_ROLE = "user"
ASSISTANT_ROLE = "assistant"


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str
    # Files the model reads with this (user) turn, before its text (tether/chat/files.py).
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class ChatRequest:
    """What the model gets. `turns` alternate and start and end with the user (see memory.py)."""

    system: str
    turns: Sequence[Turn]
    max_tokens: int
    timeout: float  # seconds for one attempt (read timeout)
    max_retries: int
    purpose: Literal["reply", "summary"] = "reply"
    # Tool use (tether/chat/tools.py): the tools offered, the rounds so far (the model's calls and
    # their results, after `turns`), and whether this is the last request (no more calls allowed).
    tools: Sequence[ToolSpec] = ()
    rounds: Sequence[ToolRound] = ()
    final: bool = False


@dataclass(frozen=True)
class ChatResponse:
    text: str
    model: str
    input_tokens: int | None = None  # as the provider counted them, when it says
    output_tokens: int | None = None
    tool_calls: Sequence[ToolCall] = ()  # the model asks for these tools (then `text` may be empty)


# Error codes a FAILED reply carries; the messages are ours, never the provider's (they may echo text).
TIMEOUT = "PROVIDER_TIMEOUT"
UNAVAILABLE = "PROVIDER_UNAVAILABLE"
RATE_LIMITED = "PROVIDER_RATE_LIMITED"
NOT_CONFIGURED = "PROVIDER_NOT_CONFIGURED"
REFUSED = "PROVIDER_REFUSED"
ERROR = "PROVIDER_ERROR"

MESSAGES = {
    TIMEOUT: "The assistant did not answer in time. Try again.",
    UNAVAILABLE: "The assistant is unavailable right now. Try again in a moment.",
    RATE_LIMITED: "The assistant is busy right now. Try again in a minute.",
    NOT_CONFIGURED: "The assistant is not set up correctly on this server.",
    REFUSED: "The assistant could not answer this message.",
    ERROR: "The assistant failed to answer. Try again.",
}


class ProviderError(Exception):
    """A provider call that failed; `code` is one of the codes above, `status` the HTTP status if any."""

    def __init__(self, code: str, *, status: int | None = None, kind: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.kind = kind  # the SDK's exception class, for logs (never its message)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


def code_for_status(status: int) -> str:
    """The error code of an HTTP error status from a provider."""
    if status == 408:
        return TIMEOUT
    if status == 429:
        return RATE_LIMITED
    if status in (401, 403, 404):
        return NOT_CONFIGURED  # a bad key, a missing permission or an unknown model
    if status in (400, 413, 422):
        return REFUSED
    if status >= 500:
        return UNAVAILABLE
    return ERROR


class Provider(Protocol):
    """A model provider. `complete` raises ProviderError, never an SDK's own exception."""

    name: str
    model: str

    def complete(self, request: ChatRequest) -> ChatResponse: ...


def joined(turns: Sequence[Turn]) -> list[Turn]:
    """Consecutive turns of one role merged into one (providers want alternating roles)."""
    merged: list[Turn] = []
    for turn in turns:
        if merged and merged[-1].role == turn.role:
            merged[-1] = Turn(turn.role, f"{merged[-1].text}\n\n{turn.text}", merged[-1].parts + turn.parts)
        else:
            merged.append(turn)
    return merged


class KeySource(Protocol):
    """Where an API key comes from; `fresh` bypasses any cache (the last key was rejected)."""

    def __call__(self, fresh: bool = False, /) -> str | None: ...


class SdkProvider:
    """A provider reached through its official SDK: a model, an API key (fetched when first
    needed), an optional base URL (an API-compatible server) and a connect timeout."""

    name: str

    def __init__(
        self,
        *,
        model: str,
        api_key: KeySource,
        base_url: str | None,
        connect_timeout: float,
    ) -> None:
        self.model = model
        self._key_source = api_key
        self._key_rejected = False
        self._base_url = base_url
        self._connect_timeout = connect_timeout

    def _api_key(self) -> str | None:
        """The API key; fetched past the secrets cache once the provider has rejected the last one."""
        if not self._key_rejected:
            return self._key_source()
        key = self._key_source(True)
        self._key_rejected = False
        return key

    def _reject_key(self) -> None:
        """The provider refused the key (401/403): the next request builds a client with a fresh one."""
        self._key_rejected = True
        self.__dict__.pop("_client", None)
