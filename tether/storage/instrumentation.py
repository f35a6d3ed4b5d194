"""Count DynamoDB round trips and consumed capacity through botocore event hooks (tests, bench)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tether.storage.base import client


@dataclass
class Calls:
    """What DynamoDB was asked while recording: API calls, HTTP attempts, capacity units."""

    operations: list[str] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (operation, parameters)
    attempts: int = 0
    capacity: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def round_trips(self) -> int:
        """API calls made: what the code decides, the same on any machine. botocore's retries of a
        call that timed out or was throttled are counted apart, in `attempts`."""
        return len(self.operations)

    def count(self, operation: str) -> int:
        return self.operations.count(operation)

    def keys_read(self, operation: str = "BatchGetItem") -> list[tuple[str, str]]:
        """(pk, sk) of every item a BatchGetItem (or GetItem) asked for."""
        keys: list[tuple[str, str]] = []
        for name, params in self.requests:
            if name != operation:
                continue
            if name == "BatchGetItem":
                for table in params["RequestItems"].values():
                    keys += [(key["pk"]["S"], key["sk"]["S"]) for key in table["Keys"]]
            elif name == "GetItem":
                keys.append((params["Key"]["pk"]["S"], params["Key"]["sk"]["S"]))
        return keys

    @property
    def capacity_units(self) -> float:
        return float(sum(self.capacity.values()))


@contextmanager
def record_calls(*, consumed_capacity: bool = False) -> Iterator[Calls]:
    """Record every DynamoDB call made through the shared client inside the block.

    With `consumed_capacity`, each call asks DynamoDB for `ReturnConsumedCapacity: TOTAL`.
    """
    calls = Calls()
    events = client().meta.events

    def before_parameters(params: dict[str, Any], model: Any, **_: Any) -> None:
        with calls._lock:
            calls.requests.append((model.name, dict(params)))
        if consumed_capacity and "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "TOTAL"

    def before_call(model: Any, **_: Any) -> None:
        with calls._lock:
            calls.operations.append(model.name)

    def before_send(**_: Any) -> None:
        with calls._lock:
            calls.attempts += 1

    def after_call(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity")
        if not consumed:
            return
        entries = consumed if isinstance(consumed, list) else [consumed]
        with calls._lock:
            for entry in entries:
                units = float(entry.get("CapacityUnits", 0.0))
                calls.capacity[model.name] = calls.capacity.get(model.name, 0.0) + units

    hooks: list[tuple[str, Callable[..., Any]]] = [
        ("before-parameter-build.dynamodb", before_parameters),
        ("before-call.dynamodb", before_call),
        ("before-send.dynamodb", before_send),
        ("after-call.dynamodb", after_call),
    ]
    with hooked(events, hooks):
        yield calls


@contextmanager
def hooked(events: Any, hooks: Sequence[tuple[str, Callable[..., Any]]]) -> Iterator[None]:
    """The botocore event handlers registered while the block runs, and only then."""
    for name, handler in hooks:
        events.register(name, handler)
    try:
        yield
    finally:
        for name, handler in hooks:
            events.unregister(name, handler)
