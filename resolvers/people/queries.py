from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.types import AccessLogConnection, AccessLogEntry, Profile, ProfileMember


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="Every profile you can reach (your own first), with your role and permissions."
    )
    async def profiles(self, info: Info) -> list[Profile]:
        user = info.context.user
        found = await offload(info.context.services.people.directory.profiles, user.id)
        return [Profile.from_core(view) for view in found]

    @strawberry.field(description="Who can reach a profile (OWNER and GUARDIAN only).")
    async def members(self, info: Info, profile_id: strawberry.ID) -> list[ProfileMember]:
        user = info.context.user
        found = await offload(info.context.services.people.directory.members, user.id, str(profile_id))
        return [ProfileMember.from_core(member) for member in found]

    @strawberry.field(
        description="Reads and writes of a profile's data by anyone but its OWNER, newest first (OWNER and GUARDIAN only)."
    )
    async def access_log(
        self, info: Info, profile_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> AccessLogConnection:
        user = info.context.user
        page = await offload(
            info.context.services.people.access_log.page, user.id, str(profile_id), first=first, after=after
        )
        return AccessLogConnection(
            nodes=[AccessLogEntry.from_core(entry) for entry in page.entries],
            end_cursor=page.next_key,
            has_next_page=page.next_key is not None,
        )
