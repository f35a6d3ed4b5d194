"""Query responses kept as DynamoDB JSON (a large page without the cost of botocore's parser), and
records decoded straight from that JSON."""

from __future__ import annotations

import operator
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import msgspec
import orjson
from pynamodb.attributes import DESERIALIZE_CLASS_MAP, UTCDateTimeAttribute

from tether.model.record import Record
from tether.storage.base import client
from tether.storage.record_items import EPOCH, from_micros, load_stamps, record_id_of

_active = threading.local()
_hooked: weakref.WeakSet[Any] = weakref.WeakSet()


@contextmanager
def raw_query_items(*, records: bool = False) -> Iterator[None]:
    """While active, this thread's Query responses keep `Items` and `LastEvaluatedKey` as DynamoDB
    sent them (`{"S": ...}` / `{"N": ...}` / `{"M": ...}` attribute values); with `records`, a
    Query's `Items` are typed items where it can (see `page_records`, which gives their Records).

    botocore's parser walks every attribute of every item through the service model in Python:
    most of the CPU of a large pull, a catalog load or an export. json.loads gives the same
    structure (our items store no binary values, the only type botocore would decode further);
    orjson decodes a 1,000-item page in about two thirds of json's time. With `records` the page
    is decoded by msgspec into typed items (`_QueryPage`), each of which becomes its Record
    directly, without a dict per attribute: about half the time of orjson and raw_record (a body
    the types do not describe is decoded as without `records`).
    Errors and every other field are parsed by botocore as usual.
    """
    dynamodb = client()
    if dynamodb not in _hooked:
        dynamodb.meta.events.register("before-parse.dynamodb.Query", _keep_raw)
        dynamodb.meta.events.register("before-parse.dynamodb.BatchGetItem", _keep_raw)
        _hooked.add(dynamodb)
    _active.on, _active.records = True, records
    try:
        yield
    finally:
        _active.on = _active.records = False


# The parts of a response kept as DynamoDB sent them, by operation.
_RAW_PARTS = {"Query": ("Items", "LastEvaluatedKey"), "BatchGetItem": ("Responses", "UnprocessedKeys")}


def _keep_raw(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], operation_model: Any, **_: Any
) -> None:
    if not getattr(_active, "on", False) or response_dict.get("status_code") != 200:
        return
    if (
        _active.records
        and operation_model.name == "Query"
        and _typed_page(response_dict, customized_response_dict)
    ):
        return
    body = orjson.loads(response_dict["body"])
    for name in _RAW_PARTS.get(operation_model.name, ()):
        if name in body:
            customized_response_dict[name] = body.pop(name)
    response_dict["body"] = orjson.dumps(body)


