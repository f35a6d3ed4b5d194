"""Synced records, the per-user head (sequence counter) and per-client state, in DynamoDB."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import (
    DESERIALIZE_CLASS_MAP,
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PynamoDBException, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path, Value
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from tether.errors import BadUserInput, RateLimited, Unavailable
from tether.storage.base import TetherModel
from tether.storage.raw import raw_query_items
from tether.sync.collection import Increment
from tether.sync.devices import DeviceInfo
from tether.sync.records import Record, Stamp

HEAD = "HEAD"
BATCH_GET_LIMIT = 100
TRANSACTION_ITEM_LIMIT = 100
# DynamoDB caps a transaction at 4 MB; stay well below with our own size estimate.
TRANSACTION_BYTE_BUDGET = 3_500_000


def user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def client_key(client_id: str) -> str:
    return f"CLIENT#{client_id}"


class UserHead(TetherModel, discriminator="head"):
    """`USER#<sub>` / `HEAD`: the last sequence number given to a change of this user's records."""

    head = NumberAttribute(default=0)
    epoch = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class ClientState(TetherModel, discriminator="client"):
    """`USER#<sub>` / `CLIENT#<id>`: one app installation (device) and its exactly-once position."""

    client_id = UnicodeAttribute()
    last_mutation_id = NumberAttribute(default=0)
    first_seen_at = UTCDateTimeAttribute(null=True)
    last_sync_at = UTCDateTimeAttribute(null=True)
    revoked = BooleanAttribute(default=False)
    name = UnicodeAttribute(null=True)
    platform = UnicodeAttribute(null=True)
    app_version = UnicodeAttribute(null=True)


class RecordItem(TetherModel, discriminator="record"):
    """`USER#<sub>` / `<PREFIX>#<id>`: one synced record, with a stamp per field."""

    collection = UnicodeAttribute()
    record_id = UnicodeAttribute(attr_name="id")
    version = NumberAttribute()
    created_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    deleted = BooleanAttribute(default=False)
    data = MapAttribute[str, Any](default=dict)
    stamps = MapAttribute[str, Any](default=dict)
    state = MapAttribute[str, Any](default=dict)


@dataclass(frozen=True)
class Head:
    seq: int
    epoch: str | None


@dataclass(frozen=True)
class ClientInfo:
    last_mutation_id: int = 0
    revoked: bool = False
    exists: bool = False
    first_seen_at: datetime | None = None
    last_sync_at: datetime | None = None
    device: DeviceInfo = field(default_factory=DeviceInfo)


@dataclass
class Snapshot:
    head: Head
    client: ClientInfo
    records: dict[str, Record] = field(default_factory=dict)
    # Heads of other partitions read in the same request (shared feeds such as the catalog).
    heads: dict[str, Head] = field(default_factory=dict)


class StaleRead(Exception):
    """Someone else wrote first (a condition failed): read again and redo the work."""


class Throttled(RateLimited):
    """DynamoDB throttled us and botocore's retries are spent (or a transaction was throttled)."""

    def __init__(self, *, retry_now: bool = False) -> None:
        super().__init__("The database is busy; try again shortly", retryable=True, retryAfterSeconds=2)
        self.retry_now = retry_now


class Busy(Unavailable):
    """A transaction conflict or a timeout: nothing is known to be half-done; worth retrying.

    `retry_now` is set when botocore has not retried it itself (a cancelled transaction).
    """

    def __init__(self, reason: str, *, retry_now: bool = False) -> None:
        super().__init__("The database did not answer in time; try again", reason=reason)
        self.retry_now = retry_now


Contention = (Throttled, Busy)


def to_record(item: RecordItem) -> Record:
    return Record(
        collection=item.collection,
        id=item.record_id,
        version=int(item.version),
        seq=int(item.seq or 0),
        created_at=item.created_at,
        updated_at=item.updated_at,
        deleted=bool(item.deleted),
        data=_plain(item.data),
        stamps={name: Stamp.load(value) for name, value in _plain(item.stamps).items()},
        state=_plain(item.state),
        stored_version=int(item.version),
    )


