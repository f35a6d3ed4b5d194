"""The hand-written floor: a minimal Lambda handler making the same DynamoDB calls as Tether's pull
and push, with boto3 and json only (no GraphQL, no ASGI, no PynamoDB). What `bench/handler_bench.py`
and `bench/load_bench.py` measure Tether against, in the same run.

It answers the SyncPull and SyncPush operations' shapes for pieces (the records the benches use),
reading and writing the same items: BatchGetItem of the head, the client and the shared feeds'
heads (plus the records a push touches), a Query of the `bySeq` index, and TransactWriteItems of
the records, the head and the client (100 items per transaction at most).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tether.storage.record_items import READ_ATTRIBUTES  # the same attributes a Tether pull reads

PROJECTION = ", ".join(f"#a{n}" for n in range(len(READ_ATTRIBUTES)))
PROJECTED_NAMES = {f"#a{n}": name for n, name in enumerate(READ_ATTRIBUTES)}
PIECE_FIELDS = ("title", "category", "language", "lyrics", "notes", "tags", "favorite")
LISTS = (
    "pieces",
    "sessions",
    "progress",
    "bookmarks",
    "chatThreads",
    "chatMessages",
    "preferences",
    "collections",
    "tracks",
    "entitlements",
    "attachments",
)
BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100


class FloorHandler:
    """`handler(event, context)` for SyncPull and SyncPush of pieces, over one boto3 client."""

    def __init__(self, dynamodb: Any, table: str, shared_heads: list[str]) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.shared_heads = shared_heads

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        body = json.loads(event["body"])
        user = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        arguments = body["variables"]["input"]
        if "syncPush(" in body["query"]:
            answer = {"syncPush": self.push(f"USER#{user}", arguments)}
        else:
            answer = {"syncPull": self.pull(f"USER#{user}", arguments)}
        if "__typename\n" in body["query"]:  # the manifest's texts (Apollo adds __typename everywhere)
            _add_typenames(answer)
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/graphql-response+json"},
            "body": json.dumps({"data": answer}, separators=(",", ":")),
            "isBase64Encoded": False,
        }

    # ---- pull: one BatchGetItem, one Query ----

    def pull(self, pk: str, arguments: dict[str, Any]) -> dict[str, Any]:
        cursor = arguments.get("cursor")
        after = int(cursor) if cursor else 0
        keys = [(pk, "HEAD"), (pk, f"CLIENT#{arguments['clientId']}")] + [
            (p, "HEAD") for p in self.shared_heads
        ]
        found = self._batch_get(keys)
        head = found.get((pk, "HEAD"))
        upto = int(head["head"]["N"]) if head else 0
        client = found.get((pk, f"CLIENT#{arguments['clientId']}"))
        last_mutation_id = (
            int(client["last_mutation_id"]["N"]) if client and "last_mutation_id" in client else 0
        )
        lists: dict[str, list[Any]] = {name: [] for name in LISTS}
        more = False
        reached = max(after, upto)
        if upto > after:
            page = self.dynamodb.query(
                TableName=self.table,
                IndexName="bySeq",
                KeyConditionExpression="pk = :pk AND seq BETWEEN :a AND :b",
                ExpressionAttributeValues={
                    ":pk": {"S": pk},
                    ":a": {"N": str(after + 1)},
                    ":b": {"N": str(upto)},
                },
                ExpressionAttributeNames=PROJECTED_NAMES,
                ProjectionExpression=PROJECTION,
                ConsistentRead=True,
                Limit=int(arguments.get("limit", 500)),
            )
            items = page.get("Items", [])
            lists["pieces"] = [_piece(item) for item in items]
            if page.get("LastEvaluatedKey") and items:
                reached, more = int(items[-1]["seq"]["N"]), int(items[-1]["seq"]["N"]) < upto
        return {
            "cursor": str(reached),
            "hasMore": more,
            "resetRequired": False,
            "lastMutationId": last_mutation_id,
            **lists,
        }

    # ---- push: BatchGetItem of head, client and records; TransactWriteItems of 100 at most ----

    def push(self, pk: str, arguments: dict[str, Any]) -> dict[str, Any]:
        client_sk = f"CLIENT#{arguments['clientId']}"
        saves = [(m["mutationId"], m["changedAt"], m["change"]["savePiece"]) for m in arguments["mutations"]]
        found = self._batch_get(
            [(pk, "HEAD"), (pk, client_sk)] + [(pk, f"PIECE#{p['id']}") for _, _, p in saves]
        )
        head_item = found.get((pk, "HEAD"))
        seq = int(head_item["head"]["N"]) if head_item else 0
        epoch = head_item["epoch"]["S"] if head_item else "floor"
        client = found.get((pk, client_sk))
        last = int(client["last_mutation_id"]["N"]) if client else 0
        moment = datetime.now(UTC)
        now, micros = moment.isoformat(), _micros(moment)
        millis = micros // 1000
        results, puts = [], []
        for mutation_id, _, piece in saves:
            seq += 1
            data = {name: piece[name] for name in PIECE_FIELDS if piece.get(name) is not None}
            stamp = f"{millis}|{mutation_id}|{arguments['clientId']}"
            item = {  # the shape Tether stores (tether/storage/record_items.py)
                "pk": {"S": pk},
                "sk": {"S": f"PIECE#{piece['id']}"},
                "type": {"S": "record"},
                "seq": {"N": str(seq)},
                "collection": {"S": "piece"},
                "version": {"N": "1"},
                "ct": {"N": str(micros)},
                "ut": {"N": str(micros)},
                "data": {"M": {name: _attribute(value) for name, value in data.items()}},
                "st": {"M": {stamp: {"SS": sorted(data)}}},
            }
            puts.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
            record = {
                "__typename": "Piece",
                "id": piece["id"],
                "version": 1,
                "updatedAt": now,
                "deleted": False,
            }
            record.update({name: data.get(name) for name in PIECE_FIELDS})
            record["tags"] = data.get("tags", [])
            record["favorite"] = bool(data.get("favorite", False))
            record["createdAt"] = now
            results.append(
                {
                    "mutationId": mutation_id,
                    "status": "APPLIED",
                    "code": None,
                    "message": None,
                    "conflictingFields": [],
                    "record": record,
                }
            )
        # Like Tether: each transaction carries the head and the client with at most 98 records.
        start, head_seq = 0, int(head_item["head"]["N"]) if head_item else 0
        client_exists = client is not None
        while start < len(puts):
            chunk = puts[start : start + TRANSACTION_LIMIT - 2]
            new_head = head_seq + len(chunk)
            last_in_chunk = saves[start + len(chunk) - 1][0]
            client_values: dict[str, Any] = {":m": {"N": str(last_in_chunk)}, ":t": {"S": "client"}}
            if client_exists:
                client_values[":old"] = {"N": str(last)}
            actions: list[dict[str, Any]] = [
                *chunk,
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": "HEAD"}},
                        "UpdateExpression": "SET head = :h, epoch = if_not_exists(epoch, :e), #t = :t",
                        "ConditionExpression": "attribute_not_exists(pk) OR head = :old",
                        "ExpressionAttributeNames": {"#t": "type"},
                        "ExpressionAttributeValues": {
                            ":h": {"N": str(new_head)},
                            ":old": {"N": str(head_seq)},
                            ":e": {"S": epoch},
                            ":t": {"S": "head"},
                        },
                    }
                },
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": client_sk}},
                        "UpdateExpression": "SET last_mutation_id = :m, #t = :t",
                        "ConditionExpression": (
                            "last_mutation_id = :old" if client_exists else "attribute_not_exists(pk)"
                        ),
                        "ExpressionAttributeNames": {"#t": "type"},
                        "ExpressionAttributeValues": client_values,
                    }
                },
            ]
            self.dynamodb.transact_write_items(TransactItems=actions)
            start += len(chunk)
            head_seq, last, client_exists = new_head, last_in_chunk, True
        return {"lastMutationId": last, "results": results}

    def _batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            chunk = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys[start : start + BATCH_GET_LIMIT]]
            response = self.dynamodb.batch_get_item(
                RequestItems={self.table: {"Keys": chunk, "ConsistentRead": True}}
            )
            for item in response["Responses"].get(self.table, []):
                found[(item["pk"]["S"], item["sk"]["S"])] = item
        return found


def _add_typenames(answer: dict[str, Any]) -> None:
    """The `__typename`s the manifest's SyncPull and SyncPush select (graphql/persisted-query-manifest.json)."""
    for payload in answer.values():
        for name in LISTS:
            for record in payload.get(name, ()):
                record["__typename"] = "Piece"
        for result in payload.get("results", ()):
            result["__typename"] = "SyncMutationResult"
    if "syncPull" in answer:
        answer["syncPull"]["__typename"] = "SyncPullPayload"
    else:
        answer["syncPush"]["__typename"] = "SyncPushPayload"


