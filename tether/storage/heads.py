"""A partition's head item (its change counter), and reading heads alone (what a waiting pull polls)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import UpdateError

from tether.model.head import Head
from tether.storage.base import TetherModel, batch_get, guard
from tether.storage.keys import HEAD
from tether.storage.raw import raw_map, raw_time


class UserHead(TetherModel, discriminator="head"):
    """`USER#<sub>` / `HEAD`: the last sequence number given to a change of this user's records."""

    head = NumberAttribute(default=0)
    epoch = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    poll_fast_until = UTCDateTimeAttribute(null=True)  # Head.poll_fast_until
    # The partition's open WebSocket connections (tether/storage/sockets.py): on the head, which
    # every push reads anyway, so a push finds whom to poke without a key of its own in its read.
    conns = MapAttribute[str, Any](null=True)
    # Each client's exactly-once position (client id -> its last mutation id): on the head, which
    # every push writes anyway, so a push's bookkeeping is one item, not two (docs/cost.md). A
    # client without an entry here (written before positions moved) has it on its client item.
    positions = MapAttribute[str, Any](attr_name="cl", null=True)
    # The partition's revoked client ids (also marked on their client items): a push that does not
    # read the client item (a large one) still refuses a revoked device.
    revoked_clients = UnicodeSetAttribute(attr_name="rv", null=True)
    # The partition's records waiting for a server write (PENDING chat replies: record id -> the
    # feed number it was first stored waiting with), on the head, which the transactions writing them write anyway: no `byTime`
    # entry to put and delete (Head.pending). `pdv` set: every waiting record is here.
    pending = MapAttribute[str, Any](attr_name="pd", null=True)
    all_pending = NumberAttribute(attr_name="pdv", null=True)


def to_head(item: TetherModel | None) -> Head:
    """The Head of a head item; Head(0, None) for a partition that has none yet."""
    if not isinstance(item, UserHead):
        return Head(0, None)
    # A head that a connection created before the partition's first change has no number yet.
    pending = item.pending.as_dict() if item.pending is not None else None
    return Head(
        int(item.head or 0),
        item.epoch,
        item.poll_fast_until,
        pending={key: int(value) for key, value in pending.items()} if pending is not None else None,
        all_pending=item.all_pending is not None,
    )


def positions_of(item: TetherModel | None) -> dict[str, int] | None:
    """The client positions a head item holds (None: it has no position map yet)."""
    if not isinstance(item, UserHead) or item.positions is None:
        return None
    return {client_id: int(value) for client_id, value in item.positions.as_dict().items()}


def revoked_on(item: TetherModel | None) -> set[str]:
    """The client ids a head item marks as revoked."""
    if not isinstance(item, UserHead) or not item.revoked_clients:
        return set()
    return set(item.revoked_clients)


def raw_head(raw: Mapping[str, Any] | None) -> Head:
    """`to_head` of a head item as DynamoDB JSON (tether/storage/raw.py), without the model."""
    if not _is_head(raw):
        return Head(0, None)
    number = raw.get("head", {}).get("N")
    epoch = raw.get("epoch", {}).get("S")
    pending = raw_map(raw["pd"]) if "M" in raw.get("pd", {}) else None
    return Head(
        int(number) if number is not None else 0,
        epoch,
        raw_time(raw.get("poll_fast_until")),
        pending={key: int(value) for key, value in pending.items()} if pending is not None else None,
        all_pending="pdv" in raw,
    )


def raw_positions(raw: Mapping[str, Any] | None) -> dict[str, int] | None:
    """`positions_of` a head item as DynamoDB JSON."""
    if not _is_head(raw) or "M" not in raw.get("cl", {}):
        return None
    return {client_id: int(value) for client_id, value in raw_map(raw["cl"]).items()}


def raw_revoked(raw: Mapping[str, Any] | None) -> set[str]:
    """`revoked_on` a head item as DynamoDB JSON."""
    if not _is_head(raw):
        return set()
    return set(raw.get("rv", {}).get("SS") or ())


def _is_head(raw: Mapping[str, Any] | None) -> TypeGuard[Mapping[str, Any]]:
    return raw is not None and raw.get("type", {}).get("S") == "head"


def read_head(pk: str) -> Head:
    """Only the head (one strongly consistent GetItem): what a waiting pull polls."""
    try:
        item = guard(lambda: UserHead.get(pk, HEAD, consistent_read=True))
    except UserHead.DoesNotExist:
        return Head(0, None)
    return to_head(item)


def all_pending_found(pk: str, head: Head) -> bool:
    """A sweep found no waiting record outside the head: say so on it (Head.all_pending), unless
    the partition changed since it read the head (a write may have put one in `byTime` meanwhile)."""
    if head.epoch is None:
        return False
    try:
        guard(
            lambda: UserHead(pk=pk, sk=HEAD).update(
                actions=[UserHead.all_pending.set(1)],
                condition=(UserHead.head == head.seq) & (UserHead.epoch == head.epoch),
            )
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def read_heads(pks: Sequence[str]) -> dict[str, Head]:
    """The heads of several partitions in ONE round trip (a GetItem for one, else a BatchGetItem)."""
    if len(pks) == 1:
        return {pks[0]: read_head(pks[0])}
    keys = [(pk, HEAD) for pk in dict.fromkeys(pks)]
    found = {item.pk: to_head(item) for item in guard(batch_get, keys)}
    return {pk: found.get(pk, Head(0, None)) for pk in pks}
