"""The entitlement record and its enums: what a pull needs of the entitlements' types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from datetime import datetime
from typing import ClassVar, Self

import strawberry

from resolvers.context import Info
from resolvers.syncable import Syncable
from tether.entitlements.model import ENTITLEMENTS, Source, Status, status_at
from tether.model.record import Record
from tether.sync.collection import Collection

strawberry.enum(
    Source,
    name="EntitlementSource",
    description="Where an entitlement comes from: a store purchase (APP_STORE, PLAY), an editor (ADMIN) "
    "or a promotion (PROMO).",
)


strawberry.enum(
    Status,
    name="EntitlementStatus",
    description="ACTIVE until expiresAt (for good without one); GRACE while the store retries a failed "
    "renewal (still usable until graceExpiresAt); EXPIRED; REVOKED (refunded or revoked: never usable again).",
)


@strawberry.type(
    description="One grant of a named entitlement (e.g. premium) to the account: a store purchase or an "
    "editor's grant. Synced (server-written: devices pull it), so an offline app knows what it may play: "
    "usable while `status` is ACTIVE or GRACE, which a device can work out from the times and its clock."
)
class Entitlement(Syncable):
    collection: ClassVar[Collection] = ENTITLEMENTS

    name: str | None = strawberry.field(default=None, description="The entitlement, e.g. premium.")
    source: Source | None = None
    product_id: str | None = strawberry.field(default=None, description="The store product that grants it.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When the paid (or granted) period ends; null: never."
    )
    grace_expires_at: datetime | None = strawberry.field(
        default=None, description="While the store retries a failed renewal: usable until then."
    )
    revoked_at: datetime | None = strawberry.field(
        default=None, description="Refunded or revoked (by the store or an editor) at this time."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why it last changed: PURCHASED, RENEWED, REFUND, REVOKED_BY_EDITOR, ..."
    )
    environment: str | None = strawberry.field(
        default=None, description="The store's environment: Production or Sandbox."
    )
    will_renew: bool | None = strawberry.field(default=None, description="The subscription renews itself.")

    @classmethod
    def from_record(cls, record: Record) -> Self:
        def value(name: str) -> object:
            return ENTITLEMENTS.value(record, name)

        source = record.data.get("source")
        return cls(
            id=strawberry.ID(record.id),
            version=record.version,
            updated_at=record.updated_at,  # type: ignore[arg-type]
            deleted=record.deleted,
            name=record.data.get("name"),
            source=Source(source) if source else None,
            product_id=record.data.get("product_id"),
            expires_at=value("expires_at"),  # type: ignore[arg-type]
            grace_expires_at=value("grace_expires_at"),  # type: ignore[arg-type]
            revoked_at=value("revoked_at"),  # type: ignore[arg-type]
            reason=record.data.get("reason"),
            environment=record.data.get("environment"),
            will_renew=record.data.get("will_renew"),
        )

    @strawberry.field(description="As of this response (the server's clock).")
    def status(self, info: Info) -> Status:
        return status_at(
            info.context.services.entitlements.clock(),
            revoked=self.deleted or self.revoked_at is not None,
            expires_at=self.expires_at,
            grace_expires_at=self.grace_expires_at,
        )
