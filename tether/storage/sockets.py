"""Open WebSocket connections (the "poke" channel, docs/sync.md), in two places:

- `<partition>` / `HEAD`, attribute `conns`: the partition's open connections, one map entry each
  (`connectionId` -> `{c: clientId, x: expires epoch s}`). Every push reads its partition's head
  first anyway, so it finds whom to poke with no key of its own in that BatchGetItem (whose 100
  keys are the push's records).
- `SOCKETS` / `<connectionId>`: which partition a connection watches (what `$disconnect` finds it by,
  and what a shared feed's change pokes: one Query of this partition), with a TTL.

An entry past its expiry is never poked and is forgotten when met; a connection API Gateway calls
gone (410) is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import UnicodeAttribute

from tether.storage.base import TTL_ATTRIBUTE, TetherModel, batch_get, classify, client, guard
from tether.storage.heads import UserHead
from tether.storage.keys import HEAD

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


class SocketItem(TetherModel, discriminator="socket"):
    """`SOCKETS` / `<connectionId>`: the partition one connection watches."""

    partition = UnicodeAttribute()
    client_id = UnicodeAttribute(attr_name="c")


def sockets_in(items: Iterable[TetherModel]) -> list[Socket]:
    """The connections of the sockets items among a batch's items."""
    found = []
    for item in items:
        if isinstance(item, UserHead) and item.conns is not None:
            for connection_id, entry in item.conns.as_dict().items():
                found.append(Socket(connection_id, item.pk, str(entry["c"]), int(entry["x"])))
    return found


def read(partitions: Sequence[str]) -> list[Socket]:
    """The connections of these partitions: one BatchGetItem (at most 100 partitions)."""
    if not partitions:
        return []
    return sockets_in(guard(batch_get, [(partition, HEAD) for partition in dict.fromkeys(partitions)]))


def every() -> Iterator[Socket]:
    """Every open connection (what a shared feed's change pokes): a Query of `SOCKETS`, paged."""
    for item in guard(lambda: list(SocketItem.query(SOCKETS))):
        if isinstance(item, SocketItem) and item.expires_at is not None:
            yield Socket(item.sk, item.partition, item.client_id, int(item.expires_at.timestamp()))


def add(socket: Socket) -> None:
    """Record an open connection: its entry on the partition's head, and its own item. The head's
    connections map exists after the partition's first connection (a removal leaves it, empty), so
    the entry is set in one UpdateItem; only when the map is missing is it created first (DynamoDB
    cannot set a map's entry in the expression creating it; the head itself too, when the partition
    has no change yet)."""
    table, raw = TetherModel.Meta.table_name, client()
    partition_key = {"pk": {"S": socket.partition}, "sk": {"S": HEAD}}
    entry = {
        "TableName": table,
        "Key": partition_key,
        "UpdateExpression": "SET conns.#id = :entry",
        "ExpressionAttributeNames": {"#id": socket.connection_id},
        "ExpressionAttributeValues": {
            ":entry": {"M": {"c": {"S": socket.client_id}, "x": {"N": str(socket.expires_at)}}}
        },
    }
    if not _updated_if(lambda: raw.update_item(**entry, ConditionExpression="attribute_exists(conns)")):
        guard(
            lambda: raw.update_item(
                TableName=table,
                Key=partition_key,
                UpdateExpression="SET #type = if_not_exists(#type, :type), conns = if_not_exists(conns, :empty)",
                ExpressionAttributeNames={"#type": "type"},
                ExpressionAttributeValues={":type": {"S": "head"}, ":empty": {"M": {}}},
            )
        )
        guard(lambda: raw.update_item(**entry))
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


def _updated_if(update: Callable[[], object]) -> bool:
    """Run a conditional write: False when its condition failed, other errors classified."""
    try:
        update()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise classify(error) from error
    except BotoCoreError as error:
        raise classify(error) from error
    return True


def remove(connection_id: str, partition: str | None = None) -> None:
    """Forget a connection (closed, or gone): its own item, then its entry on the partition's head.
    `$disconnect` knows only the connection: its partition comes back from the DeleteItem itself
    (ReturnValues ALL_OLD, which costs no read unit), not from a read before it."""
    table, raw = TetherModel.Meta.table_name, client()
    deleted = guard(
        lambda: raw.delete_item(
            TableName=table,
            Key={"pk": {"S": SOCKETS}, "sk": {"S": connection_id}},
            ReturnValues="ALL_OLD" if partition is None else "NONE",
        )
    )
    if partition is None:
        partition = deleted.get("Attributes", {}).get("partition", {}).get("S")
        if partition is None:
            return  # forgotten already (API Gateway's $disconnect is best-effort, maybe repeated)
    _updated_if(
        lambda: raw.update_item(
            TableName=table,
            Key={"pk": {"S": partition}, "sk": {"S": HEAD}},
            UpdateExpression="REMOVE conns.#id",
            ConditionExpression="attribute_exists(conns)",
            ExpressionAttributeNames={"#id": connection_id},
        )
    )
