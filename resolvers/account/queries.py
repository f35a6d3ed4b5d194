import strawberry

from resolvers.account.types import Consent, Device, User
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.scope import ManagedProfileId, managed


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="The signed-in user, with their profile and preferences. UNAUTHENTICATED without a valid token."
    )
    async def me(self, info: Info) -> User:
        user = info.context.user
        profile = await offload(info.context.services.accounts.profiles.seen, user.id)
        return User.from_core(user, profile)

    @strawberry.field(
        description="The user's devices (every clientId that pushed or pulled), revoked ones too."
    )
    async def devices(self, info: Info) -> list[Device]:
        user = info.context.user
        found = await offload(info.context.services.accounts.devices.list, user.id)
        return [Device.from_core(device) for device in found]

    @strawberry.field(
        description="The user's consents: the latest decision of each kind, or with `history` every decision, newest first."
    )
    async def consents(
        self, info: Info, kind: str | None = None, history: bool = False, profile_id: ManagedProfileId = None
    ) -> list[Consent]:
        profile = await managed(info, profile_id)
        consents = info.context.services.accounts.consents
        found = await offload(consents.history if history else consents.current, profile, kind)
        return [Consent.from_core(consent) for consent in found]