def raw_record(raw: Mapping[str, Any]) -> Record | None:
    """The Record of a raw DynamoDB item (as a Query returns it), or None if it is not a record.

    The same values `to_record` gives, decoded directly: many times faster than building the
    PynamoDB model first, which matters for large pulls and for loading the whole catalog.
    """
    if raw.get("type", {}).get("S") != "record":
        return None
    created = raw.get("created_at", {}).get("S")
    return Record(
        collection=raw["collection"]["S"],
        id=raw["id"]["S"],
        version=int(raw["version"]["N"]),
        seq=int(raw["seq"]["N"]) if "seq" in raw else 0,
        created_at=_TIME.deserialize(created) if created else None,
        updated_at=_TIME.deserialize(raw["updated_at"]["S"]),
        deleted=bool(raw.get("deleted", {}).get("BOOL", False)),
        data=_map(raw.get("data")),
        stamps={name: Stamp.load(value) for name, value in _map(raw.get("stamps")).items()},
        state=_map(raw.get("state")),
        stored_version=int(raw["version"]["N"]),
    )


_TIME = UTCDateTimeAttribute()


def _map(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    if not raw or "M" not in raw:
        return {}
    return {name: _value(value) for name, value in raw["M"].items()}


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
        return [_value(item) for item in value]
    if kind == "NULL":
        return None
    return DESERIALIZE_CLASS_MAP[kind].deserialize(value)


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value.as_dict()) if hasattr(value, "as_dict") else dict(value)


def load(pk: str, client_id: str | None, sort_keys: Iterable[str], heads: Iterable[str] = ()) -> Snapshot:
    """Head, client state and the named records of a partition, strongly consistent, 100 per batch.

    `heads` names other partitions whose head is read in the same BatchGetItem (no extra round trip).
    """
    others = sorted(set(heads) - {pk})
    keys = (
        [(pk, HEAD)]
        + ([(pk, client_key(client_id))] if client_id else [])
        + [(other, HEAD) for other in others]
        + [(pk, sk) for sk in sorted(set(sort_keys))]
    )
    items: dict[tuple[str, str], TetherModel] = {}
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        chunk = keys[start : start + BATCH_GET_LIMIT]
        for item in _guard(lambda chunk=chunk: list(TetherModel.batch_get(chunk, consistent_read=True))):
            items[(item.pk, item.sk)] = item
    head = _head(items.pop((pk, HEAD), None))
    client_item = items.pop((pk, client_key(client_id)), None) if client_id else None
    client = _client_info(client_item)
    shared = {other: _head(items.pop((other, HEAD), None)) for other in others}
    records = {sk: to_record(item) for (_, sk), item in items.items() if isinstance(item, RecordItem)}
    return Snapshot(head, client, records, shared)


def _head(item: TetherModel | None) -> Head:
    return Head(int(item.head), item.epoch) if isinstance(item, UserHead) else Head(0, None)


def _client_info(item: TetherModel | None) -> ClientInfo:
    if not isinstance(item, ClientState):
        return ClientInfo()
    return ClientInfo(
        last_mutation_id=int(item.last_mutation_id or 0),
        revoked=bool(item.revoked),
        exists=True,
        first_seen_at=item.first_seen_at,
        last_sync_at=item.last_sync_at,
        device=DeviceInfo(item.name, item.platform, item.app_version),
    )


