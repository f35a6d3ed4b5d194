from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.entitlements.types import AdminGrantEntitlementInput, Entitlement
from resolvers.offload import offload
from tether.catalog.editor import require_admin
from tether.entitlements.model import Source


@strawberry.type
class EntitlementsMutation:
    @strawberry.mutation(
        description="Editors only: grant an entitlement to an account (until `expiresAt`, or for good); "
        "audited, and synced to the account's devices."
    )
    async def admin_grant_entitlement(self, info: Info, input: AdminGrantEntitlementInput) -> Entitlement:
        user = info.context.user
        require_admin(user)
        record = await offload(
            info.context.services.entitlements.grant,
            user.id,
            str(input.user_id),
            input.entitlement,
            expires_at=input.expires_at,
            source=Source(input.source.value),
        )
        return Entitlement.from_record(record)

    @strawberry.mutation(
        description="Editors only: revoke every grant of an entitlement the account holds (store purchases "
        "too; a later store renewal grants it again). Audited. Returns the revoked grants."
    )
    async def admin_revoke_entitlement(
        self, info: Info, user_id: strawberry.ID, entitlement: str
    ) -> list[Entitlement]:
        user = info.context.user
        require_admin(user)
        records = await offload(info.context.services.entitlements.revoke, user.id, str(user_id), entitlement)
        return [Entitlement.from_record(record) for record in records]
