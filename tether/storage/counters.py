"""Counter items: kept up to date at write time (in a push's transaction), read back by key range."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.expressions.operand import Path, Value

from tether.model.increment import Increment
from tether.storage.base import TetherModel, guard


class CounterItem(TetherModel, discriminator="counter"):
    """`USER#<sub>` / `<name>`: counters kept up to date at write time (e.g. daily statistics).

    Their attributes are named by the collection that maintains them; read them with `counts()`.
    """


def counter_actions(increment: Increment) -> list[Any]:
    """The update of a counter item: add to its counters, set its set-once values if unset."""
    actions: list[Any] = [CounterItem.item_type.set(CounterItem)]
    for name, amount in increment.add.items():
        actions.append(Path(name).add(Value({"N": _decimal_text(amount)})))
    for name, value in increment.set_once.items():
        actions.append(Path(name).set(Path(name) | Value(value)))
    return actions


def _decimal_text(amount: float) -> str:
    return str(int(amount)) if float(amount).is_integer() else repr(float(amount))


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
        data = guard(
            TetherModel._get_connection().query,
            pk,
            range_key_condition=TetherModel.sk.between(start, end),
            consistent_read=True,
            exclusive_start_key=exclusive_start,
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
