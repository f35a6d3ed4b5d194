"""Storage of records: pulls decode raw items directly, exactly as the PynamoDB models would."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from pynamodb.attributes import UTCDateTimeAttribute

from tests.storage.test_record_items import CASES as RECORD_CASES
from tests.sync.conftest import new_id
from tether.catalog.model import TRACKS
from tether.collections import COLLECTIONS
from tether.model.collector import collection_paused
from tether.model.record import Record
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.settings import Settings
from tether.storage import feed, raw
from tether.storage.base import TetherModel, client
from tether.storage.feed import feed_page
from tether.storage.listing import get_record
from tether.storage.raw import page_records, raw_query_items, raw_record
from tether.storage.record_items import RecordItem, Write, record_attributes, to_record
from tether.sync.engine import ServerChange, SyncEngine


def test_raw_items_decode_like_the_models(settings: Settings) -> None:
    engine = SyncEngine(collections=COLLECTIONS, cursor_key=b"k", tombstone_retention=timedelta(days=30))
    partition = f"SHARED#{new_id()}"
    piece, session, gone, track = new_id(), new_id(), new_id(), "talk-1"
    now = datetime.now(UTC)
    engine.write(
        partition,
        [
            ServerChange(
                PIECES,
                "save",
                {"id": piece, "title": "Ave", "tags": ["a", "b"], "favorite": True, "lyrics": "ç"},
            ),
            ServerChange(
                SESSIONS,
                "save",
                {
                    "id": session,
                    "started_at": now - timedelta(minutes=5),
                    "duration_seconds": 300,
                    "rating": 4,
                },
            ),
            ServerChange(PIECES, "save", {"id": gone, "title": "gone"}),
            ServerChange(
                TRACKS,
                "save",
                {
                    "id": track,
                    "collection_id": "c",
                    "title": {"en": "Breath", "pt": "Respiração"},
                    "published_at": now,
                },
            ),
        ],
    )
    engine.write(partition, [ServerChange(PIECES, "delete", {"id": gone})])
    raw = TetherModel._get_connection().query(partition, consistent_read=True)["Items"]
    decoded = {record.id: record for record in map(raw_record, raw) if record is not None}
    assert set(decoded) == {piece, session, gone, track}
    for item_id, collection in ((piece, PIECES), (session, SESSIONS), (gone, PIECES), (track, TRACKS)):
        model = get_record(partition, collection.sort_key(item_id))
        assert decoded[item_id] == model, item_id
    assert raw_record({"type": {"S": "head"}}) is None


def test_a_raw_query_keeps_items_as_dynamodb_sent_them_and_parses_the_rest(settings: Settings) -> None:
    """Inside `raw_query_items` a Query's Items and LastEvaluatedKey are DynamoDB JSON exactly as sent
    (non-ASCII text, numbers as strings); Count, ScannedCount and ConsumedCapacity are still parsed
    by botocore; outside the block the same Query is parsed by botocore as usual."""
    engine = SyncEngine(collections=COLLECTIONS, cursor_key=b"k", tombstone_retention=timedelta(days=30))
    partition = f"SHARED#{new_id()}"
    ids = [new_id() for _ in range(3)]
    engine.write(
        partition,
        [
            ServerChange(PIECES, "save", {"id": i, "title": f"Canção {n} 🌺", "tags": ["ā"]})
            for n, i in enumerate(ids)
        ],
    )
    connection = TetherModel._get_connection()

    def query() -> dict[str, Any]:
        result: dict[str, Any] = connection.query(
            partition, consistent_read=True, limit=2, return_consumed_capacity="TOTAL"
        )
        return result

    with raw_query_items():
        kept = query()
    parsed = query()
    assert kept["Items"] == parsed["Items"]  # PynamoDB's connection returns DynamoDB JSON either way
    assert kept["LastEvaluatedKey"] == parsed["LastEvaluatedKey"]
    assert (kept["Count"], kept["ScannedCount"]) == (parsed["Count"], parsed["ScannedCount"]) == (2, 2)
    assert kept["ConsumedCapacity"]["CapacityUnits"] == parsed["ConsumedCapacity"]["CapacityUnits"]
    titles = sorted(record.data["title"] for record in map(raw_record, kept["Items"]) if record is not None)
    assert all(title.startswith("Canção") and title.endswith("🌺") for title in titles)
    page, more = feed_page(partition, after=0, upto=10**6, limit=2, merge_state=False)
    assert more
    assert [record.data["title"] for record in page] == ["Canção 0 🌺", "Canção 1 🌺"]


def _shapes() -> dict[str, dict[str, Any]]:
    """Record items as DynamoDB JSON in the current shape and in the earlier ones (tests/storage/
    test_record_items.py's records: a new, a saved, a tombstone, nested data, merge state; a stored
    record always has its update time)."""
    shapes = {}
    for name, (stored, keys) in RECORD_CASES.items():
        if stored.updated_at is None:
            continue
        item = record_attributes("USER#u", Write("PIECE#01J0000000000000000000000A", stored, **keys))
        shapes[name] = item
        earlier = dict(item)  # times as text, the id in `id`, stamps one list per field
        for short, legacy, moment in (
            ("ct", "created_at", stored.created_at),
            ("ut", "updated_at", stored.updated_at),
        ):
            earlier.pop(short, None)
            if moment is not None:
                earlier[legacy] = {"S": UTCDateTimeAttribute().serialize(moment)}
        earlier["id"] = {"S": stored.id}
        earlier["sk"] = {"S": "PIECE#other"}
        shapes[f"{name}, earlier shape"] = earlier
        only_updated = dict(item)
        only_updated.pop("ct", None)
        shapes[f"{name}, no creation time"] = only_updated
    return shapes


@pytest.mark.parametrize("name", sorted(_shapes()))
def test_a_raw_item_of_any_shape_decodes_as_its_model(name: str) -> None:
    item = _shapes()[name]
    expected = to_record(RecordItem.from_raw_data(item))
    decoded = raw_record(item)
    assert decoded == expected
    assert decoded is not None
    assert decoded.created_at is None or decoded.created_at.tzinfo is UTC
    assert decoded.updated_at is not None


def _put_shapes(partition: str) -> None:
    """Every shape of _shapes in the partition's feed (seq 1, 2, ...), an item of another type in
    the feed, and records holding the rarer attribute types (binary, sets, null, nested lists)."""
    dynamodb = client()
    table = TetherModel.Meta.table_name
    items = list(_shapes().values())
    items.append({"type": {"S": "head"}, "sk": {"S": "HEAD"}})
    rare = dict(_shapes()["a saved piece"])
    rare["data"] = {
        "M": {
            "blob": {"B": "AAE="},
            "names": {"SS": ["a", "b"]},
            "counts": {"NS": ["1", "2.5"]},
            "nothing": {"NULL": True},
            "nested": {"M": {"list": {"L": [{"N": "1"}, {"NULL": True}, {"M": {"x": {"BOOL": False}}}]}}},
        }
    }
    items.append(rare)
    for seq, item in enumerate(items, start=1):
        dynamodb.put_item(
            TableName=table,
            Item={**item, "pk": {"S": partition}, "sk": {"S": f"X#{seq}"}, "seq": {"N": str(seq)}},
        )


def _generic_page(partition: str) -> list[Record]:
    with raw_query_items():
        items = TetherModel._get_connection().query(
            partition, index_name="bySeq", consistent_read=True, limit=100
        )["Items"]
    return [record for record in map(raw_record, items) if record is not None]


@pytest.mark.parametrize("merge_state", [False, True])
def test_a_feed_page_decodes_each_item_as_raw_record_does(settings: Settings, merge_state: bool) -> None:
    partition = f"USER#{new_id()}"
    _put_shapes(partition)
    expected = _generic_page(partition)
    page, more = feed_page(partition, after=0, upto=10**6, limit=100, merge_state=merge_state)
    if not merge_state:  # a reader's Query leaves stamps and state out
        expected = [replace(record, stamps={}, state={}) for record in expected]
    assert page == expected
    assert len(page) == len(_shapes()) + 1
    assert not more


def test_a_feed_page_in_the_current_shape_is_decoded_without_raw_record(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull's page of records as pushes write them becomes Records straight from msgspec's typed
    items: no dict per attribute, no raw_record (it was half of a pull's decoding)."""
    engine = SyncEngine(collections=COLLECTIONS, cursor_key=b"k", tombstone_retention=timedelta(days=30))
    partition = f"SHARED#{new_id()}"
    engine.write(
        partition,
        [
            ServerChange(PIECES, "save", {"id": new_id(), "title": f"Ave {n}", "tags": ["a"]})
            for n in range(20)
        ],
    )
    expected = _generic_page(partition)
    calls = [0]
    decode = raw.raw_record

    def counted(item: Any) -> Any:
        calls[0] += 1
        return decode(item)

    monkeypatch.setattr(raw, "raw_record", counted)
    monkeypatch.setattr(feed, "raw_record", counted, raising=False)
    page, _ = feed_page(partition, after=0, upto=10**6, limit=100, merge_state=False)
    assert page == [replace(record, stamps={}, state={}) for record in expected]
    assert len(page) == 20
    assert calls[0] == 0


