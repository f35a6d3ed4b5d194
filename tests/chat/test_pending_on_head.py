"""PENDING replies wait on the partition's head (Collection.pending), not in the `byTime` index:
the push writing one and the job completing it write the head anyway, so the index entry's put
and delete (1 WRU each, doubled by their transactions) are saved; the sweep that finds replies
whose job was lost reads the head. A head that is full (an offline push of many messages) and
partitions written before keep their replies in `byTime`, and sweeps look there until they find
none (docs/cost.md "The reply worker's job")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chat.test_worker import Worker, make_worker, reply
from tests.sync.conftest import new_id
from tether.chat.model import MESSAGES, reply_id
from tether.settings import Settings
from tether.storage.base import client
from tether.storage.capacity import meter_capacity
from tether.storage.heads import read_head
from tether.storage.instrumentation import record_calls
from tether.storage.keys import HEAD, user_key
from tether.storage.transaction import PENDING_ON_HEAD


@pytest.fixture
def worker(settings: Settings, user_id: str, sqs_endpoint: str) -> Worker:
    return make_worker(settings, user_id, sqs_endpoint)


def lose_jobs(worker: Worker) -> int:
    """The queue's jobs lost (as after a crash and the dead-letter queue): how many."""
    lost = 0
    while True:
        got = worker.client.receive_message(QueueUrl=worker.url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        if not got.get("Messages"):
            return lost
        for message in got["Messages"]:
            worker.client.delete_message(QueueUrl=worker.url, ReceiptHandle=message["ReceiptHandle"])
            lost += 1


def in_by_time(worker: Worker) -> list[str]:
    """The sort keys of the partition's chat messages in the `byTime` index."""
    table = worker.chat.assistant.settings.table_name
    found = client().query(
        TableName=table,
        IndexName="byTime",
        KeyConditionExpression="pk = :pk AND begins_with(tk, :p)",
        ExpressionAttributeValues={":pk": {"S": user_key(worker.chat.user_id)}, ":p": {"S": "CHATPENDING#"}},
        ConsistentRead=True,
    )
    return [item["sk"]["S"] for item in found["Items"]]


def head_item(worker: Worker) -> dict[str, Any]:
    table = worker.chat.assistant.settings.table_name
    key = {"pk": {"S": user_key(worker.chat.user_id)}, "sk": {"S": HEAD}}
    item: dict[str, Any] = client().get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    return item


def test_a_pushed_message_reply_waits_on_the_head_and_leaves_it_when_answered(worker: Worker) -> None:
    """The push: the message (1 + bySeq 1 + byLookup 1), its PENDING reply (1 + bySeq 1: no
    `byLookup` entry, its message's stands for both), the head (1), doubled: 12 WRU, no `byTime`
    entry (it was 16, then 14 with the reply's `byLookup` entry). The job's transaction takes it
    off the head."""
    chat = worker.chat
    thread = chat.thread()
    message = new_id()
    with meter_capacity() as meter:
        chat.push(("message", {"id": message, "thread_id": thread, "text": "hello"}))
    assert meter.wru == 12
    assert meter.index_write_units["byLookup"] == 2  # the message's entry only
    assert "byTime" not in meter.index_write_units
    assert in_by_time(worker) == []
    head = read_head(user_key(chat.user_id))
    assert set(head.pending or {}) == {reply_id(message)}
    assert head.all_pending
    assert reply(chat, message)["status"] == "PENDING"
    assert worker.deliver() == 1
    assert reply(chat, message)["status"] == "COMPLETE"
    assert read_head(user_key(chat.user_id)).pending == {}


def test_a_lost_job_reply_is_found_on_the_head_and_answered_once(worker: Worker) -> None:
    chat = worker.chat
    thread, other = chat.thread(), chat.thread()  # first: a push of a thread sweeps itself
    lost = chat.say(thread, "first")
    assert lose_jobs(worker) == 1
    later = chat.say(other, "second")
    with record_calls() as calls:
        assert worker.deliver() == 1  # the second's job, whose sweep answers the first too
    assert "Query" not in calls.operations[-4:]  # the sweep read the head, not byTime
    assert reply(chat, lost)["status"] == "COMPLETE"
    assert reply(chat, later)["status"] == "COMPLETE"
    assert len(chat.provider.calls) == 2
    assert read_head(user_key(chat.user_id)).pending == {}
    assert worker.deliver() == 0
    assert len(chat.provider.calls) == 2  # never asked again


def test_a_full_head_leaves_the_rest_in_by_time_until_a_sweep_finds_none(worker: Worker) -> None:
    """An offline push of more messages than the head keeps: the first PENDING_ON_HEAD replies wait
    on the head, the others in `byTime`, and the head says so; their jobs lost, sweeps answer them
    all, each once; once a sweep finds `byTime` empty the head says every reply is on it again."""
    chat = worker.chat
    thread, other = chat.thread(), chat.thread()
    count = PENDING_ON_HEAD + 3
    messages = [new_id() for _ in range(count)]
    chat.push(*[("message", {"id": m, "thread_id": thread, "text": f"m{i}"}) for i, m in enumerate(messages)])
    head = read_head(user_key(chat.user_id))
    assert len(head.pending or {}) == PENDING_ON_HEAD
    assert not head.all_pending
    assert len(in_by_time(worker)) == 3
    assert lose_jobs(worker) == 1
    for _ in range(3):
        chat.say(other, "again")  # each job's sweep takes up to 10 older replies
        worker.deliver()
    assert {reply(chat, m)["status"] for m in messages} == {"COMPLETE"}
    assert len(chat.provider.calls) == count + 3  # one call per message
    assert in_by_time(worker) == []
    head = read_head(user_key(chat.user_id))
    assert head.pending == {}
    assert head.all_pending


def test_a_reply_pending_in_by_time_from_before_is_still_swept(worker: Worker) -> None:
    """A partition written before replies moved to the head: its PENDING reply is in `byTime` and
    its head has neither the map nor `pdv`. Sweeps read `byTime` too until they find it empty; the
    reply's next write moves it out of the index."""
    chat = worker.chat
    thread, other = chat.thread(), chat.thread()
    old = chat.say(thread, "from before")
    assert lose_jobs(worker) == 1
    table = chat.assistant.settings.table_name
    pk = {"S": user_key(chat.user_id)}
    reply_key = {"pk": pk, "sk": {"S": MESSAGES.sort_key(reply_id(old))}}
    item = client().get_item(TableName=table, Key=reply_key, ConsistentRead=True)["Item"]
    turn_at = item["data"]["M"]["turn_at"]["S"] if "turn_at" in item["data"]["M"] else ""
    item["tk"] = {"S": f"CHATPENDING#{turn_at}#{old}"}
    client().put_item(TableName=table, Item=item)  # as the code before wrote it
    client().update_item(
        TableName=table, Key={"pk": pk, "sk": {"S": HEAD}}, UpdateExpression="REMOVE pd, pdv"
    )
    assert in_by_time(worker) == [MESSAGES.sort_key(reply_id(old))]
    chat.say(other, "now")
    assert "pdv" not in head_item(worker)  # a push does not say it: it cannot know
    assert worker.deliver() == 1
    assert reply(chat, old)["status"] == "COMPLETE"
    assert in_by_time(worker) == []
    assert "pdv" not in head_item(worker)  # this sweep found one there
    chat.say(other, "and again")
    assert worker.deliver() == 1
    assert "pdv" in head_item(worker)  # this one found none: later sweeps read the head alone
    assert len(chat.provider.calls) == 3


def test_the_head_holds_exactly_the_replies_still_pending(worker: Worker) -> None:
    """Whatever happens to a reply, the head's map is the set of replies PENDING: a timed-out attempt
    leaves it there (once), an answer takes it off, a deleted thread takes its replies off."""
    chat = worker.chat
    kept, dropped = chat.thread(), chat.thread()
    slow = chat.say(kept, "slow")
    gone = [chat.say(dropped, "one"), chat.say(dropped, "two")]
    chat.provider.takes = 1000.0  # longer than the provider's timeout: every reply stays PENDING
    while worker.deliver():  # each job's attempt times out: back to the queue, for later
        pass
    pk = user_key(chat.user_id)

    def waiting() -> set[str]:
        return set(read_head(pk).pending or {})

    def pending() -> set[str]:
        return {reply_id(m) for m in [slow, *gone] if reply(chat, m).get("status") == "PENDING"}

    assert waiting() == pending() != set()  # FAILED after 3 timeouts: off the head too
    chat.push(("delete_thread", {"id": dropped}))
    assert waiting() == pending()
    assert not waiting() & {reply_id(m) for m in gone}
    chat.provider.takes = 0.0
    assert chat.assistant.retry(chat.user_id, slow, chat.clock.monotonic()).called
    assert reply(chat, slow)["status"] == "COMPLETE"
    assert waiting() == pending() == set()
