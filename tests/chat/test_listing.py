"""A thread's messages in conversation order (`messages_page`, index `byLookup`): a reply has no
index entry of its own (its message's stands for both: 2 WRU less in the push that writes it
PENDING, docs/cost.md), yet every page size, in both orders, lists each message and its reply
exactly once, replies written before (with their own entry) included."""

from __future__ import annotations

from tests.chat.conftest import Chat
from tether.chat.model import MESSAGES, message_position, position_prefix, reply_id
from tether.chat.threads import messages_page
from tether.storage.base import TetherModel, client
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key
from tether.storage.listing import list_records
from tether.sync import reads


def conversation(chat: Chat, thread: str, turns: int) -> list[str]:
    """`turns` messages said and answered: their ids and their replies', in conversation order."""
    ids = []
    for n in range(turns):
        message = chat.say(thread, f"turn {n}")
        ids += [message, reply_id(message)]
    return ids


def walk(chat: Chat, thread: str, first: int, *, descending: bool = False) -> list[str]:
    """Every page of the thread, each cursor the one the page before returned."""
    seen: list[str] = []
    after = None
    while True:
        page = messages_page(chat.user_id, thread, first=first, after=after, descending=descending)
        assert len(page.records) <= first
        seen += [record.id for record in page.records]
        if page.next_key is None:
            return seen
        after = page.next_key


def test_every_page_size_lists_each_message_then_its_reply_once(chat: Chat) -> None:
    thread = chat.thread()
    ids = conversation(chat, thread, 4)
    for first in (1, 2, 3, 7, 8, 9, 100):
        assert walk(chat, thread, first) == ids, first
        assert walk(chat, thread, first, descending=True) == ids[::-1], first


def test_a_reply_has_no_index_entry_of_its_own(chat: Chat) -> None:
    thread = chat.thread()
    ids = conversation(chat, thread, 2)
    entries = list_records(user_key(chat.user_id), prefix=position_prefix(thread), first=10, index="byLookup")
    assert [record.id for record in entries.records] == ids[::2]  # the messages only


def test_a_page_is_one_query_and_one_batch_get(chat: Chat) -> None:
    """The replies come in the same BatchGetItem as their messages: round trips as before."""
    thread = chat.thread()
    conversation(chat, thread, 3)
    with record_calls() as calls:
        page = messages_page(chat.user_id, thread, first=6)
    assert len(page.records) == 6
    assert page.next_key is None
    assert calls.operations == ["Query", "BatchGetItem"]


def test_replies_written_with_their_own_entry_are_listed_once(chat: Chat) -> None:
    """Turns written before replies lost their entry (each reply keeps it until its next write)
    and turns written after, in one thread: each record once, in order, in every page size."""
    thread = chat.thread()
    ids = conversation(chat, thread, 2)
    for reply in ids[1::2]:  # as the code before wrote them: the reply's position as its `lk`
        record = reads.get(chat.user_id, MESSAGES, reply)
        assert record is not None
        client().update_item(
            TableName=TetherModel.Meta.table_name,
            Key={"pk": {"S": user_key(chat.user_id)}, "sk": {"S": MESSAGES.sort_key(reply)}},
            UpdateExpression="SET lk = :position",
            ExpressionAttributeValues={":position": {"S": str(message_position(record))}},
        )
    entries = list_records(user_key(chat.user_id), prefix=position_prefix(thread), first=10, index="byLookup")
    assert [record.id for record in entries.records] == ids  # the old shape: a reply's entry too
    ids += conversation(chat, thread, 2)
    for first in (1, 2, 3, 5, 8, 9):
        assert walk(chat, thread, first) == ids, first
        assert walk(chat, thread, first, descending=True) == ids[::-1], first
