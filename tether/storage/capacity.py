"""A capacity meter: every DynamoDB request priced as DynamoDB on-demand bills it (tests, bench).

DynamoDB Local's `ConsumedCapacity` is wrong for what matters here (a transaction of 1, 10 or 50
items reports the same units, index writes are not counted), so the meter prices each request
itself, from the items before and after it, by AWS's published rules:

- item size: the UTF-8 length of every attribute name plus its value: strings their UTF-8 bytes,
  numbers 1 byte per 2 significant digits + 1, booleans and nulls 1 byte, lists and maps 3 bytes
  plus 1 byte per element plus their elements, sets the sum of their elements;
- a write is 1 unit per started 1 KB of the larger of the item before and after it (a missing
  item counts 0 bytes; a write never costs less than 1 unit); in TransactWriteItems every unit
  counts twice (ConditionCheck items too);
- every index the write touches is written too, 1 unit per started 1 KB of the index entry (the
  table keys, the index key and the projected attributes): a put when an item enters the index or
  changes a projected attribute, a delete when it leaves it, a delete AND a put when its index key
  changes;
- a read is 1 unit per started 4 KB, strongly consistent (half for eventually consistent):
  GetItem and BatchGetItem per item (a missing item still 1 unit), Query and Scan on the sum of
  the entries matched (table items, or index entries for an index) per response, rounded up once.

The meter reads the items it prices through its own botocore client (not the shared one), so the
calls it makes are not in `record_calls`' counts and do not trigger its own hooks.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import botocore.session

from tether.storage.base import client
from tether.storage.instrumentation import hooked
from tether.storage.raw import dynamodb_json

RawItem = Mapping[str, Any]
Key = tuple[str, str]
WRITE_UNIT = 1024
READ_UNIT = 4096
BATCH_GET_LIMIT = 100


def attribute_size(name: str, value: Mapping[str, Any]) -> int:
    """Bytes one attribute takes, name included."""
    return len(name.encode()) + value_size(value)


def value_size(value: Mapping[str, Any]) -> int:
    """Bytes of one DynamoDB-JSON attribute value (AWS's item size rules)."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        return number_size(str(content))
    if kind == "B":
        return len(content) if isinstance(content, bytes) else len(content) * 3 // 4
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(item.encode()) for item in content)
    if kind == "NS":
        return sum(number_size(item) for item in content)
    if kind == "BS":
        return sum(len(item) for item in content)
    if kind == "L":
        return 3 + sum(1 + value_size(item) for item in content)
    if kind == "M":
        return 3 + sum(1 + attribute_size(key, item) for key, item in content.items())
    raise ValueError(f"not a DynamoDB attribute value: {value!r}")


def number_size(text: str) -> int:
    """1 byte per two significant digits (leading and trailing zeros trimmed), plus 1."""
    digits = Decimal(text).normalize().as_tuple().digits
    significant = len(digits) if any(digits) else 1
    return math.ceil(significant / 2) + 1


def item_size(item: RawItem | None) -> int:
    """Bytes of a whole item (0 for a missing one)."""
    if not item:
        return 0
    return sum(attribute_size(name, value) for name, value in item.items())