def test_a_page_the_types_do_not_describe_is_decoded_as_dynamodb_json() -> None:
    """A body with an attribute type or a field _QueryPage does not name goes the generic way."""
    item = _shapes()["a saved piece"]
    for odd in (
        {"Items": [{**item, "data": {"M": {"x": {"NEW": "?"}}}}], "Count": 1, "ScannedCount": 1},
        {"Items": [item], "Count": 1, "ScannedCount": 1, "Extra": True},
    ):
        response: dict[str, Any] = {"status_code": 200, "body": orjson.dumps(odd)}
        customized: dict[str, Any] = {}
        operation = SimpleNamespace(name="Query")
        with raw_query_items(records=True):
            raw._keep_raw(response, customized, operation)
        assert customized["Items"] == odd["Items"]  # DynamoDB JSON, as without records=True
        assert "Items" not in orjson.loads(response["body"])
        if "Extra" in odd:
            assert page_records(customized["Items"]) == [raw_record(item)]
        else:
            with pytest.raises(KeyError, match="NEW"):  # raw_record's own error, in feed_page as before
                page_records(customized["Items"])


def test_a_typed_page_leaves_nothing_for_the_cyclic_collector_to_walk() -> None:
    """A page's typed items and their values are untracked: tracked, a 1,000-item page is ~16,000
    objects that set off the collector inside the decode (in a live Lambda that tripled its time)."""
    item = _shapes()["a saved piece"]
    body = {"Items": [item] * 50, "Count": 50, "ScannedCount": 50}
    response: dict[str, Any] = {"status_code": 200, "body": orjson.dumps(body)}
    customized: dict[str, Any] = {}
    with raw_query_items(records=True):
        raw._keep_raw(response, customized, SimpleNamespace(name="Query"))
    items = customized["Items"]
    assert len(items) == 50
    assert all(type(typed) is raw._Item for typed in items)
    values = [
        value for typed in items for value in (typed.pk, typed.data, typed.version) if value is not None
    ]
    values += [member for typed in items if typed.data and typed.data.M for member in typed.data.M.values()]
    assert len(values) > 150
    tracked = [value for value in [*items, *values] if gc.is_tracked(value)]
    assert tracked == []
    assert page_records(items) == [raw_record(item)] * 50


