"""Store purchases outside any account's partition: which account a purchase belongs to, and which
store notifications were already applied. The only code that talks to DynamoDB for purchases."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from tether.storage.base import TetherModel, guard

CLAIM = "CLAIM"
NOTIFICATION = "NOTIFICATION"
# Stores retry a notification for a few days at most; a marker older than this is no longer needed.
KEEP_NOTIFICATIONS = timedelta(days=30)


def purchase_key(store: str, ref: str) -> str:
    return f"PURCHASE#{store}#{ref}"


def notification_key(store: str, notification_id: str) -> str:
    return f"STORE_NOTIFICATION#{store}#{notification_id}"


class PurchaseClaim(TetherModel, discriminator="purchase_claim"):
    """`PURCHASE#<store>#<ref>` / `CLAIM`: the account a store purchase (its original transaction,
    or its purchase token's hash) was redeemed by. Written once; a purchase never changes hands."""

    account_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    claimed_at = UTCDateTimeAttribute()


class AppliedNotification(TetherModel, discriminator="store_notification"):
    """`STORE_NOTIFICATION#<store>#<id>` / `NOTIFICATION`: a store notification already applied."""

    kind = UnicodeAttribute()
    applied_at = UTCDateTimeAttribute()


def claim(store: str, ref: str, account_id: str, product_id: str, now: datetime) -> str:
    """Bind the purchase to `account_id` unless another account has it; returns its account."""
    item = PurchaseClaim(
        purchase_key(store, ref), CLAIM, account_id=account_id, product_id=product_id, claimed_at=now
    )
    try:
        guard(
            lambda: item.save(
                condition=PurchaseClaim.pk.does_not_exist() | (PurchaseClaim.account_id == account_id)
            )
        )
        return account_id
    except PutError:
        owner = claimed_by(store, ref)
        return owner if owner is not None else account_id


def claimed_by(store: str, ref: str) -> str | None:
    """The account the purchase was redeemed by, or None (one strongly consistent GetItem)."""
    try:
        item = guard(lambda: PurchaseClaim.get(purchase_key(store, ref), CLAIM, consistent_read=True))
    except DoesNotExist:
        return None
    return str(item.account_id)


def release(store: str, ref: str, account_id: str) -> None:
    """Forget that `account_id` redeemed the purchase (its erasure): another account may redeem it."""
    item = PurchaseClaim(purchase_key(store, ref), CLAIM)
    with contextlib.suppress(DeleteError):  # not this account's (or already gone)
        guard(lambda: item.delete(condition=PurchaseClaim.account_id == account_id))


def was_applied(store: str, notification_id: str) -> bool:
    try:
        guard(
            lambda: AppliedNotification.get(
                notification_key(store, notification_id), NOTIFICATION, consistent_read=True
            )
        )
    except DoesNotExist:
        return False
    return True


def mark_applied(store: str, notification_id: str, kind: str, now: datetime) -> bool:
    """Remember the notification (kept 30 days); False if it was already remembered."""
    item = AppliedNotification(
        notification_key(store, notification_id),
        NOTIFICATION,
        kind=kind,
        applied_at=now,
        expires_at=now + KEEP_NOTIFICATIONS,
    )
    try:
        guard(lambda: item.save(condition=AppliedNotification.pk.does_not_exist()))
    except PutError:
        return False
    return True