@dataclass(frozen=True)
class Index:
    """A secondary index as the table describes it: its key attributes and what it projects."""

    name: str
    keys: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    included: tuple[str, ...] = ()

    def entry(self, item: RawItem | None, table_keys: Sequence[str]) -> dict[str, Any] | None:
        """The item's entry in this index, or None when the item is not in it (sparse index)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        names = set(table_keys) | set(self.keys) | set(self.included)
        return {name: value for name, value in item.items() if name in names}


@dataclass(frozen=True)
class Priced:
    """One priced part of a request: an item written (or its index entry) or a read, with its size."""

    operation: str
    kind: str  # "item" (a table write), "<index> put" / "<index> delete", "read"
    key: str  # the item's sort key (a read: how many items it returned)
    size: int  # bytes (a write: the larger of before and after; a read: the bytes read)
    units: float  # as billed (transactions doubled)


@dataclass
class Meter:
    """Capacity units as billed, by operation, plus what was written and read."""

    write_units: dict[str, float] = field(default_factory=dict)
    read_units: dict[str, float] = field(default_factory=dict)
    index_write_units: dict[str, float] = field(default_factory=dict)  # by index name (in the totals)
    parts: list[Priced] = field(default_factory=list)  # item by item, in the order priced
    overhead_seconds: float = 0.0  # spent by the meter itself (its own reads), to take off timings
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def wru(self) -> float:
        return float(sum(self.write_units.values()))

    @property
    def rru(self) -> float:
        return float(sum(self.read_units.values()))

    def add_write(self, operation: str, units: float) -> None:
        with self._lock:
            self.write_units[operation] = self.write_units.get(operation, 0.0) + units

    def add_read(self, operation: str, units: float) -> None:
        with self._lock:
            self.read_units[operation] = self.read_units.get(operation, 0.0) + units

    def add_index(self, index: str, units: float) -> None:
        with self._lock:
            self.index_write_units[index] = self.index_write_units.get(index, 0.0) + units

    def note(self, part: Priced) -> None:
        with self._lock:
            self.parts.append(part)


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return float(units) if consistent else units / 2


class _Table:
    """What the meter knows of the table (keys and indexes) and its own reader of items."""

    def __init__(self, shared: Any, name: str) -> None:
        self.name = name
        self.reader = _private_client(shared)
        description = self.reader.describe_table(TableName=name)["Table"]
        self.keys = tuple(key["AttributeName"] for key in description["KeySchema"])
        self.indexes = {
            index["IndexName"]: Index(
                index["IndexName"],
                tuple(key["AttributeName"] for key in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
                tuple(index["Projection"].get("NonKeyAttributes", ())),
            )
            for group in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes")
            for index in description.get(group, [])
        }

    def key_of(self, item_or_key: RawItem) -> Key:
        return tuple(str(item_or_key[name]["S"]) for name in self.keys)  # type: ignore[return-value]

    def read(self, keys: Sequence[RawItem]) -> dict[Key, RawItem]:
        """The current items with these keys (strongly consistent)."""
        found: dict[Key, RawItem] = {}
        unique = list({self.key_of(key): {name: key[name] for name in self.keys} for key in keys}.values())
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.name: {"Keys": unique[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}
            }
            while request:
                response = self.reader.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.name, []):
                    found[self.key_of(item)] = item
                request = response.get("UnprocessedKeys") or {}
        return found

    def price_write(
        self, meter: Meter, operation: str, before: RawItem | None, after: RawItem | None, factor: int
    ) -> None:
        """One item's write: the table, then each index it touches."""
        key = str((after or before or {}).get(self.keys[-1], {}).get("S", ""))
        size = max(item_size(before), item_size(after))
        meter.add_write(operation, factor * write_units(size))
        meter.note(Priced(operation, "item", key, size, factor * write_units(size)))
        for index in self.indexes.values():
            old, new = index.entry(before, self.keys), index.entry(after, self.keys)
            units = 0
            if old is not None and (new is None or any(old.get(k) != new.get(k) for k in index.keys)):
                units += write_units(item_size(old))  # leaves the index, or its index key changes
                meter.note(
                    Priced(
                        operation,
                        f"{index.name} delete",
                        key,
                        item_size(old),
                        factor * write_units(item_size(old)),
                    )
                )
                old = None
            if new is not None and new != old:
                units += write_units(item_size(new))
                meter.note(
                    Priced(
                        operation,
                        f"{index.name} put",
                        key,
                        item_size(new),
                        factor * write_units(item_size(new)),
                    )
                )
            if units:
                meter.add_write(operation, factor * units)
                meter.add_index(index.name, factor * units)


def _private_client(shared: Any) -> Any:
    credentials = shared._request_signer._credentials
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    return botocore.session.get_session().create_client(
        "dynamodb",
        region_name=shared.meta.region_name,
        endpoint_url=shared.meta.endpoint_url,
        aws_access_key_id=frozen.access_key if frozen else None,
        aws_secret_access_key=frozen.secret_key if frozen else None,
        aws_session_token=frozen.token if frozen else None,
    )


WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def _written_keys(table: _Table, operation: str, params: Mapping[str, Any]) -> list[tuple[RawItem, str]]:
    """(key, kind) of every item a write request names; kind is ConditionCheck for checks only."""
    if operation in ("UpdateItem", "DeleteItem"):
        return [(params["Key"], operation)]
    if operation == "PutItem":
        return [({name: params["Item"][name] for name in table.keys}, operation)]
    written: list[tuple[RawItem, str]] = []
    if operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            ((kind, action),) = entry.items()
            key = action["Key"] if "Key" in action else {name: action["Item"][name] for name in table.keys}
            written.append((key, kind))
    if operation == "BatchWriteItem":
        for request in params["RequestItems"].get(table.name, []):
            if "PutRequest" in request:
                item = request["PutRequest"]["Item"]
                written.append(({name: item[name] for name in table.keys}, "Put"))
            else:
                written.append((request["DeleteRequest"]["Key"], "Delete"))
    return written


