import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.types import (
    AccessLogConnection,
    AccessLogEntry,
    Profile,
    ProfileMember,
    ProfileOverview,
    ProfileOverviewConnection,
)


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

    @strawberry.field(
        description="For each profile you reach with statistics (a class), by id: last activity, this week's "
        "minutes and the current streak. At most 30 per page."
    )
    async def profiles_overview(
        self, info: Info, time_zone: str, first: int = 30, after: str | None = None
    ) -> ProfileOverviewConnection:
        user = info.context.user
        page = await offload(
            info.context.services.people.overview.page, user.id, first=first, after=after, zone_name=time_zone
        )
        return ProfileOverviewConnection(
            nodes=[ProfileOverview.from_core(summary) for summary in page.summaries],
            end_cursor=page.next_key,
            has_next_page=page.next_key is not None,
        )