def test_the_records_of_a_page_share_the_times_they_share_in_storage() -> None:
    """A time is built once per stored text (the records one push wrote share it): the same values
    as raw_record's, one datetime per distinct time of the page."""
    # (as a reader's Query reads it: no stamps, no state)
    item = {name: value for name, value in _shapes()["a saved piece"].items() if name not in ("st", "state")}
    later = {**item, "ut": {"N": str(int(item["ut"]["N"]) + 1)}}
    body = {"Items": [item, later, item, later], "Count": 4, "ScannedCount": 4}
    response: dict[str, Any] = {"status_code": 200, "body": orjson.dumps(body)}
    customized: dict[str, Any] = {}
    with raw_query_items(records=True):
        raw._keep_raw(response, customized, SimpleNamespace(name="Query"))
    page = page_records(customized["Items"])
    assert page == [raw_record(item), raw_record(later), raw_record(item), raw_record(later)]
    assert len({id(record.updated_at) for record in page}) == 2
    assert len({id(record.created_at) for record in page}) == 1
    assert page[0].updated_at != page[1].updated_at


def _typed_items(items: list[dict[str, Any]]) -> list[Any]:
    """A Query body of these items as raw_query_items(records=True) decodes it."""
    body = {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    response: dict[str, Any] = {"status_code": 200, "body": orjson.dumps(body)}
    customized: dict[str, Any] = {}
    with raw_query_items(records=True):
        raw._keep_raw(response, customized, SimpleNamespace(name="Query"))
    typed: list[Any] = customized["Items"]
    assert all(type(item) is raw._Item for item in typed)
    return typed


def _reader_item(title: str) -> dict[str, Any]:
    """A piece as a reader's Query returns it (no stamps, no state), with text and a list of text."""
    item = {name: value for name, value in _shapes()["a saved piece"].items() if name not in ("st", "state")}
    data = {"title": {"S": title}, "notes": {"S": "n" * 300}, "tags": {"L": [{"S": "a"}, {"S": "b"}]}}
    return {**item, "data": {"M": data}}


def test_a_typed_item_holds_each_of_its_own_attributes_in_a_value_of_that_type() -> None:
    """An item's own attributes (key, type, numbers, flag, the data map) are each decoded into a
    struct of their one type, not the ten-slot value of any type: a 1,000-item page is ~13,000 such
    values to build and free (1,344 bytes of value structs for this item before, 696 now)."""
    (item,) = _typed_items([_reader_item("Ave")])
    values = [getattr(item, name) for name in item.__struct_fields__ if getattr(item, name) is not None]
    values += [*item.data.M.values(), *item.data.M["tags"].L]
    size = sum(sys.getsizeof(value) for value in values)
    assert size <= 750, size  # (the ten-slot value for each: 1,344)
    assert type(item.version) is raw._Number
    assert type(item.data) is raw._Members
    assert page_records([item]) == [raw_record(_reader_item("Ave"))]


def test_a_page_in_the_current_shape_becomes_records_without_a_call_per_value() -> None:
    """page_records makes each Record of a typed item in the current shape in its own loop: no
    Python call per item or per value beyond Record's __init__ (six before: the item, its map,
    each list and list value)."""
    items = _typed_items([_reader_item(f"Ave {n}") for n in range(100)])
    calls: list[str] = []

    def count(frame: Any, event: str, _: Any) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)

    sys.setprofile(count)
    try:
        page = page_records(items)
    finally:
        sys.setprofile(None)
    assert page == [raw_record(_reader_item(f"Ave {n}")) for n in range(100)]
    assert len(calls) - 1 == len(page), sorted(set(calls))  # (page_records' own call: the 1)