@contextmanager
def meter_capacity() -> Iterator[Meter]:
    """Price every DynamoDB request made through the shared client inside the block."""
    meter = Meter()
    shared = client()
    events = shared.meta.events
    tables: dict[str, _Table] = {}

    def table_for(name: str) -> _Table:
        if name not in tables:
            tables[name] = _Table(shared, name)
        return tables[name]

    def before_parameters(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = params

    def timed(hook: Callable[..., None]) -> Callable[..., None]:
        def run(**kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                hook(**kwargs)
            finally:
                with meter._lock:
                    meter.overhead_seconds += time.perf_counter() - started

        return run

    @timed
    def before_call(model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get(_PARAMS)
        if model.name not in WRITE_OPERATIONS or params is None:
            return
        name = _table_name(model.name, params)
        if name is None:
            return
        table = table_for(name)
        written = _written_keys(table, model.name, params)
        context[_BEFORE] = (table, written, table.read([key for key, _ in written]))

    def after_call(
        http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        ok = getattr(http_response, "status_code", 200) == 200
        if model.name in WRITE_OPERATIONS:
            state = context.pop(_BEFORE, None)
            if state is not None:
                _price_writes(meter, model.name, ok=ok, state=state, parsed=parsed)
        elif ok and _PARAMS in context:
            _price_reads(meter, model.name, parsed, table_for, context[_PARAMS])

    hooks: list[tuple[str, Callable[..., Any]]] = [
        ("before-parameter-build.dynamodb", before_parameters),
        ("before-call.dynamodb", before_call),
        ("after-call.dynamodb", after_call),
    ]
    with hooked(events, hooks):
        yield meter


_PARAMS = "tether.capacity.params"
_BEFORE = "tether.capacity.before"


def _table_name(operation: str, params: Mapping[str, Any]) -> str | None:
    if operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            ((_, action),) = entry.items()
            return str(action["TableName"])
        return None
    if operation == "BatchWriteItem":
        names = list(params["RequestItems"])
        return str(names[0]) if names else None
    return str(params["TableName"])


def _price_writes(
    meter: Meter,
    operation: str,
    *,
    ok: bool,
    state: tuple[_Table, list[tuple[RawItem, str]], dict[Key, RawItem]],
    parsed: Mapping[str, Any],
) -> None:
    table, written, before = state
    factor = 2 if operation == "TransactWriteItems" else 1
    if not ok:
        # A refused write (a failed condition, a cancelled transaction) still costs its writes'
        # units without index writes: price each named item at its current size.
        for key, _kind in written:
            meter.add_write(operation, factor * write_units(item_size(before.get(table.key_of(key)))))
        return
    unprocessed = {
        table.key_of(request.get("PutRequest", {}).get("Item") or request["DeleteRequest"]["Key"])
        for request in parsed.get("UnprocessedItems", {}).get(table.name, [])
    }
    after = table.read([key for key, kind in written if kind != "ConditionCheck"])
    for key, kind in written:
        identity = table.key_of(key)
        if identity in unprocessed:
            continue
        if kind == "ConditionCheck":
            meter.add_write(operation, factor * write_units(item_size(before.get(identity))))
            continue
        table.price_write(meter, operation, before.get(identity), after.get(identity), factor)


def _price_reads(
    meter: Meter, operation: str, parsed: Mapping[str, Any], table_for: Any, params: Mapping[str, Any]
) -> None:
    if operation == "GetItem":
        consistent = bool(params.get("ConsistentRead"))
        table = table_for(params["TableName"])
        full = table.read([params["Key"]]).get(table.key_of(params["Key"])) if parsed.get("Item") else None
        _read(meter, operation, str(params["Key"][table.keys[-1]]["S"]), item_size(full), consistent)
    elif operation == "BatchGetItem":
        for name, request in params["RequestItems"].items():
            table = table_for(name)
            consistent = bool(request.get("ConsistentRead"))
            returned = parsed.get("Responses", {}).get(name, [])
            unprocessed = parsed.get("UnprocessedKeys", {}).get(name, {}).get("Keys", [])
            full = table.read(returned) if returned else {}
            done = {table.key_of(key) for key in request["Keys"]} - {table.key_of(key) for key in unprocessed}
            for key in done:
                _read(meter, operation, key[-1], item_size(full.get(key)), consistent)
    elif operation in ("Query", "Scan"):
        table = table_for(params["TableName"])
        consistent = bool(params.get("ConsistentRead"))
        items = [dynamodb_json(item) for item in parsed.get("Items", [])]  # (a pull's: typed items)
        full = table.read(items) if items else {}
        index = table.indexes.get(params.get("IndexName", ""))
        size = 0
        for item in items:
            stored = full.get(table.key_of(item))
            size += item_size(index.entry(stored, table.keys) if index is not None else stored)
        _read(meter, operation, f"{len(items)} items", size, consistent)


def _read(meter: Meter, operation: str, key: str, size: int, consistent: bool) -> None:
    units = read_units(size, consistent)
    meter.add_read(operation, units)
    meter.note(Priced(operation, "read", key, size, units))
