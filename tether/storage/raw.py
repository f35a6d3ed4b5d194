"""Query responses kept as DynamoDB JSON (a large page without the cost of botocore's parser), and
records decoded straight from that JSON."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import orjson
from pynamodb.attributes import DESERIALIZE_CLASS_MAP, UTCDateTimeAttribute

from tether.model.record import Record
from tether.storage.base import client
from tether.storage.record_items import EPOCH, from_micros, load_stamps, record_id_of

_active = threading.local()
_hooked: weakref.WeakSet[Any] = weakref.WeakSet()


@contextmanager
def raw_query_items() -> Iterator[None]:
    """While active, this thread's Query responses keep `Items` and `LastEvaluatedKey` as DynamoDB
    sent them (`{"S": ...}` / `{"N": ...}` / `{"M": ...}` attribute values).

    botocore's parser walks every attribute of every item through the service model in Python:
    most of the CPU of a large pull, a catalog load or an export. json.loads gives the same
    structure (our items store no binary values, the only type botocore would decode further);
    orjson decodes a 1,000-item page in about two thirds of json's time.
    Errors and every other field are parsed by botocore as usual.
    """
    dynamodb = client()
    if dynamodb not in _hooked:
        dynamodb.meta.events.register("before-parse.dynamodb.Query", _keep_raw)
        dynamodb.meta.events.register("before-parse.dynamodb.BatchGetItem", _keep_raw)
        _hooked.add(dynamodb)
    _active.on = True
    try:
        yield
    finally:
        _active.on = False


# The parts of a response kept as DynamoDB sent them, by operation.
_RAW_PARTS = {"Query": ("Items", "LastEvaluatedKey"), "BatchGetItem": ("Responses", "UnprocessedKeys")}


def _keep_raw(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], operation_model: Any, **_: Any
) -> None:
    if not getattr(_active, "on", False) or response_dict.get("status_code") != 200:
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
