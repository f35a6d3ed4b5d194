"""A whole partition (everything one user owns), read or deleted page by page, whatever its items are.

Export and erasure walk the partition generically, so an item type added by any domain is covered
without code of its own here.
"""

from __future__ import annotations

import base64
import random
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tether.errors import Throttled
from tether.model.deadline import Deadline
from tether.storage.base import TetherModel, client, guard
from tether.storage.raw import raw_query_items

BATCH_WRITE_LIMIT = 25
DELETE_PAGE = 1000  # keys read per Query while erasing: the time budget is checked between pages
DELETE_WORKERS = 8
UNPROCESSED_ATTEMPTS = 8

RawItem = dict[str, Any]  # DynamoDB JSON, as the low-level client returns it


def _table() -> str:
    return str(TetherModel.Meta.table_name)


def pages(pk: str) -> Iterator[list[RawItem]]:
    """Every item of the partition in sort-key order: one strongly consistent Query per 1 MB page.

    The next page is fetched in the background while the caller works on the current one. The
    items come as DynamoDB JSON straight from the response body: botocore's own parsing of a 1 MB
    page (a Python walk over every attribute) costs several times the JSON decoding, and a large
    export would spend most of its time limit there.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="page") as prefetch:
        pending = prefetch.submit(_page, pk, None)
        while True:
            items, start = pending.result()
            if start:
                pending = prefetch.submit(_page, pk, start)
            yield items
            if not start:
                return


def _page(pk: str, start: dict[str, Any] | None) -> tuple[list[RawItem], dict[str, Any] | None]:
    params: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    if start:
        params["ExclusiveStartKey"] = start
    with raw_query_items():
        data = guard(lambda: client().query(**params))
    return list(data.get("Items", [])), data.get("LastEvaluatedKey")


def count(pk: str, index: str | None = None) -> int:
    """How many items the partition (or one of its local indexes) holds."""
    total, start = 0, None
    while True:
        params: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "Select": "COUNT",
            "ConsistentRead": True,
        }
        if index:
            params["IndexName"] = index
        if start:
            params["ExclusiveStartKey"] = start
        data = guard(client().query, **params)
        total += int(data.get("Count", 0))
        start = data.get("LastEvaluatedKey")
        if not start:
            return total


def model(raw: RawItem) -> TetherModel | None:
    """The item as its PynamoDB model, or None for a type no loaded model declares."""
    try:
        return TetherModel.from_raw_data(raw)
    except (ValueError, AttributeError, KeyError):
        return None


def plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every attribute of the item as plain JSON-ready values (numbers as int or float)."""
    return {name: value(attribute) for name, attribute in raw.items()}


def value(attribute: Mapping[str, Any]) -> Any:
    """One DynamoDB-JSON attribute value as a plain one (fast: exports convert every attribute)."""
    for tag, content in attribute.items():
        if tag == "S" or tag == "BOOL":
            return content
        if tag == "N":
            return _number(content)
        if tag == "M":
            return {name: value(item) for name, item in content.items()}
        if tag == "L":
            return [value(item) for item in content]
        if tag == "NULL":
            return None
        if tag == "SS":
            return sorted(content)
        if tag == "NS":
            return sorted(_number(item) for item in content)
        if tag == "B":
            return _binary(content)
        if tag == "BS":
            return sorted(_binary(item) for item in content)
    raise ValueError(f"not a DynamoDB attribute value: {attribute!r}")


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _binary(content: bytes | str) -> str:
    """Binary values as base64 text (the low-level client gives bytes, raw JSON gives base64)."""
    return base64.b64encode(content).decode() if isinstance(content, bytes) else content


def delete_all(
    pk: str,
    *,
    deadline: Deadline,
    workers: int = DELETE_WORKERS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, bool]:
    """Delete every item of the partition (their index entries go with them), in parallel batches.

    Reads a page of keys, deletes it, and reads again from the start until nothing is left, so
    items written meanwhile are caught too. Stops between pages once `deadline` has passed. Returns (items deleted, whether the partition is now empty).
    """
    deleted = 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="erase") as pool:
        while True:
            if deadline.passed():
                return deleted, False
            data = guard(
                lambda: client().query(
                    TableName=_table(),
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": {"S": pk}},
                    ProjectionExpression="pk, sk",
                    ConsistentRead=True,
                    Limit=DELETE_PAGE,
                )
            )
            keys = [{"pk": item["pk"], "sk": item["sk"]} for item in data.get("Items", [])]
            if not keys:
                return deleted, True
            batches = [keys[i : i + BATCH_WRITE_LIMIT] for i in range(0, len(keys), BATCH_WRITE_LIMIT)]
            for done in pool.map(lambda batch: _delete_batch(batch, sleep), batches):
                deleted += done


def _delete_batch(keys: list[dict[str, Any]], sleep: Callable[[float], None]) -> int:
    """One BatchWriteItem of deletes, sending again what DynamoDB left unprocessed (with backoff)."""
    requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys]
    for attempt in range(UNPROCESSED_ATTEMPTS):
        response = guard(client().batch_write_item, RequestItems={_table(): requests})
        requests = list(response.get("UnprocessedItems", {}).get(_table(), []))
        if not requests:
            return len(keys)
        sleep(min(1.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise Throttled()
