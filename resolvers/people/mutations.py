import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.types import (
    CreateInviteInput,
    CreateProfileInput,
    Profile,
    ProfileErasure,
    ProfileInvite,
    ProfileMember,
    SetPermissionsInput,
    to_areas,
)
from tether.people.roles import Role


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(
        description="Create a managed profile (a learner without a sign-in); you are its OWNER."
    )
    async def create_profile(self, info: Info, input: CreateProfileInput) -> Profile:
        user = info.context.user
        view = await offload(
            info.context.services.people.directory.create_profile, user.id, input.name, user.name
        )
        return Profile.from_core(view)

    @strawberry.mutation(description="A one-time invite code for a role on a profile (OWNER and GUARDIAN).")
    async def create_invite(self, info: Info, input: CreateInviteInput) -> ProfileInvite:
        user = info.context.user
        invite = await offload(
            info.context.services.people.directory.create_invite,
            user.id,
            str(input.profile_id),
            Role(input.role.value),
            input.expires_in_hours,
            to_areas(input.read),
            to_areas(input.write),
        )
        return ProfileInvite.from_core(invite)

    @strawberry.mutation(
        description="Hand a managed profile over: an OWNER invite; whoever accepts it becomes the OWNER "
        "and you stay a GUARDIAN until you leave."
    )
    async def transfer_profile(
        self, info: Info, profile_id: strawberry.ID, expires_in_hours: int = 72
    ) -> ProfileInvite:
        user = info.context.user
        invite = await offload(
            info.context.services.people.directory.create_invite,
            user.id,
            str(profile_id),
            Role.OWNER,
            expires_in_hours,
        )
        return ProfileInvite.from_core(invite)

    @strawberry.mutation(
        description="Join a profile with an invite code (once; before it expires). 10 wrong codes an hour: RATE_LIMITED."
    )
    async def accept_invite(self, info: Info, code: str) -> Profile:
        user = info.context.user
        view = await offload(info.context.services.people.directory.accept_invite, user.id, code, user.name)
        return Profile.from_core(view)

    @strawberry.mutation(
        description="Narrow (or restore) a member's permissions within its role; its devices start their sync over."
    )
    async def set_permissions(self, info: Info, input: SetPermissionsInput) -> ProfileMember:
        user = info.context.user
        member = await offload(
            info.context.services.people.directory.set_permissions,
            user.id,
            str(input.profile_id),
            str(input.account_id),
            to_areas(input.read),
            to_areas(input.write),
        )
        return ProfileMember.from_core(member)

    @strawberry.mutation(
        description="End a member's access (OWNER and GUARDIAN). Its next sync is ACCESS_REVOKED."
    )
    async def revoke_access(self, info: Info, profile_id: strawberry.ID, account_id: strawberry.ID) -> bool:
        user = info.context.user
        return await offload(
            info.context.services.people.directory.revoke, user.id, str(profile_id), str(account_id)
        )

    @strawberry.mutation(description="Give up your access to a profile you do not own.")
    async def leave_profile(self, info: Info, profile_id: strawberry.ID) -> bool:
        user = info.context.user
        return await offload(info.context.services.people.directory.leave, user.id, str(profile_id))

    @strawberry.mutation(
        description='Erase a managed profile completely (its OWNER only). `confirm` must be "DELETE". '
        "Its members' next sync is ACCESS_REVOKED. Call again while `complete` is false."
    )
    async def delete_profile(self, info: Info, profile_id: strawberry.ID, confirm: str) -> ProfileErasure:
        user = info.context.user
        result = await offload(
            info.context.services.people.estate.delete_profile, user.id, str(profile_id), confirm
        )
        return ProfileErasure(
            complete=result.complete,
            items_deleted=result.items_deleted,
            objects_deleted=result.objects_deleted,
        )
