"""Anthropic's Messages API through the official SDK (explicit timeouts and retries)."""

from __future__ import annotations

import base64
import os
from functools import cached_property
from typing import Any

import anthropic

from tether.chat.providers.base import (
    NOT_CONFIGURED,
    REFUSED,
    TIMEOUT,
    UNAVAILABLE,
    ChatRequest,
    ChatResponse,
    ProviderError,
    SdkProvider,
    Turn,
    code_for_status,
    joined,
)
from tether.chat.providers.tool_use import anthropic_calls, anthropic_rounds, anthropic_tools

OVERLOADED = 529


class AnthropicProvider(SdkProvider):
    name = "anthropic"

    @cached_property
    def _client(self) -> anthropic.Anthropic:
        # The SDK's defaults (10 minutes, 2 retries) are replaced on every request below.
        key = self._api_key() or os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            raise ProviderError(NOT_CONFIGURED, kind="NoApiKey")
        return anthropic.Anthropic(api_key=key, base_url=self._base_url, max_retries=0, timeout=10.0)

    def complete(self, request: ChatRequest) -> ChatResponse:
        messages: list[Any] = [
            {"role": turn.role, "content": message_content(turn)} for turn in joined(request.turns)
        ]
        messages += anthropic_rounds(request.rounds)
        tools: dict[str, Any] = anthropic_tools(request.tools, final=request.final)
        try:
            client = self._client.with_options(
                timeout=anthropic.Timeout(
                    request.timeout, connect=min(self._connect_timeout, request.timeout)
                ),
                max_retries=request.max_retries,
            )
            message = client.messages.create(
                model=self.model,
                system=request.system,
                messages=messages,
                max_tokens=request.max_tokens,
                **tools,
            )
        except anthropic.APITimeoutError as error:
            raise ProviderError(TIMEOUT, kind=type(error).__name__) from None
        except anthropic.APIConnectionError as error:
            raise ProviderError(UNAVAILABLE, kind=type(error).__name__) from None
        except anthropic.APIStatusError as error:
            status = error.status_code
            code = UNAVAILABLE if status == OVERLOADED else code_for_status(status)
            if code == NOT_CONFIGURED:
                self._reject_key()  # fetch the key again, past the cache, next time (it may have rotated)
            raise ProviderError(code, status=status, kind=type(error).__name__) from None
        except anthropic.AnthropicError as error:  # e.g. no API key configured
            raise ProviderError(NOT_CONFIGURED, kind=type(error).__name__) from None
        text = "".join(block.text for block in message.content if block.type == "text")
        calls = anthropic_calls(message.content)
        if message.stop_reason == "refusal" or not (text or calls):
            raise ProviderError(REFUSED, kind=f"stop_reason={message.stop_reason}")
        return ChatResponse(
            text=text,
            model=message.model or self.model,
            input_tokens=message.usage.input_tokens,
            output_tokens=message.usage.output_tokens,
            tool_calls=calls,
        )


def message_content(turn: Turn) -> str | list[dict[str, Any]]:
    """A turn's content: its text, or (with files) `document` blocks (a PDF in base64, plain text
    as text) and `image` blocks (base64), then a `text` block."""
    if not turn.parts:
        return turn.text
    blocks: list[dict[str, Any]] = []
    for part in turn.parts:
        if part.kind == "image":
            source = {"type": "base64", "media_type": part.content_type, "data": _base64(part.data)}
            blocks.append({"type": "image", "source": source})
        elif part.content_type == "text/plain":
            text = part.data.decode("utf-8", errors="replace")
            source = {"type": "text", "media_type": "text/plain", "data": text}
            blocks.append({"type": "document", "source": source, "title": part.name})
        else:
            source = {"type": "base64", "media_type": part.content_type, "data": _base64(part.data)}
            blocks.append({"type": "document", "source": source, "title": part.name})
    blocks.append({"type": "text", "text": turn.text})
    return blocks


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