def _piece(item: dict[str, Any]) -> dict[str, Any]:
    data = {name: _plain(value) for name, value in item.get("data", {}).get("M", {}).items()}
    return {
        "id": item["sk"]["S"].partition("#")[2],
        "version": int(item["version"]["N"]),
        "updatedAt": _moment(item["ut"]["N"]),
        "deleted": item.get("deleted", {}).get("BOOL", False),
        **{name: data.get(name) for name in PIECE_FIELDS},
        "tags": data.get("tags", []),
        "favorite": bool(data.get("favorite", False)),
        "createdAt": _moment(item["ct"]["N"]) if "ct" in item else None,
    }


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _moment(micros: str) -> str:
    value = int(micros)
    return datetime.fromtimestamp(value // 1_000_000, UTC).replace(microsecond=value % 1_000_000).isoformat()


def _plain(value: dict[str, Any]) -> Any:
    ((kind, content),) = value.items()
    if kind == "N":
        return int(content) if content.lstrip("-").isdigit() else float(content)
    if kind == "L":
        return [_plain(entry) for entry in content]
    if kind == "M":
        return {name: _plain(entry) for name, entry in content.items()}
    if kind == "NULL":
        return None
    return content


def _attribute(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [_attribute(entry) for entry in value]}
    if isinstance(value, dict):
        return {"M": {name: _attribute(entry) for name, entry in value.items()}}
    return {"S": str(value)}
