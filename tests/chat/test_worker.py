"""Replies that finish on their own: a push hands its replies to the worker through SQS (a real local
SQS server and boto3's client), and the lease keeps them to one per message whatever the queue does."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app, make_handler
from localdev.sqs import QueuePoller, create_queues
from tests.chat.conftest import (
    Chat,
    Clock,
    FakeAPI,
    ScriptedProvider,
    change,
    chat_settings,
    openai_reply,
    openai_settings,
    push,
)
from tests.conftest import Clock as EngineClock
from tests.conftest import GraphQLClient
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tests.sync.conftest import Sleep, new_id
from tether.chat.assistant import Assistant
from tether.chat.model import MESSAGES, reply_id
from tether.chat.queue import ReplyJob, SqsReplyQueue
from tether.chat.worker import handle_sqs_event
from tether.collections import COLLECTIONS
from tether.services import Services
from tether.settings import Settings
from tether.storage.heads import read_head
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.sync.engine import SyncEngine

AT = "2026-03-01T09:00:00Z"


@dataclass
class Worker:
    """A chat whose assistant hands replies to a fresh local SQS queue, and the poller that works it
    (what Lambda's event source mapping does), recording the events it delivers."""

    chat: Chat
    client: Any
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    answers: list[Mapping[str, Any]] = field(default_factory=list)

    def handle(self, event: Mapping[str, Any]) -> Mapping[str, Any]:
        self.events.append(dict(event))
        answer = handle_sqs_event(self.chat.assistant, event, self.chat.clock.monotonic)
        self.answers.append(answer)
        return answer

    @cached_property
    def poller(self) -> QueuePoller:
        return QueuePoller(self.client, self.url, self.handle)

    def deliver(self) -> int:
        return self.poller.run_once()

    def counts(self) -> tuple[int, int]:
        """(visible, in flight) jobs in the queue."""
        return self.poller.counts()

    def visibility_timeout_passes(self) -> None:
        """The job last delivered becomes visible again (what its visibility timeout does)."""
        handle = self.events[-1]["Records"][0]["receiptHandle"]
        self.client.change_message_visibility(QueueUrl=self.url, ReceiptHandle=handle, VisibilityTimeout=0)


def queue_for(settings: Settings, sqs_endpoint: str) -> tuple[Settings, Any, str]:
    """Settings naming a fresh reply queue (and its dead-letter queue) on the local SQS."""
    local = chat_settings(settings, sqs_endpoint=sqs_endpoint, chat_queue_url="unused")
    client = SqsReplyQueue(local).client
    url = create_queues(client, f"replies-{ULID()}")
    return chat_settings(local, chat_queue_url=url), client, url


@pytest.fixture
def worker(settings: Settings, user_id: str, sqs_endpoint: str) -> Worker:
    return make_worker(settings, user_id, sqs_endpoint)


def make_worker(settings: Settings, user_id: str, sqs_endpoint: str) -> Worker:
    """A user's chat answered through a fresh local SQS queue by the poller (see `Worker`)."""
    configured, client, url = queue_for(settings, sqs_endpoint)
    clock = Clock()
    services = Services.build(configured)
    provider = ScriptedProvider(clock)
    assistant = Assistant(
        configured,
        services.sync,
        provider,
        clock=clock.monotonic,
        now=clock.now,
        queue=SqsReplyQueue(configured),
    )
    return Worker(Chat(user_id, services.sync, assistant, provider, clock), client, url)


def reply(chat: Chat, message_id: str) -> dict[str, Any]:
    record = get_record(user_key(chat.user_id), MESSAGES.sort_key(reply_id(message_id)))
    assert record is not None
    return {**record.data, "version": record.version}


def test_a_push_answers_at_once_and_the_worker_writes_the_reply(worker: Worker) -> None:
    chat = worker.chat
    thread = chat.thread()
    assert worker.counts() == (0, 0)  # a push without a message queues nothing
    message = chat.say(thread, "hello")
    # The push stored the message and its PENDING reply and asked the model nothing.
    assert chat.provider.calls == []
    assert reply(chat, message)["status"] == "PENDING"
    assert worker.counts() == (1, 0)
    body = json.loads(
        worker.client.receive_message(QueueUrl=worker.url, VisibilityTimeout=0)["Messages"][0]["Body"]
    )
    assert body == {"v": 1, "profile": chat.user_id, "messages": [message], "threads": [thread]}

    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "COMPLETE"
    assert reply(chat, message)["text"] == "reply #1"
    assert len(chat.provider.calls) == 1
    assert worker.answers == [{"batchItemFailures": []}]
    assert worker.counts() == (0, 0)  # done: deleted from the queue


def test_a_pushed_message_and_its_pending_reply_commit_in_one_transaction(worker: Worker) -> None:
    """The reply is a follow-up of the message (SendMessage.follow_ups): its key and the thread's
    come in the push's own BatchGetItem and it is written in the push's transaction, so the push
    is one read and one write (then the job's SendMessage), with one head update."""
    chat = worker.chat
    thread = chat.thread()
    message = new_id()
    with record_calls() as calls:
        chat.push(("message", {"id": message, "thread_id": thread, "text": "hello"}))
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    read = {sk for _, sk in calls.keys_read()}
    assert {MESSAGES.sort_key(reply_id(message)), f"CHATTHREAD#{thread}"} <= read
    [(_, transaction)] = [request for request in calls.requests if request[0] == "TransactWriteItems"]
    bodies = [next(iter(entry.values())) for entry in transaction["TransactItems"]]
    written = sorted((body.get("Key") or body["Item"])["sk"]["S"] for body in bodies)
    assert written == sorted(["HEAD", MESSAGES.sort_key(message), MESSAGES.sort_key(reply_id(message))])
    assert reply(chat, message)["status"] == "PENDING"
    assert worker.counts() == (1, 0)  # handed to the worker at once
    head = read_head(user_key(chat.user_id))
    assert head.poll_fast_until is not None  # waiting pulls poll fast while the reply is due
    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "COMPLETE"


def test_messages_pushed_together_are_one_job_answered_in_order(worker: Worker) -> None:
    chat = worker.chat
    thread = chat.thread()
    first, second = new_id(), new_id()
    chat.push(
        ("message", {"id": first, "thread_id": thread, "text": "one"}),
        ("message", {"id": second, "thread_id": thread, "text": "two"}),
    )
    assert worker.counts() == (1, 0)
    assert worker.deliver() == 1
    assert [reply(chat, m)["text"] for m in (first, second)] == ["reply #1", "reply #2"]
    # The second reply saw the first one: each reply sees the conversation up to its own message.
    assert [turn.text for turn in chat.provider.calls[1].turns] == ["one", "reply #1", "two"]


def test_duplicated_deliveries_write_one_reply_and_never_ask_the_model_again(worker: Worker) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    worker.deliver()
    done = reply(chat, message)
    assert done["status"] == "COMPLETE"
    job = worker.events[-1]
    twice = {"Records": [job["Records"][0], {**job["Records"][0], "messageId": "copy"}]}
    with record_calls() as calls:
        assert worker.handle(job) == {"batchItemFailures": []}  # SQS delivers at least once
        assert worker.handle(twice) == {"batchItemFailures": []}
    assert len(chat.provider.calls) == 1
    assert reply(chat, message) == done  # not written again
    assert "TransactWriteItems" not in calls.operations


def test_a_timed_out_job_goes_back_to_the_queue_and_its_retry_writes_the_one_reply(worker: Worker) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    chat.provider.takes = 1000.0  # longer than the provider timeout: the call times out
    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "PENDING"
    assert reply(chat, message)["attempts"] == 1
    [record] = worker.events[-1]["Records"]
    assert worker.answers[-1] == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert worker.counts() == (0, 1)  # kept: it comes back after the visibility timeout

    chat.provider.takes = 0.0
    worker.visibility_timeout_passes()
    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "COMPLETE"
    assert reply(chat, message)["attempts"] == 2
    assert worker.events[-1]["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert len(chat.provider.calls) == 2
    assert worker.counts() == (0, 0)


def test_a_job_that_crashes_is_retried(worker: Worker) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    real = chat.provider.complete

    def crash(request: Any) -> Any:
        raise RuntimeError("the container died")

    chat.provider.complete = crash  # type: ignore[method-assign]
    worker.deliver()
    assert worker.answers[-1]["batchItemFailures"]
    assert reply(chat, message)["status"] == "PENDING"
    chat.provider.complete = real  # type: ignore[method-assign]
    worker.visibility_timeout_passes()
    worker.deliver()
    assert reply(chat, message)["status"] == "COMPLETE"
    assert worker.counts() == (0, 0)


def test_a_retry_while_the_worker_writes_the_reply_never_asks_the_model(worker: Worker) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    chat.provider.gate = threading.Event()
    delivering = threading.Thread(target=worker.deliver)
    delivering.start()
    assert chat.provider.entered.wait(5)  # the worker holds the lease and is asking the model
    busy = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert not busy.called
    assert busy.reply is not None
    assert busy.reply.data["status"] == "PENDING"
    chat.provider.gate.set()
    delivering.join(5)
    assert len(chat.provider.calls) == 1
    assert reply(chat, message)["status"] == "COMPLETE"
    assert worker.answers == [{"batchItemFailures": []}]
    assert worker.counts() == (0, 0)  # the retry queued nothing: the worker was answering


def test_a_delivery_while_a_retry_writes_the_reply_comes_back_and_then_does_nothing(worker: Worker) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    chat.provider.gate = threading.Event()
    outcomes: list[Any] = []
    retrying = threading.Thread(
        target=lambda: outcomes.append(chat.assistant.retry(chat.user_id, message, chat.clock.monotonic()))
    )
    retrying.start()
    assert chat.provider.entered.wait(5)  # retryChatReply holds the lease
    worker.deliver()  # the worker finds the lease taken: the job goes back to the queue
    assert worker.answers[-1]["batchItemFailures"]
    chat.provider.gate.set()
    retrying.join(5)
    assert outcomes[0].called
    assert reply(chat, message)["status"] == "COMPLETE"
    worker.visibility_timeout_passes()
    worker.deliver()
    assert worker.answers[-1] == {"batchItemFailures": []}
    assert len(chat.provider.calls) == 1
    assert worker.counts() == (0, 0)


def test_send_answers_within_its_budget_and_hands_a_slow_reply_to_the_worker(worker: Worker) -> None:
    chat = worker.chat
    thread = chat.thread()
    chat.provider.takes = 1000.0  # a slow model: the call times out within the request's budget
    started = chat.clock.monotonic()
    message = new_id()
    sent = chat.assistant.send(chat.user_id, {"id": message, "thread_id": thread, "text": "hi"}, started)
    assert chat.clock.monotonic() - started <= chat.assistant.settings.chat_time_budget_seconds
    assert sent.called
    assert sent.reply is not None
    assert sent.reply.data["status"] == "PENDING"
    assert worker.counts() == (1, 0)  # handed over
    chat.provider.takes = 0.0
    worker.deliver()
    assert reply(chat, message)["status"] == "COMPLETE"
    assert len(chat.provider.calls) == 2
    # A fast model answers in the request, and nothing is queued.
    quick = new_id()
    answered = chat.assistant.send(chat.user_id, {"id": quick, "thread_id": thread, "text": "hi"}, started)
    assert answered.reply is not None
    assert answered.reply.data["status"] == "COMPLETE"
    assert worker.counts() == (0, 0)


def test_a_push_that_cannot_reach_the_queue_answers_in_the_request(
    worker: Worker, settings: Settings
) -> None:
    chat = worker.chat
    closed = chat_settings(settings, sqs_endpoint="http://127.0.0.1:9", chat_queue_url=worker.url)
    chat.assistant.queue = SqsReplyQueue(closed)
    message = chat.say(chat.thread(), "hello")
    assert reply(chat, message)["status"] == "COMPLETE"  # as without a queue
    assert len(chat.provider.calls) == 1


def test_the_lambda_handler_routes_the_stored_sqs_event(worker: Worker, settings: Settings) -> None:
    chat = worker.chat
    message = chat.say(chat.thread(), "hello")
    event = load_event("sqs_chat_reply_job.json")
    event["Records"][0]["body"] = ReplyJob(chat.user_id, (message,)).body()
    bad = {**event["Records"][0], "messageId": "not-a-job", "body": '{"v": 1, "profile": 3}'}
    event["Records"].append(bad)
    services = Services.build(chat_settings(settings, chat_queue_url=worker.url))
    handler = make_handler(create_app(services=services))
    answer = handler(event, FakeLambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "not-a-job"}]}
    record = reply(chat, message)
    assert record["status"] == "COMPLETE"
    assert record["model"] == "local-echo"  # the handler's own services wrote it


