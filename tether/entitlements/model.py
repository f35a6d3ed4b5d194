"""Entitlements as synced records in the account's partition (server-written; devices only pull them).

One record per (entitlement, source, purchase): `premium:APP_STORE:<originalTransactionId>`,
`premium:ADMIN:grant`. Its status follows from its times and an injected clock, the same rule on the
server and (from the synced fields) on a device that is offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from tether.errors import BadUserInput
from tether.model.record import Record
from tether.sync.collection import APPLIED, Change, Collection, Operation, Outcome
from tether.sync.fields import Boolean, CatalogId, Field, LimitExceeded, Text, Timestamp, parse_time

NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")


class InvalidSignedData(BadUserInput):
    """A store's signed data (an App Store JWS) that is not the store's, not for this app or not for
    an accepted environment. (Here, not beside the verifier, so catching it loads no store library.)"""


class Source(Enum):
    APP_STORE = "APP_STORE"
    PLAY = "PLAY"
    ADMIN = "ADMIN"
    PROMO = "PROMO"


class Status(Enum):
    ACTIVE = "ACTIVE"  # paid up (or granted) until expiresAt, or for good without one
    GRACE = "GRACE"  # the store could not renew it and keeps trying: still usable until graceExpiresAt
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"  # refunded, revoked by the store or by an editor: never usable again

    @property
    def usable(self) -> bool:
        return self in (Status.ACTIVE, Status.GRACE)


def check_name(value: Any, where: str) -> str:
    """An entitlement's name: 1-40 of a-z 0-9 _ . -, starting with a letter (e.g. `premium`)."""
    if not isinstance(value, str) or not NAME.match(value):
        raise LimitExceeded(
            f"{where} must be an entitlement name: 1-40 of a-z 0-9 _ . -, starting with a letter "
            f"(e.g. premium), not {str(value)[:50]!r}",
            field=where,
        )
    return value


@dataclass(frozen=True)
class EntitlementName(Field):
    def check(self, value: Any, where: str) -> str:
        return check_name(value, where)


@dataclass(frozen=True)
class SourceField(Field):
    def check(self, value: Any, where: str) -> str:
        if value not in {source.value for source in Source}:
            raise LimitExceeded(f"{where} must be one of {', '.join(s.value for s in Source)}", field=where)
        return str(value)


class ApplyState(Operation):
    """The state of a grant as the store (or an editor) last described it: fields are replaced as a
    whole, and a state older than the stored one (its `event_at`) changes nothing. Store
    notifications arrive in any order and any number of times: the latest event wins, exactly once."""

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        checked = collection.check_fields(payload, where)
        if checked.get("event_at") is None:
            raise LimitExceeded(f"{where}.event_at is required", field=f"{where}.event_at")
        return checked

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        fields = {name: value for name, value in payload.items() if name != "id" and value is not None}
        if record is not None and record.exists and not record.deleted:
            stored = record.data.get("event_at")
            if stored is not None and parse_time(stored) > parse_time(fields["event_at"]):
                return Outcome(APPLIED, record, changed=False)  # an older state arriving late
            if record.data == fields:
                return Outcome(APPLIED, record, changed=False)
        else:
            record = Record(collection=collection.name, id=str(payload["id"]), created_at=change.now)
        record.deleted = False
        record.data = dict(fields)
        record.stamps = {name: change.stamp for name in fields}
        return Outcome(APPLIED, record, changed=True)


ENTITLEMENTS = Collection(
    name="entitlement",
    key_prefix="ENTITLEMENT",
    fields={
        "name": EntitlementName(required=True),
        "source": SourceField(required=True),
        "product_id": Text(max_length=200),
        "expires_at": Timestamp(),
        "grace_expires_at": Timestamp(),
        "revoked_at": Timestamp(),
        "reason": Text(max_length=60),
        "environment": Text(max_length=20),
        "will_renew": Boolean(),
        "event_at": Timestamp(),
    },
    operations={"apply": ApplyState()},
    id_field=CatalogId(),
)


def record_id(name: str, source: Source, ref: str) -> str:
    return f"{name}:{source.value}:{ref}"


def status(record: Record, now: datetime) -> Status:
    """ACTIVE until `expires_at` (for good without one), then GRACE until `grace_expires_at`, then
    EXPIRED; REVOKED once `revoked_at` is set, whatever the times say."""
    if record.deleted:
        return Status.REVOKED
    return status_at(
        now,
        revoked=bool(record.data.get("revoked_at")),
        expires_at=ENTITLEMENTS.value(record, "expires_at"),
        grace_expires_at=ENTITLEMENTS.value(record, "grace_expires_at"),
    )


def status_at(
    now: datetime, *, revoked: bool, expires_at: datetime | None, grace_expires_at: datetime | None
) -> Status:
    if revoked:
        return Status.REVOKED
    if expires_at is None or now < expires_at:
        return Status.ACTIVE
    if grace_expires_at is not None and now < grace_expires_at:
        return Status.GRACE
    return Status.EXPIRED
