"""The account's gate item: `USER#<id>` / `SIGNINS`, one small item per account.

It holds the revoked sign-ins (a device's `origin_jti`, with when it was revoked), the time of the
last `signOutEverywhere`, and the deletion lock while the account waits to be erased (`due_at`,
`username`: tether/storage/deletions.py writes them). Push and pull read it in their first
BatchGetItem (one key, one read unit); every other operation through a short per-container cache
(tether/accounts/gate.py). The two parts are written by updates of their own attributes, each
conditioned on its own state, so neither overwrites the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from tether.storage.audit import Operation
from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.keys import user_key

SIGNINS = "SIGNINS"


class RevokedSignIn(MapAttribute[str, Any]):
    origin = UnicodeAttribute()
    revoked_at = NumberAttribute()  # epoch seconds


class SignInsItem(TetherModel, discriminator="signins"):
    signed_out_at = NumberAttribute(null=True)  # epoch seconds: tokens authenticated up to then are refused
    revoked = ListAttribute(of=RevokedSignIn, default=list)
    version = NumberAttribute(default=0)  # of the sign-ins part (the deletion lock has its own condition)
    # The deletion lock (tether/storage/deletions.py): when the account is erased, and its Cognito name.
    due_at = UTCDateTimeAttribute(null=True)
    username = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class SignIns:
    """What an account refuses: these sign-ins (origin_jti → revoked at), and every token
    authenticated at or before `signed_out_at` (epoch seconds)."""

    signed_out_at: int | None = None
    revoked: Mapping[str, int] = field(default_factory=dict)
    version: int = 0  # 0: no item yet


def key(user_id: str) -> tuple[str, str]:
    return user_key(user_id), SIGNINS


def from_items(items: Iterable[TetherModel], user_id: str) -> SignIns:
    """The account's state among items a batch read (nothing refused when its item is absent)."""
    wanted = key(user_id)
    for item in items:
        if isinstance(item, SignInsItem) and (item.pk, item.sk) == wanted:
            return SignIns(
                int(item.signed_out_at) if item.signed_out_at is not None else None,
                {entry.origin: int(entry.revoked_at) for entry in item.revoked or []},
                int(item.version or 0),
            )
    return SignIns()


def read_items(keys: Sequence[tuple[str, str]]) -> list[TetherModel]:
    """These items of the table, strongly consistent: one GetItem for one key, else one BatchGetItem."""
    if len(keys) == 1:
        pk, sk = keys[0]
        try:
            return [guard(lambda: TetherModel.get(pk, sk, consistent_read=True))]
        except TetherModel.DoesNotExist:
            return []
    return guard(batch_get, keys)


def save(user_id: str, previous: SignIns, new: SignIns) -> Operation:
    """Write `new` in a transaction, if the sign-ins are still as `previous` was read (else
    StaleRead). An update of the sign-ins' attributes only: a deletion lock on the item stays."""
    pk, sk = key(user_id)
    revoked = [RevokedSignIn(origin=origin, revoked_at=at) for origin, at in new.revoked.items()]
    actions: list[Action] = [
        SignInsItem.item_type.set(SignInsItem),  # an update does not write it itself
        SignInsItem.revoked.set(revoked),
        SignInsItem.version.set(previous.version + 1),
        SignInsItem.signed_out_at.set(new.signed_out_at)
        if new.signed_out_at is not None
        else SignInsItem.signed_out_at.remove(),
    ]
    condition = (
        SignInsItem.version.does_not_exist()
        if previous.version == 0
        else SignInsItem.version == previous.version
    )

    def add(transaction: TransactWrite) -> None:
        transaction.update(SignInsItem(pk=pk, sk=sk), actions=actions, condition=condition)

    return add
