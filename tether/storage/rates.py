"""Request counters of the per-account rate limits: one item per (account, operation class, hour)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute

from tether.storage.base import TetherModel, guard


class RateCountItem(TetherModel, discriminator="rate_count"):
    """`USER#<id>` (or `ANON#<address>`) / `RATE#<class>#<hour>`: requests counted in that hour."""

    total = NumberAttribute(null=True)


def rate_key(operation_class: str, window: int) -> str:
    return f"RATE#{operation_class}#{window}"


def add(pk: str, operation_class: str, window: int, amount: int, expires_at: datetime) -> int:
    """Add `amount` to the hour's counter (one UpdateItem, 1 WCU) and return the total of every container."""
    item = RateCountItem(pk=pk, sk=rate_key(operation_class, window))
    guard(
        lambda: item.update(
            actions=[
                RateCountItem.item_type.set(RateCountItem),
                RateCountItem.total.add(amount),
                RateCountItem.expires_at.set(expires_at),
            ],
            add_version_condition=False,
        )
    )
    return int(item.total or 0)
