"""What the worker's job for one reply costs, priced as DynamoDB bills it (tether/storage/capacity.py),
and that what it no longer does changes nothing a user sees (docs/chat.md "Cost", docs/cost.md).

The reply is the one `bench/cost.py` measures: a second turn of a thread, 1,000 characters, written a
second after its message (so the thread's `lastMessageAt` moves, as every real reply's does)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.chat.test_worker import Worker, make_worker, reply
from tests.deploy.lambda_support import load_event
from tether.chat.model import MESSAGES, THREADS, reply_id
from tether.chat.providers.base import ProviderError
from tether.chat.queue import BadJob, ReplyJob
from tether.settings import Settings
from tether.storage.base import TTL_ATTRIBUTE, client
from tether.storage.capacity import meter_capacity
from tether.storage.chat import lease_key
from tether.storage.instrumentation import Calls, record_calls
from tether.storage.keys import user_key

REPLY = "A calm answer. " * 67  # 1,005 characters: the bench's reply of a few paragraphs


@pytest.fixture
def worker(settings: Settings, user_id: str, sqs_endpoint: str) -> Worker:
    return make_worker(settings, user_id, sqs_endpoint)


def second_turn(worker: Worker) -> tuple[str, str]:
    """A thread whose first message is answered; its second message PENDING, queued. (thread, message)"""
    thread, _, message = turns_of_a_thread(worker)
    return thread, message


def turns_of_a_thread(worker: Worker) -> tuple[str, str, str]:
    """`second_turn`, with the first message's id: (thread, first message, second message)."""
    chat = worker.chat
    chat.provider.takes = 1.0
    chat.provider.text = REPLY
    thread = chat.thread()
    first = chat.say(thread, "hello")
    assert worker.deliver() == 1
    return thread, first, chat.say(thread, "and what about the second verse?")


def lease_item(worker: Worker, message: str) -> dict[str, Any] | None:
    pk = user_key(worker.chat.user_id)
    table = worker.chat.assistant.settings.table_name
    key = {"pk": {"S": pk}, "sk": {"S": lease_key(reply_id(message))}}
    item: dict[str, Any] | None = client().get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item


def first_read(calls: Calls) -> set[str]:
    [(_, first), *_] = [request for request in calls.requests if request[0] == "BatchGetItem"]
    return {key["sk"]["S"] for table in first["RequestItems"].values() for key in table["Keys"]}


def test_a_reply_job_is_8_round_trips_and_25_write_units(worker: Worker) -> None:
    """The lease (a conditional put), the message, its reply and its thread (one BatchGetItem), the
    thread's earlier turns (a Query and a BatchGetItem), the budget charged, the reply with the
    thread and the head (the engine's read and transaction), the budget settled. The sweep looks
    at the head as the reply's transaction left it (exact: conditioned on the head it read): it
    was a GetItem of the head after the transaction (9 round trips, 11 RRU).
    It was 11 round trips and 28 WRU: the thread had a GetItem of its own, and the lease a
    DeleteItem; 27 WRU while a PENDING reply was in `byTime` (its entry removed here); and 13
    RRU: the turns' read fetched the message and its reply again. PENDING replies wait on the head
    (the sweep's Query of `byTime` became a GetItem of the head, now no read at all)."""
    chat = worker.chat
    thread, first, message = turns_of_a_thread(worker)
    with meter_capacity() as meter, record_calls() as calls:
        assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "COMPLETE"
    assert reply(chat, message)["text"] == REPLY
    assert calls.operations == [
        "PutItem",  # the lease
        "BatchGetItem",  # the message, its reply, its thread (and the head)
        "Query",  # the thread's turns (byLookup)
        "BatchGetItem",  # ... their records
        "UpdateItem",  # the budget charged
        "BatchGetItem",  # the engine: head, reply, thread
        "TransactWriteItems",  # the reply COMPLETE, the thread's lastMessageAt, the head
        "UpdateItem",  # the budget settled
    ]  # the sweep: the head as the transaction left it (older PENDING replies: none), no read
    assert {MESSAGES.sort_key(message), MESSAGES.sort_key(reply_id(message)), THREADS.sort_key(thread)} <= (
        first_read(calls)
    )
    # The transaction: the reply (1.6 KB: 2) and its bySeq entry moved (a delete 1 and a put 2); the
    # thread (1), moved in bySeq (1 + 1) and byTime (1 + 1); the head (1, the PENDING reply leaving
    # it); all doubled. Then the lease 1, the budget's charge 1 and settlement 1.
    assert meter.write_units == {"PutItem": 1, "UpdateItem": 2, "TransactWriteItems": 22}
    assert meter.index_write_units == {"bySeq": 10, "byTime": 4}
    assert meter.wru == 25
    # The first read (message, reply, thread, head: 5) and the engine's (head, reply, thread: 3),
    # and the earlier turn's message and reply (2), not the message and reply held already (2 more).
    assert meter.read_units == {"BatchGetItem": 9, "Query": 1}
    [_, turns, _] = [keys for _, keys in _batch_reads(calls)]
    assert turns == {MESSAGES.sort_key(first), MESSAGES.sort_key(reply_id(first))}
    assert [(turn.role, turn.text) for turn in chat.provider.calls[-1].turns] == [
        ("user", "hello"),
        ("assistant", REPLY),
        ("user", "and what about the second verse?"),
    ]


