"""Counter items (kept up to date at write time, see `records.CounterItem`), read back by key range."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tether.storage.base import TetherModel
from tether.storage.records import CounterItem, _guard

_COUNTER = TetherModel.item_type.get_discriminator(CounterItem)
# Attributes of the base model that are not counters.
_NOT_COUNTERS = frozenset({"pk", "sk", "type", "seq", "lk", "tk", "expiresAt"})


def counts(pk: str, *, start: str, end: str) -> list[tuple[str, dict[str, int | float]]]:
    """(sort key, {counter: value}) of the counter items with start <= sk <= end, in key order.

    Strongly consistent; one Query per 1 MB of items.
    """
    found: list[tuple[str, dict[str, int | float]]] = []
    exclusive_start: dict[str, Any] | None = None
    while True:
        data = _guard(
            lambda exclusive_start=exclusive_start: TetherModel._get_connection().query(
                pk,
                range_key_condition=TetherModel.sk.between(start, end),
                consistent_read=True,
                exclusive_start_key=exclusive_start,
            )
        )
        for raw in data.get("Items", []):
            if raw.get("type", {}).get("S") != _COUNTER:
                continue
            values = {
                name: _number(value["N"])
                for name, value in raw.items()
                if name not in _NOT_COUNTERS and "N" in value
            }
            found.append((raw["sk"]["S"], values))
        exclusive_start = data.get("LastEvaluatedKey")
        if not exclusive_start:
            return found


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)