def test_a_pushed_message_is_answered_by_pull_with_no_later_push(
    settings: Settings,
    sqs_endpoint: str,
    fake_api: FakeAPI,
    make_token: Any,
    user_id: str,
) -> None:
    configured, client, url = queue_for(settings, sqs_endpoint)
    configured = chat_settings(configured, **openai_settings(fake_api))
    fake_api.script = [openai_reply("Welcome back.")]
    app = create_app(configured)
    handler = make_handler(app)
    poller = QueuePoller(client, url, lambda event: handler(dict(event), FakeLambdaContext()))
    with TestClient(app) as test_client:
        gql = GraphQLClient(test_client, make_token(user_id))
        thread, message = new_id(), new_id()
        push(
            gql,
            "phone",
            [
                change(1, AT, saveChatThread={"id": thread, "title": "Evening"}),
                change(2, AT, sendChatMessage={"id": message, "threadId": thread, "text": "Hello"}),
            ],
        )
        assert fake_api.requests == []  # the push did not wait for the model
        first = gql.data(operation("SyncPull"), {"input": {"clientId": "tablet"}})["syncPull"]
        [pending] = [m for m in first["chatMessages"] if m["role"] == "ASSISTANT"]
        assert pending["status"] == "PENDING"

        assert poller.run_once() == 1  # the worker (the same Lambda handler, an SQS event)
        later = gql.data(operation("SyncPull"), {"input": {"clientId": "tablet", "cursor": first["cursor"]}})[
            "syncPull"
        ]
        [done] = later["chatMessages"]
        assert (done["id"], done["status"], done["text"]) == (pending["id"], "COMPLETE", "Welcome back.")
        assert len(fake_api.requests) == 1


