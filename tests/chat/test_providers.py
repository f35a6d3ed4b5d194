"""Each real provider through its real SDK, against a local server speaking that provider's API:
the exact request sent, the parsing of replies, and errors, retries and timeouts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.chat.conftest import (
    Answer,
    FakeAPI,
    anthropic_error,
    anthropic_reply,
    bedrock_error,
    bedrock_reply,
    openai_error,
    openai_reply,
)
from tether.chat.providers.anthropic_api import AnthropicProvider
from tether.chat.providers.base import ChatRequest, Provider, ProviderError, Turn
from tether.chat.providers.bedrock import BedrockProvider
from tether.chat.providers.factory import build_provider
from tether.chat.providers.local import LocalProvider
from tether.chat.providers.openai_api import OpenAIProvider
from tether.errors import ConfigurationError
from tether.settings import Settings

REQUEST = ChatRequest(
    system="Be kind.\n\nSummary of the earlier conversation:\nThey practise daily.",
    turns=[
        Turn("user", "first question"),
        Turn("assistant", "first answer"),
        Turn("user", "second question"),
        Turn("user", "and a follow-up"),  # consecutive user turns are sent as one
    ],
    max_tokens=321,
    timeout=5.0,
    max_retries=0,
)
SENT_TURNS = [
    ("user", "first question"),
    ("assistant", "first answer"),
    ("user", "second question\n\nand a follow-up"),
]


@dataclass
class Dialect:
    """How one provider is built against the fake server and what its wire format looks like."""

    name: str
    build: Callable[[FakeAPI], Provider]
    reply: Callable[..., Answer]
    error: Callable[[int], Answer]
    path: str


def _openai(fake: FakeAPI) -> Provider:
    return OpenAIProvider(
        model="gpt-test", api_key=lambda *_: "sk-test", base_url=f"{fake.url}/v1", connect_timeout=1.0
    )


def _anthropic(fake: FakeAPI) -> Provider:
    return AnthropicProvider(
        model="claude-test", api_key=lambda *_: "sk-ant-test", base_url=fake.url, connect_timeout=1.0
    )


def _bedrock(fake: FakeAPI) -> Provider:
    return BedrockProvider(
        model="amazon.nova-test-v1:0", region="us-east-1", endpoint=fake.url, connect_timeout=1.0
    )


DIALECTS = [
    Dialect("openai", _openai, openai_reply, openai_error, "/v1/chat/completions"),
    Dialect("anthropic", _anthropic, anthropic_reply, anthropic_error, "/v1/messages"),
    Dialect(
        "bedrock",
        _bedrock,
        bedrock_reply,
        lambda status: bedrock_error(
            status,
            {429: "ThrottlingException", 403: "AccessDeniedException"}.get(status, "InternalServerException"),
        ),
        "/model/amazon.nova-test-v1%3A0/converse",
    ),
]


def sent_turns(dialect: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    if dialect == "bedrock":
        return [(m["role"], m["content"][0]["text"]) for m in body["messages"]]
    if dialect == "openai":
        return [(m["role"], m["content"]) for m in body["messages"][1:]]
    return [(m["role"], m["content"]) for m in body["messages"]]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_the_exact_request_and_the_parsed_reply(fake_api: FakeAPI, dialect: Dialect) -> None:
    fake_api.script = [dialect.reply("Hello from the model", prompt=42, completion=9)]
    response = dialect.build(fake_api).complete(REQUEST)

    [request] = fake_api.requests
    assert request.path == dialect.path
    body = request.body
    assert sent_turns(dialect.name, body) == SENT_TURNS
    if dialect.name == "openai":
        assert body["model"] == "gpt-test"
        assert body["messages"][0] == {"role": "system", "content": REQUEST.system}
        assert body["max_completion_tokens"] == 321
        assert request.headers["authorization"] == "Bearer sk-test"
    elif dialect.name == "anthropic":
        assert body["model"] == "claude-test"
        assert body["system"] == REQUEST.system
        assert body["max_tokens"] == 321
        assert request.headers["authorization"] == "Bearer sk-ant-test"
        assert "anthropic-version" in request.headers
    else:
        assert body["system"] == [{"text": REQUEST.system}]
        assert body["inferenceConfig"] == {"maxTokens": 321}
        assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256")  # SigV4-signed by botocore
    assert response.text == "Hello from the model"
    assert (response.input_tokens, response.output_tokens) == (42, 9)
    assert response.model in ("gpt-test", "claude-test", "amazon.nova-test-v1:0")


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "PROVIDER_RATE_LIMITED"), (403, "PROVIDER_NOT_CONFIGURED"), (500, "PROVIDER_UNAVAILABLE")],
)
def test_error_statuses_become_stable_codes(
    fake_api: FakeAPI, dialect: Dialect, status: int, code: str
) -> None:
    fake_api.default = lambda request: dialect.error(status)
    with pytest.raises(ProviderError) as raised:
        dialect.build(fake_api).complete(REQUEST)
    assert raised.value.code == code
    assert raised.value.status == status
    assert len(fake_api.requests) == 1, "max_retries=0: exactly one request"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_retries_are_bounded_by_the_request(fake_api: FakeAPI, dialect: Dialect) -> None:
    server_error = dialect.error(500)
    server_error.headers["retry-after-ms"] = "10"  # the SDKs honour it: the test stays fast
    fake_api.script = [server_error, dialect.reply("second time lucky")]
    retried = ChatRequest(REQUEST.system, REQUEST.turns, 321, timeout=5.0, max_retries=1)
    assert dialect.build(fake_api).complete(retried).text == "second time lucky"
    assert len(fake_api.requests) == 2

    fake_api.requests.clear()
    fake_api.default = lambda request: server_error
    with pytest.raises(ProviderError) as raised:
        dialect.build(fake_api).complete(retried)
    assert raised.value.code == "PROVIDER_UNAVAILABLE"
    assert len(fake_api.requests) == 2, "one retry, then the error"


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_a_slow_provider_is_a_timeout(fake_api: FakeAPI, dialect: Dialect) -> None:
    slow = dialect.reply("too late")
    slow.delay = 1.5
    fake_api.default = lambda request: slow
    hurried = ChatRequest(REQUEST.system, REQUEST.turns, 321, timeout=0.3, max_retries=0)
    with pytest.raises(ProviderError) as raised:
        dialect.build(fake_api).complete(hurried)
    assert raised.value.code == "PROVIDER_TIMEOUT"
    assert len(fake_api.requests) == 1


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_an_empty_or_filtered_reply_is_refused(fake_api: FakeAPI, dialect: Dialect) -> None:
    fake_api.script = [dialect.reply("")]
    with pytest.raises(ProviderError) as raised:
        dialect.build(fake_api).complete(REQUEST)
    assert raised.value.code == "PROVIDER_REFUSED"


def test_an_unreachable_provider_is_unavailable(fake_api: FakeAPI) -> None:
    fake_api.stop()
    for dialect in DIALECTS:
        with pytest.raises(ProviderError) as raised:
            dialect.build(fake_api).complete(ChatRequest("s", [Turn("user", "hi")], 10, 1.0, 0))
        assert raised.value.code in ("PROVIDER_UNAVAILABLE", "PROVIDER_TIMEOUT"), dialect.name


def test_the_local_provider_needs_no_network_and_says_it_is_not_an_ai() -> None:
    response = LocalProvider().complete(REQUEST)
    assert "not an AI" in response.text
    assert "and a follow-up" in response.text
    assert response.model == "local-echo"


def test_the_setting_chooses_the_provider(settings: Settings) -> None:
    import dataclasses

    chosen = {
        name: type(build_provider(dataclasses.replace(settings, chat_provider=name))).__name__
        for name in ("local", "bedrock", "openai", "anthropic")
    }
    assert chosen == {
        "local": "LocalProvider",
        "bedrock": "BedrockProvider",
        "openai": "OpenAIProvider",
        "anthropic": "AnthropicProvider",
    }
    with pytest.raises(ConfigurationError):
        build_provider(dataclasses.replace(settings, chat_provider="gpt"))


def test_a_missing_api_key_is_a_configuration_error_not_a_crash(
    fake_api: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    for provider in (
        OpenAIProvider(model="m", api_key=lambda *_: None, base_url=f"{fake_api.url}/v1", connect_timeout=1),
        AnthropicProvider(model="m", api_key=lambda *_: None, base_url=fake_api.url, connect_timeout=1),
    ):
        with pytest.raises(ProviderError) as raised:
            provider.complete(REQUEST)
        assert raised.value.code == "PROVIDER_NOT_CONFIGURED"
