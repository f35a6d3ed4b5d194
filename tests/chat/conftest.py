"""Fixtures for chat: a local HTTP server speaking a provider's API, apps configured for chat,
and a scriptable provider for the assistant's own logic (leases, budgets, time)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

from app import create_app
from tests.conftest import GraphQLClient, clocked_app
from tests.operations import operation
from tests.sync.conftest import new_id
from tether.chat.assistant import Assistant
from tether.chat.model import MESSAGES, THREADS
from tether.chat.providers.base import ChatRequest, ChatResponse, ProviderError
from tether.services import Services
from tether.settings import Settings
from tether.sync.engine import Mutation, SyncEngine


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    """What the fake API answers: a status, a JSON body, headers, after a delay (seconds)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeAPI:
    """A local HTTP server that speaks a provider's API: it records every request and answers
    from a script (then with `default`, built from the request)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: list[Answer] = []
        self.default: Callable[[Received], Answer] = lambda request: Answer(500, {"error": "no answer"})
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                received = Received(
                    "POST",
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
                with fake._lock:
                    fake.requests.append(received)
                    answer = fake.script.pop(0) if fake.script else fake.default(received)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout): that is the point of the delay

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---- each provider's wire format


def openai_reply(text: str, *, model: str = "gpt-test", prompt: int = 11, completion: int = 7) -> Answer:
    return Answer(
        body={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
    )


def openai_error(status: int, kind: str = "server_error") -> Answer:
    return Answer(status, {"error": {"message": "failed", "type": kind, "code": None}})


def anthropic_reply(
    text: str, *, model: str = "claude-test", prompt: int = 11, completion: int = 7
) -> Answer:
    return Answer(
        body={
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": completion},
        }
    )


def anthropic_error(status: int, kind: str = "api_error") -> Answer:
    return Answer(status, {"type": "error", "error": {"type": kind, "message": "failed"}})


def bedrock_reply(text: str, *, prompt: int = 11, completion: int = 7) -> Answer:
    return Answer(
        body={
            "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": prompt, "outputTokens": completion, "totalTokens": prompt + completion},
            "metrics": {"latencyMs": 5},
        }
    )


def bedrock_error(status: int, kind: str) -> Answer:
    return Answer(status, {"message": "failed"}, headers={"x-amzn-ErrorType": f"{kind}:http://internal"})


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    server = FakeAPI().start()
    yield server
    server.stop()


# ---- apps and clients configured for chat


def chat_settings(settings: Settings, **overrides: Any) -> Settings:
    return dataclasses.replace(settings, **overrides)


@pytest.fixture
def chat_client(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> Iterator[Callable[..., GraphQLClient]]:
    """`chat_client(user=..., **settings)`: a GraphQL client of an app with these chat settings."""
    with ExitStack() as stack:

        def make(
            user: str | None = None, clock: Callable[[], datetime] | None = None, **overrides: Any
        ) -> GraphQLClient:
            configured = chat_settings(settings, **overrides)
            app = create_app(configured) if clock is None else clocked_app(configured, clock)
            client = stack.enter_context(TestClient(app))
            return GraphQLClient(client, make_token(user or user_id))

        yield make


def openai_settings(fake: FakeAPI, **overrides: Any) -> dict[str, Any]:
    return {
        "chat_provider": "openai",
        "chat_openai_base_url": f"{fake.url}/v1",
        "chat_openai_model": "gpt-test",
        "chat_api_key": "sk-test-key",
        "chat_provider_max_retries": 0,
        **overrides,
    }


def provider_settings(name: str, fake: FakeAPI, **overrides: Any) -> dict[str, Any]:
    """An app whose provider (openai, anthropic or bedrock) is the fake API, with `overrides`."""
    if name == "openai":
        return openai_settings(fake, **overrides)
    if name == "anthropic":
        return {
            "chat_provider": "anthropic",
            "chat_anthropic_base_url": fake.url,
            "chat_anthropic_model": "claude-test",
            "chat_api_key": "sk-ant-test",
            "chat_provider_max_retries": 0,
            **overrides,
        }
    return {
        "chat_provider": "bedrock",
        "chat_bedrock_endpoint": fake.url,
        "chat_bedrock_model": "amazon.nova-test-v1:0",
        "chat_provider_max_retries": 0,
        **overrides,
    }


def push(gql: GraphQLClient, client_id: str, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    body = gql(operation("SyncPush"), {"input": {"clientId": client_id, "mutations": mutations}})
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["syncPush"]
    return payload


def change(mutation_id: int, changed_at: str, **change: Any) -> dict[str, Any]:
    return {"mutationId": mutation_id, "changedAt": changed_at, "change": change}


def send(gql: GraphQLClient, thread: str, text: str) -> dict[str, Any]:
    """`sendChatMessage` with a new id: the reply."""
    reply: dict[str, Any] = gql.data(
        operation("SendChatMessage"), {"input": {"id": new_id(), "threadId": thread, "text": text}}
    )["sendChatMessage"]
    return reply


def thread_messages(gql: GraphQLClient, thread_id: str) -> list[dict[str, Any]]:
    data = gql.data(operation("ChatMessages"), {"threadId": thread_id, "first": 100})
    nodes: list[dict[str, Any]] = data["chatMessages"]["nodes"]
    return nodes


# ---- the assistant on its own, with a scriptable provider and clocks the test controls


class Clock:
    """Both of the assistant's clocks: monotonic seconds (time budget) and wall time (leases, days)."""

    def __init__(self) -> None:
        self.seconds = 1000.0
        self.wall = datetime.now(UTC)

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.seconds += seconds
        self.wall += timedelta(seconds=seconds)


