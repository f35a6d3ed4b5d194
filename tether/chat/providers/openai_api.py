"""OpenAI's Chat Completions API through the official SDK (explicit timeouts and retries)."""

from __future__ import annotations

import base64
from functools import cached_property
from typing import Any

import openai

from tether.chat.providers.base import (
    ERROR,
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
from tether.chat.providers.tool_use import openai_calls, openai_rounds, openai_tools


class OpenAIProvider(SdkProvider):
    name = "openai"

    @cached_property
    def _client(self) -> openai.OpenAI:
        # The SDK's defaults (10 minutes, 2 retries) are replaced on every request below.
        return openai.OpenAI(api_key=self._api_key(), base_url=self._base_url, max_retries=0, timeout=10.0)

    def complete(self, request: ChatRequest) -> ChatResponse:
        messages: list[Any] = [{"role": "system", "content": request.system}]
        messages += [{"role": turn.role, "content": message_content(turn)} for turn in joined(request.turns)]
        messages += openai_rounds(request.rounds)
        tools: dict[str, Any] = openai_tools(request.tools, final=request.final)
        try:
            client = self._client.with_options(
                timeout=openai.Timeout(request.timeout, connect=min(self._connect_timeout, request.timeout)),
                max_retries=request.max_retries,
            )
            completion = client.chat.completions.create(
                model=self.model, messages=messages, max_completion_tokens=request.max_tokens, **tools
            )
        except openai.APITimeoutError as error:
            raise ProviderError(TIMEOUT, kind=type(error).__name__) from None
        except openai.APIConnectionError as error:
            raise ProviderError(UNAVAILABLE, kind=type(error).__name__) from None
        except openai.APIStatusError as error:
            code = code_for_status(error.status_code)
            if code == NOT_CONFIGURED:
                self._reject_key()  # fetch the key again, past the cache, next time (it may have rotated)
            raise ProviderError(code, status=error.status_code, kind=type(error).__name__) from None
        except openai.OpenAIError as error:  # e.g. no API key configured
            raise ProviderError(NOT_CONFIGURED, kind=type(error).__name__) from None
        if not completion.choices:
            raise ProviderError(ERROR, kind="EmptyResponse")
        choice = completion.choices[0]
        text = choice.message.content or ""
        calls = openai_calls(choice.message.tool_calls)
        if choice.finish_reason == "content_filter" or not (text or calls):
            raise ProviderError(REFUSED, kind=f"finish_reason={choice.finish_reason}")
        usage = completion.usage
        return ChatResponse(
            text=text,
            model=completion.model or self.model,
            input_tokens=usage.prompt_tokens if usage else None,
            output_tokens=usage.completion_tokens if usage else None,
            tool_calls=calls,
        )


def message_content(turn: Turn) -> str | list[dict[str, Any]]:
    """A turn's content: its text, or (with files) Chat Completions content parts: a PDF as a
    `file` part (a base64 data URL with its filename), an image as an `image_url` part (a base64
    data URL), then a `text` part."""
    if not turn.parts:
        return turn.text
    parts: list[dict[str, Any]] = []
    for part in turn.parts:
        url = f"data:{part.content_type};base64,{base64.b64encode(part.data).decode('ascii')}"
        if part.kind == "image":
            parts.append({"type": "image_url", "image_url": {"url": url}})
        else:
            parts.append({"type": "file", "file": {"filename": part.name, "file_data": url}})
    parts.append({"type": "text", "text": turn.text})
    return parts