# ---- a long-polling device sees the reply within a second


@pytest.fixture
def waiting(
    settings: Settings, user_id: str, sqs_endpoint: str
) -> tuple[Worker, SyncEngine, EngineClock, Sleep]:
    configured, client, url = queue_for(settings, sqs_endpoint)
    wall = EngineClock(Clock().now())
    sleep = Sleep(wall)
    engine = SyncEngine(
        collections=COLLECTIONS,
        cursor_key=b"test-cursor-key",
        tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        clock=wall,
        sleep=sleep,
    )
    clock = Clock()
    provider = ScriptedProvider(clock)
    assistant = Assistant(
        configured, engine, provider, clock=clock.monotonic, now=wall, queue=SqsReplyQueue(configured)
    )
    engine.follow_up_window = assistant.reply_window()  # wired as Services.build wires it
    return Worker(Chat(user_id, engine, assistant, provider, clock), client, url), engine, wall, sleep


def test_a_long_polling_device_sees_the_reply_within_a_second_of_its_write(
    waiting: tuple[Worker, SyncEngine, EngineClock, Sleep],
) -> None:
    worker, engine, wall, sleep = waiting
    chat = worker.chat
    chat.clock.wall = wall.now
    message = chat.say(chat.thread(), "hello")
    cursor = engine.pull(chat.user_id, "tablet", None).cursor  # has the PENDING reply
    written: list[Any] = []

    def work() -> None:
        worker.deliver()
        written.append(wall.now)

    sleep.meanwhile(6.6, work)  # the worker writes the reply 6.6 s into the device's wait
    with record_calls() as calls:
        result = engine.pull(chat.user_id, "tablet", cursor, wait_seconds=20)
    [record] = [r for r in result.records if r.collection == MESSAGES.name]
    assert record.id == reply_id(message)
    assert record.data["status"] == "COMPLETE"
    # While a reply is PENDING the head says so, and the pull re-reads it every second (not 2 s).
    assert sleep.slept == [0.25, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert wall.now - written[0] <= timedelta(seconds=1)
    assert calls.operations.count("GetItem") >= len(sleep.slept)


def test_an_idle_long_poll_keeps_its_2_second_schedule_once_no_reply_is_pending(
    waiting: tuple[Worker, SyncEngine, EngineClock, Sleep],
) -> None:
    worker, engine, wall, sleep = waiting
    chat = worker.chat
    chat.say(chat.thread(), "hello")
    worker.deliver()
    cursor = engine.pull(chat.user_id, "tablet", None).cursor
    # The head's fast-poll time lasts the reply's lease; after it the schedule is the idle one.
    wall.advance(seconds=chat.assistant.lease_ms / 1000)
    engine.pull(chat.user_id, "tablet", cursor, wait_seconds=20)
    assert sleep.slept == [0.25, 0.5, 1.0, *[2.0] * 9, 0.25]  # 13 head reads (docs/sync.md)
