from typing import Annotated

import strawberry

from resolvers.account.types import (
    AccountErasure,
    Consent,
    DataExport,
    Device,
    RecordConsentInput,
    SignedOutEverywhere,
)
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.scope import managed
from tether.accounts.erasure import CONFIRMATION
from tether.errors import BadUserInput

REFRESH_TOKEN = (
    "The device's Cognito refresh token (the app's own, on sign-out): revoked with Cognito "
    "RevokeToken, so it can never be refreshed again."
)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Record a consent decision (kept with its time and policy version).")
    async def record_consent(self, info: Info, input: RecordConsentInput) -> Consent:
        profile = await managed(info, input.profile_id)
        consent = await offload(
            info.context.services.accounts.consents.record, profile, input.kind, input.granted, input.version
        )
        return Consent.from_core(consent)

    @strawberry.mutation(
        description="Sign a device out for good (a lost phone, or the app's own sign-out): its further "
        "pushes and pulls are FORBIDDEN, and its sign-in (the tokens it holds and refreshes) is "
        "UNAUTHENTICATED (SESSION_REVOKED) for every operation; the user's other devices keep working."
    )
    async def revoke_device(
        self,
        info: Info,
        client_id: strawberry.ID,
        refresh_token: Annotated[str | None, strawberry.argument(description=REFRESH_TOKEN)] = None,
    ) -> Device:
        user = info.context.user
        device = await offload(
            info.context.services.accounts.signout.revoke_device, user, str(client_id), refresh_token
        )
        return Device.from_core(device)

    @strawberry.mutation(
        description="Sign out every device: every token authenticated until now is UNAUTHENTICATED "
        "(SESSION_REVOKED) for every operation, this one's too; signing in again works. In AWS the "
        "Cognito user is signed out globally (no refresh token works any more)."
    )
    async def sign_out_everywhere(self, info: Info) -> SignedOutEverywhere:
        result = await offload(info.context.services.accounts.signout.everywhere, info.context.user)
        return SignedOutEverywhere.from_core(result)

    @strawberry.mutation(
        description="Export everything the user owns as one JSON document; returns a download URL valid 15 minutes."
    )
    async def export_my_data(self, info: Info) -> DataExport:
        user = info.context.user
        export = await offload(info.context.services.accounts.exports.export, user)
        return DataExport.from_core(export)

    @strawberry.mutation(
        description='Erase the account and everything it owns. `confirm` must be "DELETE". Safe to retry; '
        "call again while `complete` is false."
    )
    async def delete_my_account(self, info: Info, confirm: str) -> AccountErasure:
        user = info.context.user
        if confirm != CONFIRMATION:
            raise BadUserInput(f'confirm must be exactly "{CONFIRMATION}"', field="confirm")
        result = await offload(info.context.services.accounts.grace.request, user)
        return AccountErasure.from_core(result)

    @strawberry.mutation(
        description="Stop a pending deletion (deleteMyAccount with a grace period): the account works again."
    )
    async def cancel_account_deletion(self, info: Info) -> bool:
        await offload(info.context.services.accounts.grace.cancel, info.context.user)
        return True