def test_a_first_turn_reads_no_earlier_turns(worker: Worker) -> None:
    """A thread's first message has no earlier turn: the turns' Query finds only the message itself,
    which the job holds already, so no BatchGetItem follows (7 round trips; it was 9, and the
    message and its PENDING reply read twice, 2 RRU; then 8 with the sweep's GetItem of the head)."""
    chat = worker.chat
    chat.provider.text = REPLY
    message = chat.say(chat.thread(), "hello")
    with meter_capacity() as meter, record_calls() as calls:
        assert worker.deliver() == 1
    assert reply(chat, message)["text"] == REPLY
    assert calls.operations == [
        "PutItem",
        "BatchGetItem",
        "Query",  # the thread's turns: the message alone, not fetched again
        "UpdateItem",
        "BatchGetItem",
        "TransactWriteItems",
        "UpdateItem",
    ]
    assert [(turn.role, turn.text) for turn in chat.provider.calls[-1].turns] == [("user", "hello")]
    assert meter.read_units == {"BatchGetItem": 7, "Query": 1}


def _batch_reads(calls: Calls) -> list[tuple[str, set[str]]]:
    return [
        (name, {key["sk"]["S"] for table in params["RequestItems"].values() for key in table["Keys"]})
        for name, params in calls.requests
        if name == "BatchGetItem"
    ]


def test_a_complete_reply_keeps_its_lease_until_its_ttl(worker: Worker) -> None:
    """A COMPLETE reply is never asked of the model again, so its lease is left to DynamoDB's TTL
    (free) instead of deleted. A delivery of the same job then costs a refused put (1 WRU) and the
    reply's read, and, once the lease has expired, finds the reply COMPLETE under a new lease."""
    chat = worker.chat
    _, message = second_turn(worker)
    assert worker.deliver() == 1
    done = reply(chat, message)
    lease = lease_item(worker, message)
    assert lease is not None
    assert int(lease[TTL_ATTRIBUTE]["N"]) > int(chat.clock.now().timestamp())  # TTL removes it
    job = worker.events[-1]
    with meter_capacity() as meter, record_calls() as calls:
        assert worker.handle(job) == {"batchItemFailures": []}
    assert calls.operations == ["PutItem", "GetItem", "GetItem"]
    assert meter.wru == 1
    chat.clock.advance(chat.assistant.reply_window().total_seconds() + 1)
    assert worker.handle(job) == {"batchItemFailures": []}  # the lease is free again: taken, kept
    assert len(chat.provider.calls) == 2  # the first turn and this one: never asked again
    assert reply(chat, message) == done
    # retryChatReply of the COMPLETE reply returns it as it is, lease held or not.
    retried = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert retried.reply is not None
    assert not retried.called
    assert {**retried.reply.data, "version": retried.reply.version} == done


def test_a_failed_or_pending_reply_gives_its_lease_back(worker: Worker) -> None:
    """FAILED and still-PENDING replies release their lease at once: retryChatReply right after a
    failure, and the job's next delivery after a timeout, ask the model again without waiting."""
    chat = worker.chat
    _, message = second_turn(worker)
    chat.provider.errors = [ProviderError("PROVIDER_UNAVAILABLE", status=503)]
    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "FAILED"
    assert lease_item(worker, message) is None
    retried = chat.assistant.retry(chat.user_id, message, chat.clock.monotonic())
    assert retried.called
    assert reply(chat, message)["status"] == "COMPLETE"
    assert len(chat.provider.calls) == 3

    timed_out = chat.say(chat.thread(), "hello")
    chat.provider.takes = 1000.0  # longer than the provider's timeout
    assert worker.deliver() == 1
    assert reply(chat, timed_out)["status"] == "PENDING"
    assert lease_item(worker, timed_out) is None
    chat.provider.takes = 0.0
    worker.visibility_timeout_passes()
    assert worker.deliver() == 1  # at once, not after the lease's 32 s
    assert reply(chat, timed_out)["status"] == "COMPLETE"


def test_a_job_names_each_message_thread(worker: Worker) -> None:
    chat = worker.chat
    thread, message = second_turn(worker)
    body = json.loads(
        worker.client.receive_message(QueueUrl=worker.url, VisibilityTimeout=0)["Messages"][0]["Body"]
    )
    assert body == {"v": 1, "profile": chat.user_id, "messages": [message], "threads": [thread]}
    assert ReplyJob.parse(json.dumps(body)) == ReplyJob(chat.user_id, (message,), (thread,))
    for threads in (["not an id"], [thread, thread], "x"):
        try:
            ReplyJob.parse(json.dumps({**body, "threads": threads}))
        except BadJob:
            continue
        raise AssertionError(f"a job with threads {threads!r} was accepted")


def test_a_job_queued_before_threads_were_named_is_answered_all_the_same(worker: Worker) -> None:
    """A job without `threads` (queued by the code before this one, still in the queue when it is
    deployed) reads the thread with one GetItem of its own; so does one naming the wrong thread (a
    job is a hint, never the truth): the reply is the message's real thread's."""
    chat = worker.chat
    other = chat.thread()  # made first: a push with a chat change sweeps PENDING replies itself
    thread, message = second_turn(worker)
    pk = user_key(chat.user_id)
    for threads in ((), (other,)):
        event = load_event("sqs_chat_reply_job.json")
        event["Records"][0]["body"] = ReplyJob(chat.user_id, (message,), threads).body()
        with record_calls() as calls:
            assert worker.handle(event) == {"batchItemFailures": []}
        # The thread's GetItem (the sweep looks at the head the reply's transaction left).
        assert calls.keys_read("GetItem") == [(pk, THREADS.sort_key(thread))]
        assert reply(chat, message)["status"] == "COMPLETE"
        assert reply(chat, message)["thread_id"] == thread
        message = chat.say(thread, "and the third?")  # the next one, answered by a job made here
    assert len(chat.provider.calls) == 3
