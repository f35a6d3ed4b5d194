"""Open WebSocket connections (the "poke" channel, docs/sync.md), in two small items each with a TTL:

- `<partition>` / `SOCKETS`: the partition's open connections, one map entry each
  (`connectionId` -> `{c: clientId, x: expires epoch s}`), read in the same BatchGetItem as a push's
  own items (no extra round trip); its TTL is the latest entry's expiry.
- `SOCKETS` / `<connectionId>`: which partition a connection watches (what `$disconnect` finds it by,
  and what a shared feed's change pokes: one Query of this partition).

An entry past its expiry is never poked; a connection API Gateway calls gone (410) is forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import MapAttribute, UnicodeAttribute

from tether.storage.base import TTL_ATTRIBUTE, TetherModel, batch_get, classify, client, guard

SOCKETS = "SOCKETS"


@dataclass(frozen=True)
class Socket:
    """One open connection: its id, the partition it watches, the device (clientId) that opened it."""

    connection_id: str
    partition: str
    client_id: str
    expires_at: int  # epoch seconds

    def live(self, now: datetime) -> bool:
        return self.expires_at > now.timestamp()


class PartitionSockets(TetherModel, discriminator="sockets"):
    """`<partition>` / `SOCKETS`: the partition's open connections."""

    conns = MapAttribute[str, Any](default=dict)


class SocketItem(TetherModel, discriminator="socket"):
    """`SOCKETS` / `<connectionId>`: the partition one connection watches."""

    partition = UnicodeAttribute()
    client_id = UnicodeAttribute(attr_name="c")


def key(partition: str) -> tuple[str, str]:
    """The key of a partition's sockets item (for a push's BatchGetItem)."""
    return partition, SOCKETS


def sockets_in(items: Iterable[TetherModel]) -> list[Socket]:
    """The connections of the sockets items among a batch's items."""
    found = []
    for item in items:
        if isinstance(item, PartitionSockets):
            for connection_id, entry in item.conns.as_dict().items():
                found.append(Socket(connection_id, item.pk, str(entry["c"]), int(entry["x"])))
    return found


def read(partitions: Sequence[str]) -> list[Socket]:
    """The connections of these partitions: one BatchGetItem (at most 100 partitions)."""
    if not partitions:
        return []
    return sockets_in(guard(batch_get, [key(partition) for partition in dict.fromkeys(partitions)]))


def every() -> Iterator[Socket]:
    """Every open connection (what a shared feed's change pokes): a Query of `SOCKETS`, paged."""
    for item in guard(lambda: list(SocketItem.query(SOCKETS))):
        if isinstance(item, SocketItem) and item.expires_at is not None:
            yield Socket(item.sk, item.partition, item.client_id, int(item.expires_at.timestamp()))


def add(socket: Socket) -> None:
    """Record an open connection: its entry in the partition's item (created with the map the
    first time: DynamoDB cannot set a map's entry in the expression creating it), and its own item."""
    table, raw = TetherModel.Meta.table_name, client()
    partition_key = {"pk": {"S": socket.partition}, "sk": {"S": SOCKETS}}
    guard(
        lambda: raw.update_item(
            TableName=table,
            Key=partition_key,
            # The item lives as long as its latest connection (every connection gets the same TTL).
            UpdateExpression="SET #type = :type, #ttl = :x, conns = if_not_exists(conns, :empty)",
            ExpressionAttributeNames={"#type": "type", "#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={
                ":type": {"S": "sockets"},
                ":empty": {"M": {}},
                ":x": {"N": str(socket.expires_at)},
            },
        )
    )
    guard(
        lambda: raw.update_item(
            TableName=table,
            Key=partition_key,
            UpdateExpression="SET conns.#id = :entry",
            ExpressionAttributeNames={"#id": socket.connection_id},
            ExpressionAttributeValues={
                ":entry": {"M": {"c": {"S": socket.client_id}, "x": {"N": str(socket.expires_at)}}}
            },
        )
    )
    guard(
        lambda: raw.put_item(
            TableName=table,
            Item={
                "pk": {"S": SOCKETS},
                "sk": {"S": socket.connection_id},
                "type": {"S": "socket"},
                "partition": {"S": socket.partition},
                "c": {"S": socket.client_id},
                TTL_ATTRIBUTE: {"N": str(socket.expires_at)},
            },
        )
    )


def remove(connection_id: str, partition: str | None = None) -> None:
    """Forget a connection (closed, or gone): its entry in the partition's item, and its own item."""
    if partition is None:
        try:
            found = guard(lambda: SocketItem.get(SOCKETS, connection_id, consistent_read=True))
        except SocketItem.DoesNotExist:
            return
        partition = found.partition
    table, raw = TetherModel.Meta.table_name, client()
    try:
        raw.update_item(
            TableName=table,
            Key={"pk": {"S": partition}, "sk": {"S": SOCKETS}},
            UpdateExpression="REMOVE conns.#id",
            ConditionExpression="attribute_exists(conns)",
            ExpressionAttributeNames={"#id": connection_id},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise classify(error) from error
    except BotoCoreError as error:
        raise classify(error) from error
    guard(lambda: raw.delete_item(TableName=table, Key={"pk": {"S": SOCKETS}, "sk": {"S": connection_id}}))