def touch_client(pk: str, client_id: str, now: datetime, device: DeviceInfo | None) -> bool:
    """Record that a device synced (lastSyncAt, and what it says about itself), outside any push.

    Creates the device on its first pull; never touches its mutation position, and leaves a device
    that was revoked meanwhile as it is (False then).
    """
    actions: list[Action] = [
        ClientState.item_type.set(ClientState),
        ClientState.client_id.set(client_id),
        ClientState.last_mutation_id.set(ClientState.last_mutation_id | 0),
        ClientState.first_seen_at.set(ClientState.first_seen_at | now),
        ClientState.last_sync_at.set(now),
        ClientState.revoked.set(ClientState.revoked | False),
    ]
    actions += _device_actions(device)
    item = ClientState(pk=pk, sk=client_key(client_id), client_id=client_id)
    try:
        _guard(
            lambda: item.update(
                actions=actions,
                condition=ClientState.pk.does_not_exist() | (ClientState.revoked == False),  # noqa: E712
            )
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _device_actions(device: DeviceInfo | None) -> list[Action]:
    """What the app says about itself: only the parts it sent."""
    if device is None:
        return []
    return [
        attribute.set(value)
        for attribute, value in (
            (ClientState.name, device.name),
            (ClientState.platform, device.platform),
            (ClientState.app_version, device.app_version),
        )
        if value is not None
    ]


def read_head(pk: str) -> Head:
    """Only the head (one strongly consistent GetItem): what a waiting pull polls."""
    try:
        item = _guard(lambda: UserHead.get(pk, HEAD, consistent_read=True))
    except UserHead.DoesNotExist:
        return Head(0, None)
    return Head(int(item.head), item.epoch)


def read_heads(pks: Sequence[str]) -> dict[str, Head]:
    """The heads of several partitions in ONE round trip (a GetItem for one, else a BatchGetItem)."""
    if len(pks) == 1:
        return {pks[0]: read_head(pks[0])}
    keys = [(pk, HEAD) for pk in dict.fromkeys(pks)]
    found = {
        item.pk: _head(item)
        for item in _guard(lambda: list(TetherModel.batch_get(keys, consistent_read=True)))
    }
    return {pk: found.get(pk, Head(0, None)) for pk in pks}


@dataclass
class Write:
    """One record to store in a transaction, with the sort keys the collection derives."""

    sort_key: str
    record: Record
    lookup_key: str | None = None
    time_key: str | None = None
    expires_at: datetime | None = None


def record_item(pk: str, write: Write) -> RecordItem:
    record = write.record
    return RecordItem(
        pk=pk,
        sk=write.sort_key,
        seq=record.seq,
        lk=write.lookup_key,
        tk=write.time_key,
        expires_at=write.expires_at,
        collection=record.collection,
        record_id=record.id,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
        deleted=record.deleted,
        data=record.data,
        stamps={name: stamp.dump() for name, stamp in record.stamps.items()},
        state=record.state,
    )


def estimated_size(item: TetherModel) -> int:
    """Roughly the bytes an item takes in a request (for the 4 MB transaction budget)."""
    return len(json.dumps(item.serialize(), separators=(",", ":"))) + 100


def commit(
    *,
    pk: str,
    head: Head,
    new_head: int,
    epoch: str,
    now: datetime,
    client_id: str | None,
    client: ClientInfo,
    last_mutation_id: int,
    writes: Sequence[Write],
    increments: Sequence[Increment] = (),
    token: str,
    device: DeviceInfo | None = None,
) -> None:
    """One transaction: the records, the head moved to `new_head`, the client's position, counters.

    Every item is conditioned on what was read, so a concurrent writer makes this raise StaleRead.
    Server-side writes (no `client_id`) leave every client's position alone.
    """
    transaction = TransactWrite(
        connection=TetherModel._get_connection().connection, client_request_token=token
    )
    if new_head != head.seq:
        head_item = UserHead(pk=pk, sk=HEAD, head=new_head, epoch=head.epoch or epoch, created_at=now)
        if head.epoch is None:
            transaction.save(head_item, condition=UserHead.pk.does_not_exist())
        else:
            transaction.update(
                head_item,
                actions=[UserHead.head.set(new_head)],
                condition=(UserHead.head == head.seq) & (UserHead.epoch == head.epoch),
            )
    if client_id is not None:
        _client_update(transaction, pk, client_id, client, last_mutation_id, now, device)
    for write in writes:
        item = record_item(pk, write)
        condition = (
            RecordItem.pk.does_not_exist()
            if write.record.stored_version is None
            else RecordItem.version == write.record.stored_version
        )
        transaction.save(item, condition=condition)
    for increment in increments:
        transaction.update(CounterItem(pk=pk, sk=increment.sort_key), actions=counter_actions(increment))
    _guard(transaction._commit)


def _client_update(
    transaction: TransactWrite,
    pk: str,
    client_id: str,
    client: ClientInfo,
    last_mutation_id: int,
    now: datetime,
    device: DeviceInfo | None = None,
) -> None:
    condition: Condition = (
        (ClientState.last_mutation_id == client.last_mutation_id) & (ClientState.revoked == False)  # noqa: E712
        if client.exists
        else ClientState.pk.does_not_exist()
    )
    actions: list[Action] = [
        ClientState.item_type.set(ClientState),  # an update does not write the model's type itself
        ClientState.client_id.set(client_id),
        ClientState.last_mutation_id.set(last_mutation_id),
        ClientState.first_seen_at.set(ClientState.first_seen_at | now),
        ClientState.last_sync_at.set(now),
        ClientState.revoked.set(ClientState.revoked | False),
        *_device_actions(device),
    ]
    transaction.update(
        ClientState(pk=pk, sk=client_key(client_id), client_id=client_id),
        actions=actions,
        condition=condition,
    )


class CounterItem(TetherModel, discriminator="counter"):
    """`USER#<sub>` / `<name>`: counters kept up to date at write time (e.g. daily statistics).

    Their attributes are named by the collection that maintains them; read them with
    `tether.storage.counters.counts()`.
    """


def counter_actions(increment: Increment) -> list[Any]:
    actions: list[Any] = [CounterItem.item_type.set(CounterItem)]
    for name, amount in increment.add.items():
        actions.append(Path(name).add(Value({"N": _number(amount)})))
    for name, value in increment.set_once.items():
        actions.append(Path(name).set(Path(name) | Value(value)))
    return actions


def _number(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else repr(float(amount))


def _guard(call: Any) -> Any:
    """Run a DynamoDB call; translate refusals into StaleRead / Contention."""
    try:
        return call()
    except TransactWriteError as error:
        reasons = [reason.code for reason in (error.cancellation_reasons or []) if reason is not None]
        if "ConditionalCheckFailed" in reasons:
            raise StaleRead(",".join(reasons)) from error
        if "TransactionConflict" in reasons:
            raise Busy("TRANSACTION_CONFLICT", retry_now=True) from error
        if any(code in ("ThrottlingError", "ProvisionedThroughputExceeded") for code in reasons):
            raise Throttled(retry_now=True) from error
        raise _classify(error) from error
    except PynamoDBException as error:
        raise _classify(error) from error
    except (BotoCoreError, ClientError) as error:
        raise _classify(error) from error


def _classify(error: Exception) -> Exception:
    code = getattr(error, "cause_response_code", None) or _client_error_code(error)
    if code in ("ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"):
        return Throttled()
    if code in ("TransactionConflictException", "TransactionInProgressException"):
        return Busy("TRANSACTION_CONFLICT")
    if _is_timeout(error):
        return Busy("TIMEOUT")
    return error


def _client_error_code(error: Exception) -> str | None:
    cause = error.__cause__ if not isinstance(error, ClientError) else error
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code"))
    return None


def _is_timeout(error: BaseException | None) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

    while error is not None:
        if isinstance(error, (ReadTimeoutError, ConnectTimeoutError, BotoConnectionError)):
            return True
        error = error.__cause__ or error.__context__
    return False


# What a reader needs of a record: everything but the merge bookkeeping (field stamps, state).
READ_ATTRIBUTES = [
    "pk",
    "sk",
    "type",
    "seq",
    "collection",
    "id",
    "version",
    "created_at",
    "updated_at",
    "deleted",
    "data",
]


def feed_page(
    pk: str, *, after: int, upto: int, limit: int, merge_state: bool = True
) -> tuple[list[Record], bool]:
    """Records with after < seq <= upto in sequence order: ONE strongly consistent Query.

    Returns the page and whether records remain in the range (the page stopped at `limit` items
    or at DynamoDB's 1 MB response cap). Without `merge_state` the records come without their
    field stamps and state (smaller responses to decode; read units are the same).
    """
    connection = TetherModel._get_connection()
    with raw_query_items():
        data = _guard(
            lambda: connection.query(
                pk,
                range_key_condition=TetherModel.seq.between(after + 1, upto),
                index_name=TetherModel.by_seq.Meta.index_name,
                consistent_read=True,
                limit=limit,
                attributes_to_get=None if merge_state else READ_ATTRIBUTES,
            )
        )
    page = [record for record in map(raw_record, data.get("Items", [])) if record is not None]
    more = bool(data.get("LastEvaluatedKey")) and bool(page) and page[-1].seq < upto
    return page, more


def read_feed(pk: str, *, after: int, upto: int, segments: int = 1) -> list[Record]:
    """Every record with after < seq <= upto, in sequence order (pages of up to 1 MB each), for
    reading only (no field stamps or state).

    With `segments` > 1 the range is split into that many parts read in parallel threads (a cold
    load of a large shared feed, such as the catalog, then takes a fraction of the time).
    """
    if upto <= after:
        return []
    segments = max(1, min(segments, upto - after))
    step = -(-(upto - after) // segments)
    bounds = [(start, min(start + step, upto)) for start in range(after, upto, step)]

    def read(bound: tuple[int, int]) -> list[Record]:
        low, high = bound
        found: list[Record] = []
        while low < high:
            page, more = feed_page(pk, after=low, upto=high, limit=1000, merge_state=False)
            found.extend(page)
            if not (more and page):
                break
            low = page[-1].seq
        return found

    if len(bounds) == 1:
        return read(bounds[0])
    with ThreadPoolExecutor(max_workers=len(bounds), thread_name_prefix="feed") as pool:
        parts = list(pool.map(read, bounds))
    return [record for part in parts for record in part]


def get_record(pk: str, sort_key: str) -> Record | None:
    """One record by key (strongly consistent), or None."""
    try:
        item = _guard(lambda: RecordItem.get(pk, sort_key, consistent_read=True))
    except RecordItem.DoesNotExist:
        return None
    return to_record(item)


@dataclass(frozen=True)
class Page:
    records: list[Record]
    next_key: dict[str, str] | None  # where the next page starts; None on the last page


INDEX_KEYS = {None: ("sk",), "byLookup": ("sk", "lk"), "byTime": ("sk", "tk")}


def list_records(
    pk: str,
    *,
    prefix: str,
    first: int,
    after: Mapping[str, str] | None = None,
    index: str | None = None,
    descending: bool = False,
) -> Page:
    """Live (not deleted) records whose sort key (or index key) starts with `prefix`, in key order.

    With `index` ("byLookup" / "byTime", keys only) each page's records come by one BatchGetItem.
    One record more than asked is read, so `next_key` is None exactly when nothing follows.
    """
    key_names = INDEX_KEYS[index]
    if after is not None and (
        set(after) != set(key_names)
        or not all(isinstance(after[name], str) for name in key_names)
        or not after[key_names[-1]].startswith(prefix)
    ):
        raise BadUserInput(
            "`after` is not a cursor of this list; pass the endCursor it returned", field="after"
        )
    key_attribute = {None: TetherModel.sk, "byLookup": TetherModel.lk, "byTime": TetherModel.tk}[index]
    found: list[tuple[Record, dict[str, str]]] = []
    start = dict(after) if after else None
    while len(found) <= first:
        exclusive_start = _start_key(pk, start, key_names) if start else None
        data = _guard(
            lambda exclusive_start=exclusive_start: TetherModel._get_connection().query(
                pk,
                range_key_condition=key_attribute.startswith(prefix),
                index_name=index,
                consistent_read=True,
                limit=first + 1 - len(found),
                exclusive_start_key=exclusive_start,
                scan_index_forward=not descending,
            )
        )
        raw_items = data.get("Items", [])
        if index is None:
            records = {
                item.sk: to_record(item) for item in _models(raw_items) if isinstance(item, RecordItem)
            }
        else:
            keys = [(pk, raw["sk"]["S"]) for raw in raw_items]
            records = {
                item.sk: to_record(item)
                for item in _guard(lambda keys=keys: list(TetherModel.batch_get(keys, consistent_read=True)))
                if isinstance(item, RecordItem)
            }
        for raw in raw_items:
            record = records.get(raw["sk"]["S"])
            if record is not None and not record.deleted:
                found.append((record, {name: raw[name]["S"] for name in key_names if name in raw}))
        last = data.get("LastEvaluatedKey")
        if not last:
            break
        start = {name: value["S"] for name, value in last.items() if name in key_names}
    page = found[:first]
    next_key = page[-1][1] if len(found) > first else None
    return Page([record for record, _ in page], next_key)


def _start_key(pk: str, key: Mapping[str, str], names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    # The partition is always the caller's own: a client-supplied key never picks another user.
    start = {name: {"S": str(key[name])} for name in names if name in key}
    start["pk"] = {"S": pk}
    return start


def _models(items: Iterable[Mapping[str, Any]]) -> list[TetherModel]:
    return [TetherModel.from_raw_data(dict(item)) for item in items]
