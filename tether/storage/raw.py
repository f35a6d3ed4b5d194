"""Query responses kept as DynamoDB JSON: a large page without the cost of botocore's parser."""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tether.storage.base import client

_active = threading.local()
_hooked: weakref.WeakSet[Any] = weakref.WeakSet()


@contextmanager
def raw_query_items() -> Iterator[None]:
    """While active, this thread's Query responses keep `Items` and `LastEvaluatedKey` as DynamoDB
    sent them (`{"S": ...}` / `{"N": ...}` / `{"M": ...}` attribute values).

    botocore's parser walks every attribute of every item through the service model in Python:
    most of the CPU of a large pull, a catalog load or an export. json.loads gives the same
    structure (our items store no binary values, the only type botocore would decode further).
    Errors and every other field are parsed by botocore as usual.
    """
    dynamodb = client()
    if dynamodb not in _hooked:
        dynamodb.meta.events.register("before-parse.dynamodb.Query", _keep_raw)
        _hooked.add(dynamodb)
    _active.on = True
    try:
        yield
    finally:
        _active.on = False


def _keep_raw(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    if not getattr(_active, "on", False) or response_dict.get("status_code") != 200:
        return
    body = json.loads(response_dict["body"])
    for name in ("Items", "LastEvaluatedKey"):
        if name in body:
            customized_response_dict[name] = body.pop(name)
    response_dict["body"] = json.dumps(body).encode()