@contextmanager
def collections_inside(inside: Callable[[Any], bool]) -> Iterator[list[int]]:
    """The cyclic collections (their generations) that start while a frame `inside` says yes to is
    running, with the collector set off by every allocation of a container (threshold 1)."""
    found: list[int] = []

    def started(phase: str, info: dict[str, Any]) -> None:
        frame = sys._getframe().f_back  # (None where C code set it off)
        while phase == "start" and frame is not None:
            if inside(frame):
                found.append(info["generation"])
                return
            frame = frame.f_back

    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.callbacks.append(started)
    gc.set_threshold(1, 10, 10)
    gc.enable()
    try:
        yield found
    finally:
        gc.callbacks.remove(started)
        gc.set_threshold(*thresholds)
        if not enabled:
            gc.disable()


def test_a_page_s_records_are_built_with_the_collector_paused(settings: Settings) -> None:
    """The records of a page hold no cycles: no collection walks them while they are built (a
    1,000-record page set off ~13 collections that walked what it had built so far, ~12 ms), and
    the collector is on again afterwards (tether/model/collector.py)."""
    engine = SyncEngine(collections=COLLECTIONS, cursor_key=b"k", tombstone_retention=timedelta(days=30))
    partition = f"SHARED#{new_id()}"
    changes = [
        ServerChange(PIECES, "save", {"id": new_id(), "title": f"Ave {n}", "tags": ["a"]}) for n in range(30)
    ]
    engine.write(partition, changes)
    with collections_inside(lambda frame: frame.f_code.co_name == "page_records") as found:
        page, _ = feed_page(partition, after=0, upto=10**6, limit=100, merge_state=False)
        enabled = gc.isenabled()
    assert len(page) == 30
    assert found == []
    assert enabled


def _paused_briefly() -> None:
    with collection_paused():
        assert not gc.isenabled()


def test_pauses_of_the_collector_nest_and_leave_it_as_they_found_it() -> None:
    """The collector resumes when the last pause ends (from any thread), after an error too, and
    only if it was on when the first began."""
    enabled = gc.isenabled()
    try:
        gc.enable()
        with collection_paused():
            with collection_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # (the outer pause goes on)
            other = threading.Thread(target=_paused_briefly)
            other.start()
            other.join()
            assert not gc.isenabled()  # (another thread's pause ended, not this one)
            with pytest.raises(RuntimeError), collection_paused():
                raise RuntimeError("a failed page")
            assert not gc.isenabled()
        assert gc.isenabled()
        gc.disable()
        with collection_paused():
            pass
        assert not gc.isenabled()  # (it was off: it stays off)
    finally:
        if enabled:
            gc.enable()