def raw_batch_get(table: str, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The items with these keys (at most 100) as DynamoDB JSON, strongly consistent: ONE
    BatchGetItem through the models' botocore client (unprocessed keys are sent again, as PynamoDB
    does), without PynamoDB's request building and model decoding or botocore's response parser."""
    dynamodb = client()
    request: dict[str, Any] = {
        table: {"Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys], "ConsistentRead": True}
    }
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with raw_query_items():
        while request:
            data = dynamodb.batch_get_item(RequestItems=request)
            for item in data.get("Responses", {}).get(table, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
            request = data.get("UnprocessedKeys") or {}
    return found


def raw_time(raw: Mapping[str, Any] | None) -> datetime | None:
    """A UTCDateTimeAttribute's value (an `S` in PynamoDB's format) as PynamoDB decodes it."""
    if raw is None or "S" not in raw:
        return None
    moment: datetime = _TIME.deserialize(raw["S"])
    return moment


def raw_record(raw: Mapping[str, Any]) -> Record | None:
    """The Record of a raw DynamoDB item (as a Query returns it), or None if it is not a record.

    The same values `record_items.to_record` gives, decoded directly: many times faster than
    building the PynamoDB model first, which matters for large pulls and for loading the catalog.
    Written for the item's current shape (micros times `ct`/`ut`, the id in the sort key; the
    earlier shapes through record_times and the `id` attribute), a step per attribute: it runs
    for every record of a pull.
    """
    kind = raw.get("type")
    if kind is None or kind.get("S") != "record":
        return None
    created = raw.get("ct")
    updated = raw.get("ut")
    if created is None or updated is None:
        return _legacy_record(raw)
    seq = raw.get("seq")
    deleted = raw.get("deleted")
    data = raw.get("data")
    version = int(raw["version"]["N"])
    return Record(
        raw["collection"]["S"],
        raw["id"]["S"] if "id" in raw else raw["sk"]["S"].partition("#")[2],
        version,
        int(seq["N"]) if seq is not None else 0,
        # (from_micros, inline: exact integer arithmetic)
        _EPOCH + _timedelta(0, 0, int(created["N"])),
        _EPOCH + _timedelta(0, 0, int(updated["N"])),
        bool(deleted.get("BOOL", False)) if deleted is not None else False,
        _map(data) if data is not None else {},
        # (a reader's Query leaves stamps and state out: READ_ATTRIBUTES)
        load_stamps(_map(raw.get("st")), _map(raw.get("stamps"))) if "st" in raw or "stamps" in raw else {},
        _map(raw.get("state")) if "state" in raw else {},
        version,
    )


def _legacy_record(raw: Mapping[str, Any]) -> Record:
    """raw_record of an item whose times are in an earlier shape (either missing `ct`/`ut`)."""
    created = from_micros(int(raw["ct"]["N"])) if "ct" in raw else _time(raw, "ct", "created_at")
    updated = from_micros(int(raw["ut"]["N"])) if "ut" in raw else _time(raw, "ut", "updated_at")
    assert updated is not None, "a record item always has its update time"
    version = int(raw["version"]["N"])
    seq = raw.get("seq")
    deleted = raw.get("deleted")
    return Record(
        raw["collection"]["S"],
        raw["id"]["S"] if "id" in raw else record_id_of(raw["sk"]["S"]),
        version,
        int(seq["N"]) if seq is not None else 0,
        created,
        updated,
        bool(deleted.get("BOOL", False)) if deleted is not None else False,
        _map(raw.get("data")),
        load_stamps(_map(raw.get("st")), _map(raw.get("stamps"))) if "st" in raw or "stamps" in raw else {},
        _map(raw.get("state")) if "state" in raw else {},
        version,
    )


def raw_record_id(raw: Mapping[str, Any]) -> str:
    """The id of a raw record item (either shape, see record_items)."""
    return str(raw["id"]["S"]) if "id" in raw else record_id_of(raw["sk"]["S"])


def record_times(raw: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    """(created, updated) of a raw record item, in either shape (see record_items)."""
    return _time(raw, "ct", "created_at"), _time(raw, "ut", "updated_at")


def _time(raw: Mapping[str, Any], name: str, legacy: str) -> datetime | None:
    if name in raw:
        return from_micros(int(raw[name]["N"]))
    return raw_time(raw.get(legacy))


_TIME = UTCDateTimeAttribute()
_EPOCH, _timedelta = EPOCH, timedelta


def _map(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    members = raw.get("M") if raw else None
    if not members:
        return {}
    decoded: dict[str, Any] = {}
    for name, value in members.items():
        # Text, most values, decoded inline (a value holds exactly one type); the rest by _value.
        decoded[name] = value["S"] if "S" in value else _value(value)
    return decoded


def raw_map(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """A map attribute's values (an `M`, else {}) as PynamoDB decodes an untyped map's."""
    return _map(raw)


def _value(raw: Mapping[str, Any]) -> Any:
    """A raw attribute value decoded as PynamoDB decodes an untyped map's values."""
    ((kind, value),) = raw.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        try:
            return int(value)
        except ValueError:
            return float(value)
    if kind == "M":
        return {name: _value(item) for name, item in value.items()}
    if kind == "L":
        return [item["S"] if "S" in item else _value(item) for item in value]
    if kind == "NULL":
        return None
    return DESERIALIZE_CLASS_MAP[kind].deserialize(value)


# ---- a Query page decoded into typed items (raw_query_items(records=True)) ----


# The typed items are not tracked by the cyclic collector (`gc=False`: decoded JSON holds no
# cycles). Tracked, a 1,000-item page is ~16,000 objects that set off collections in the decode
# itself, each walking what the page has built so far: in a live Lambda (collector on, init frozen)
# msgspec's decode took ~22 ms a page against ~8 ms with the collector paused, the cause of py-spy
# showing it at ~4x orjson's (whose `{"S": ...}` dicts of text are never tracked).
class _Value(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, gc=False):
    """One DynamoDB attribute value of any type (a record's field values, stamps and state): exactly
    one of these is set."""

    S: str | None = None
    N: str | None = None
    BOOL: bool | None = None
    NULL: bool | None = None
    M: dict[str, _Value] | None = None
    L: list[_Value] | None = None
    B: str | None = None
    SS: list[str] | None = None
    NS: list[str] | None = None
    BS: list[str] | None = None


