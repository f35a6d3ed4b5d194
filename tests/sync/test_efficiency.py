"""DynamoDB round trips per sync operation (deterministic, so asserted; timings live in bench/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.storage import record_items
from tether.storage.instrumentation import record_calls
from tether.sync import engine as engine_module


def test_a_push_of_100_new_records_takes_at_most_4_round_trips(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    for index in range(100):
        phone.save_piece(at(index), id=new_id(), title=f"piece {index}", tags=["a", "b"], notes="n" * 200)
    batch = list(phone.queue)
    with record_calls() as calls:
        payload = phone.push()
    assert [r["status"] for r in payload["results"]] == ["APPLIED"] * 100
    assert calls.round_trips <= 4
    assert calls.count("BatchGetItem") == 2  # 100 records + head + sign-ins = 102 keys (+ the client)
    assert calls.count("TransactWriteItems") == 2  # 98 records + head + the new client, then the rest
    with record_calls() as retry:
        again = phone.push_raw(batch)["data"]["syncPush"]
    assert {r["status"] for r in again["results"]} == {"DUPLICATE"}
    assert retry.operations == ["BatchGetItem", "BatchGetItem"]  # a retried push only reads


def test_a_push_of_98_records_takes_2_round_trips(device: Callable[[str], Device]) -> None:
    """98 records, the head and the account's sign-ins are 100 keys: one BatchGetItem. The client's
    position is on the head, so its item stays out of the batch (it would open a second one), and
    the transaction is the records and the head (99 items)."""
    phone = device("phone")
    phone.save_piece(at(0), id=new_id(), title="first")
    phone.push()  # a known device: its position is on the head
    for index in range(98):
        phone.save_piece(at(index + 1), id=new_id(), title=f"piece {index}")
    with record_calls() as calls:
        payload = phone.push()
    assert [r["status"] for r in payload["results"]] == ["APPLIED"] * 98
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    keys = calls.keys_read()
    assert len(keys) == 100
    assert sorted({sk.partition("#")[0] for _, sk in keys}) == ["HEAD", "PIECE", "SIGNINS"]


def test_a_push_of_100_changes_to_existing_records_takes_at_most_4_round_trips(
    device: Callable[[str], Device],
) -> None:
    phone = device("phone")
    ids = [new_id() for _ in range(100)]
    for index, piece in enumerate(ids):
        phone.save_piece(at(index), id=piece, title=f"piece {index}")
    phone.push()
    for index, piece in enumerate(ids):
        phone.save_piece(at(200 + index), id=piece, favorite=True)
    with record_calls() as calls:
        phone.push()
    assert calls.round_trips <= 4


def test_a_pull_page_of_500_changes_takes_2_round_trips(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    tablet.pull()  # the tablet is a known device, seen a moment ago (see test_presence below)
    for batch in range(5):
        for index in range(100):
            phone.save_piece(at(batch * 100 + index), id=new_id(), title=f"piece {batch}-{index}")
        phone.push()
    with record_calls() as calls:
        page = tablet.pull(limit=500)
    assert len(page["pieces"]) == 500
    assert page["hasMore"] is False
    assert calls.operations == ["BatchGetItem", "Query"]
    assert calls.round_trips == 2


def test_an_idle_pull_takes_exactly_1_round_trip(device: Callable[[str], Device]) -> None:
    phone, tablet = device("phone"), device("tablet")
    phone.save_piece(at(0), id=new_id(), title="a")
    phone.push()
    tablet.sync_all()
    with record_calls() as calls:
        idle = tablet.pull()
    assert idle["pieces"] == []
    assert calls.round_trips == 1
    assert calls.operations == ["BatchGetItem"]


def test_presence_costs_one_write_per_device_per_interval_and_none_while_idle(
    device: Callable[[str], Device], gql: Any, user_id: str
) -> None:
    tablet = device("tablet")
    with record_calls() as first:
        tablet.pull()
    assert first.operations == ["BatchGetItem", "UpdateItem"]  # a new device: recorded once
    with record_calls() as again:
        tablet.pull()
        tablet.pull()
    assert again.operations == ["BatchGetItem", "BatchGetItem"]  # within the interval: reads only
    listed = gql.data(operation("Devices"))["devices"]
    assert [d["clientId"] for d in listed] == ["tablet"]
    assert listed[0]["lastSyncAt"] is not None
    with record_calls() as described:
        tablet.pull(device={"appVersion": "2.0"})  # a new app version is written at once
        tablet.pull(device={"appVersion": "2.0"})
    assert described.operations == ["BatchGetItem", "UpdateItem", "BatchGetItem"]
    assert gql.data(operation("Devices"))["devices"][0]["appVersion"] == "2.0"


def test_presence_is_written_again_once_the_interval_has_passed(
    engine: Any, clock: Any, user_id: str
) -> None:
    engine.pull(user_id, "tablet", None)
    clock.advance(minutes=4)
    with record_calls() as within:
        engine.pull(user_id, "tablet", None)
    clock.advance(minutes=2)
    with record_calls() as after:
        engine.pull(user_id, "tablet", None)
    assert within.operations == ["BatchGetItem"]
    assert after.operations == ["BatchGetItem", "UpdateItem"]


def test_a_pull_reads_no_field_stamps_or_merge_state(device: Callable[[str], Device]) -> None:
    """A reader never sends stamps: the pull's Query leaves them (and the merge state) out."""
    phone, tablet = device("phone"), device("tablet")
    phone.save_piece(at(0), id=new_id(), title="a", tags=["x"], notes="n")
    phone.push()
    with record_calls() as calls:
        page = tablet.pull()
    assert [piece["title"] for piece in page["pieces"]] == ["a"]
    ((_, query),) = [request for request in calls.requests if request[0] == "Query"]
    projected = set(query.get("ExpressionAttributeNames", {}).values())
    assert "ProjectionExpression" in query
    assert {"data", "version", "updated_at"} <= projected
    assert not projected & {"stamps", "state"}


def test_a_push_builds_each_written_item_once_and_no_model_per_record(
    device: Callable[[str], Device], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One DynamoDB-JSON build per written record (its size for the transaction budget taken from
    it), not a PynamoDB model built and serialized for the estimate and again for the write."""
    phone = device("phone")
    for index in range(30):
        phone.save_piece(at(index), id=new_id(), title=f"piece {index}", tags=["a"])
    built: list[str] = []
    serialized: list[str] = []
    build, serialize = record_items.record_attributes, record_items.RecordItem.serialize

    def counted_build(pk: str, write: record_items.Write) -> dict[str, Any]:
        built.append(write.sort_key)
        return build(pk, write)

    def counted_serialize(item: record_items.RecordItem, *args: Any, **kwargs: Any) -> dict[str, Any]:
        serialized.append(item.sk)
        return serialize(item, *args, **kwargs)

    monkeypatch.setattr(engine_module, "record_attributes", counted_build, raising=False)
    monkeypatch.setattr(record_items.RecordItem, "serialize", counted_serialize)
    payload = phone.push()

    assert [r["status"] for r in payload["results"]] == ["APPLIED"] * 30
    assert len(built) == 30
    assert len(set(built)) == 30
    assert serialized == []
