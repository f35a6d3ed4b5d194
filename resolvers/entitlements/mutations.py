import strawberry

from resolvers.context import Info
from resolvers.entitlements.records import Entitlement
from resolvers.entitlements.types import (
    AdminGrantEntitlementInput,
    RedeemPurchaseInput,
    RedeemPurchasePayload,
    Store,
)
from resolvers.offload import offload
from tether.catalog.editor import require_admin
from tether.entitlements.model import Source
from tether.errors import BadUserInput


@strawberry.type
class EntitlementsMutation:
    @strawberry.mutation(
        description="Redeem a store purchase: verified by the server (App Store: offline, up to Apple's root; "
        "Play: with the Play Developer API), then its product's entitlements are granted to the account and "
        "synced. Safe to send again (restore purchases). FORBIDDEN when another account redeemed it "
        "(PURCHASE_CLAIMED) or it was refunded (PURCHASE_REVOKED); BAD_USER_INPUT when it is not valid "
        "(INVALID_SIGNATURE, WRONG_APP, WRONG_ENVIRONMENT, PURCHASE_EXPIRED, UNKNOWN_PRODUCT)."
    )
    async def redeem_purchase(self, info: Info, input: RedeemPurchaseInput) -> RedeemPurchasePayload:
        user = info.context.user
        purchases = info.context.services.purchases
        if input.store is Store.APP_STORE:
            if not input.signed_transaction:
                raise BadUserInput("APP_STORE needs signedTransaction", field="input.signedTransaction")
            records = await offload(purchases.redeem_app_store, user.id, input.signed_transaction)
        else:
            if not input.purchase_token or not input.product_id:
                raise BadUserInput("PLAY needs purchaseToken and productId", field="input.purchaseToken")
            records = await offload(purchases.redeem_play, user.id, input.purchase_token, input.product_id)
        return RedeemPurchasePayload(entitlements=[Entitlement.from_record(record) for record in records])

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
