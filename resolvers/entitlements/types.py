from datetime import datetime
from enum import Enum

import strawberry

from resolvers.entitlements.records import Entitlement


@strawberry.enum(description="The store a purchase was made in.")
class Store(Enum):
    APP_STORE = "APP_STORE"
    PLAY = "PLAY"


@strawberry.input(
    description="A store purchase to redeem. APP_STORE: `signedTransaction` (StoreKit 2's "
    "Transaction.jwsRepresentation). PLAY: `purchaseToken` and `productId` from the Play Billing Library."
)
class RedeemPurchaseInput:
    store: Store
    signed_transaction: str | None = strawberry.field(default=None, description="APP_STORE: the JWS.")
    purchase_token: str | None = strawberry.field(default=None, description="PLAY: the purchase token.")
    product_id: str | None = strawberry.field(
        default=None, description="PLAY: the subscription's product id."
    )


@strawberry.type(description="What a redeemed purchase grants the account.")
class RedeemPurchasePayload:
    entitlements: list[Entitlement]


@strawberry.enum(description="The sources an editor may grant.")
class GrantSource(Enum):
    ADMIN = "ADMIN"
    PROMO = "PROMO"


@strawberry.input(description="An editor's grant of an entitlement to an account.")
class AdminGrantEntitlementInput:
    user_id: strawberry.ID = strawberry.field(description="The account (the user's id, `me.id`).")
    entitlement: str = strawberry.field(description="An entitlement the plans file declares, e.g. premium.")
    expires_at: datetime | None = strawberry.field(default=None, description="Null: for good.")
    source: GrantSource = GrantSource.ADMIN