# An item's own attributes each have one type in every shape records were written in: each is
# decoded into a struct of that one value (a slot instead of _Value's ten, a third less decoding and
# freeing per item); an attribute of another type fails the page's decode, decoded as DynamoDB JSON.
class _Text(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An `S` attribute value."""

    S: str


class _Number(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An `N` attribute value (its text, as DynamoDB sends it)."""

    N: str


class _Flag(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A `BOOL` attribute value."""

    BOOL: bool


class _Members(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An `M` attribute value of any members (a record's fields)."""

    M: dict[str, _Value]


class _Item(msgspec.Struct, omit_defaults=True, gc=False):
    """The attributes raw_record reads, and the key (any other is skipped unread)."""

    pk: _Text | None = None
    type: _Text | None = None
    collection: _Text | None = None
    sk: _Text | None = None
    id: _Text | None = None
    version: _Number | None = None
    seq: _Number | None = None
    ct: _Number | None = None
    ut: _Number | None = None
    deleted: _Flag | None = None
    data: _Members | None = None
    st: _Value | None = None
    stamps: _Value | None = None
    state: _Value | None = None
    created_at: _Value | None = None
    updated_at: _Value | None = None


class _QueryPage(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A Query's response body (a field not named here: decoded as without `records`)."""

    Items: list[_Item] = []
    Count: int | None = None
    ScannedCount: int | None = None
    LastEvaluatedKey: dict[str, Any] | None = None
    ConsumedCapacity: dict[str, Any] | None = None


_PAGE = msgspec.json.Decoder(_QueryPage)
_TEXT_OF = operator.attrgetter("S")  # (a list's texts without a Python call per list)


def page_records(items: Iterable[Any]) -> list[Record]:
    """The Records of a Query's `Items` inside `raw_query_items(records=True)` (typed items, or
    DynamoDB JSON where the body was not the typed shape), other items left out.

    A typed item in the current shape becomes its Record in this loop, without a call per item or
    per value (text values, and lists of them, read inline); any other item as raw_record decodes it."""
    found: list[Record] = []
    append = found.append
    # The page's times by their stored text: the records one push wrote share its time, and a
    # datetime built once per text instead of twice per record was ~2.5 us a record (times are
    # immutable, so records may share them as Record.copy does).
    times: dict[str, datetime] = {}
    for item in items:
        if type(item) is not _Item:
            record = raw_record(item)
            if record is not None:
                append(record)
            continue
        kind = item.type
        if kind is None or kind.S != "record":
            continue
        try:
            # (a missing attribute or a malformed number fails here: raw_record's turn below)
            if item.st is None and item.stamps is None and item.state is None:
                created, updated = item.ct.N, item.ut.N  # type: ignore[union-attr]
                created_at = times.get(created)
                if created_at is None:
                    # (from_micros, inline: exact integer arithmetic)
                    created_at = times[created] = _EPOCH + _timedelta(0, 0, int(created))
                updated_at = times.get(updated)
                if updated_at is None:
                    updated_at = times[updated] = _EPOCH + _timedelta(0, 0, int(updated))
                seq, deleted, data = item.seq, item.deleted, item.data
                values: dict[str, Any] = {}
                if data is not None:
                    for name, value in data.M.items():
                        text = value.S
                        if text is not None:
                            values[name] = text
                            continue
                        members = value.L
                        if members is not None:
                            texts = list(map(_TEXT_OF, members))
                            values[name] = _typed_value(value) if None in texts else texts
                        else:
                            values[name] = _typed_value(value)
                version = int(item.version.N)  # type: ignore[union-attr]
                append(
                    Record(
                        item.collection.S,  # type: ignore[union-attr]
                        item.id.S if item.id is not None else item.sk.S.partition("#")[2],  # type: ignore[union-attr]
                        version,
                        int(seq.N) if seq is not None else 0,
                        created_at,
                        updated_at,
                        deleted.BOOL if deleted is not None else False,
                        values,
                        {},
                        {},
                        version,
                    )
                )
                continue
        except (AttributeError, TypeError, ValueError):
            pass
        # Stamps or state (a writer's read), an earlier shape, a missing or malformed attribute: as
        # raw_record decodes the item's DynamoDB JSON, so values and errors are its own.
        record = raw_record(msgspec.to_builtins(item))
        if record is not None:
            append(record)
    return found


def dynamodb_json(item: Any) -> dict[str, Any]:
    """A Query's item inside `raw_query_items` as DynamoDB JSON (a typed item: its key and the
    attributes _Item names), for hooks that read the response's items (the capacity meter)."""
    return msgspec.to_builtins(item) if type(item) is _Item else item  # type: ignore[no-any-return]


def _typed_page(response_dict: dict[str, Any], customized_response_dict: dict[str, Any]) -> bool:
    """Decode a Query's body into typed items (`Items`) and its raw `LastEvaluatedKey`, the rest
    left for botocore; False (nothing changed) where the body is not the shape _QueryPage says."""
    try:
        page = _PAGE.decode(response_dict["body"])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    customized_response_dict["Items"] = page.Items
    if page.LastEvaluatedKey is not None:
        customized_response_dict["LastEvaluatedKey"] = page.LastEvaluatedKey
    rest = {"Count": page.Count, "ScannedCount": page.ScannedCount, "ConsumedCapacity": page.ConsumedCapacity}
    response_dict["body"] = orjson.dumps({name: value for name, value in rest.items() if value is not None})
    return True


def _typed_value(value: _Value) -> Any:
    """_value of a typed attribute value."""
    if value.S is not None:
        return value.S
    if value.N is not None:
        try:
            return int(value.N)
        except ValueError:
            return float(value.N)
    if value.BOOL is not None:
        return value.BOOL
    if value.M is not None:
        return {name: _typed_value(item) for name, item in value.M.items()}
    if value.L is not None:
        return [item.S if item.S is not None else _typed_value(item) for item in value.L]
    return _value(msgspec.to_builtins(value))  # NULL, binary and sets (or nothing: _value's error)