class ScriptedProvider:
    """A provider whose answers the test decides; it counts calls and can hold them."""

    name = "scripted"
    model = "scripted-1"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.calls: list[ChatRequest] = []
        self.errors: list[ProviderError] = []
        self.takes = 0.0  # seconds each call advances the clock
        self.text: str | None = None  # every answer's text (None: "reply #<call>")
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def complete(self, request: ChatRequest) -> ChatResponse:
        with self._lock:
            self.calls.append(request)
            error = self.errors.pop(0) if self.errors else None
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "the test never opened the gate"
        if self.takes > request.timeout:  # like a real SDK: give up after the timeout (and retries)
            self.clock.advance(request.timeout * (1 + request.max_retries))
            raise ProviderError("PROVIDER_TIMEOUT")
        self.clock.advance(self.takes)
        if error is not None:
            raise error
        return ChatResponse(self.text or f"reply #{len(self.calls)}", self.model, 20, 10)


@dataclass
class Chat:
    """The assistant wired to the real engine and DynamoDB, with a scripted provider."""

    user_id: str
    engine: SyncEngine
    assistant: Assistant
    provider: ScriptedProvider
    clock: Clock
    next_mutation: int = 1

    def push(self, *changes: tuple[str, dict[str, Any]]) -> list[Any]:
        """Push (collection, payload) changes as the device `phone`, then run the replies."""
        mutations = []
        for name, payload in changes:
            collection, operation_name = {
                "thread": (THREADS, "save"),
                "delete_thread": (THREADS, "delete"),
                "message": (MESSAGES, "send"),
            }[name]
            mutations.append(
                Mutation(self.next_mutation, self.clock.now(), collection, operation_name, payload)
            )
            self.next_mutation += 1
        # As the syncPush resolver does (the engine's follow-up window is the assistant's, Services).
        result = self.engine.push(self.user_id, "phone", mutations)
        self.assistant.after_push(self.user_id, result.results, self.clock.monotonic())
        return result.results

    def thread(self) -> str:
        thread_id = new_id()
        self.push(("thread", {"id": thread_id, "title": "a thread"}))
        return thread_id

    def say(self, thread_id: str, text: str) -> str:
        message_id = new_id()
        self.push(("message", {"id": message_id, "thread_id": thread_id, "text": text}))
        return message_id


@pytest.fixture
def chat(settings: Settings, user_id: str) -> Chat:
    clock = Clock()
    services = Services.build(settings)
    provider = ScriptedProvider(clock)
    assistant = Assistant(settings, services.sync, provider, clock=clock.monotonic, now=clock.now)
    return Chat(user_id, services.sync, assistant, provider, clock)


def make_chat(settings: Settings, user_id: str, **overrides: Any) -> Chat:
    """A `chat` with other settings (budgets, timeouts)."""
    clock = Clock()
    configured = chat_settings(settings, **overrides)
    services = Services.build(configured)
    provider = ScriptedProvider(clock)
    assistant = Assistant(configured, services.sync, provider, clock=clock.monotonic, now=clock.now)
    return Chat(user_id, services.sync, assistant, provider, clock)
