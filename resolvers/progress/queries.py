import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.pagination import decode_after, one_of, page_of
from resolvers.people.scope import ProfileId, readable
from resolvers.progress.records import Progress
from resolvers.progress.types import DateRangeInput, ProgressConnection, ProgressStats
from tether import progress, statistics
from tether.people.roles import Area


@strawberry.type
class ProgressQuery:
    @strawberry.field(description="The user's progress on a track, or null if they never played it.")
    async def progress(
        self, info: Info, track_id: strawberry.ID, profile_id: ProfileId = None
    ) -> Progress | None:
        profile = await readable(info, profile_id, Area.PROGRESS, "progress")
        return await one_of(Progress.from_record, progress.get, profile, str(track_id))

    @strawberry.field(
        description="The user's progress records, most recently played first; optionally only the "
        "completed (or not completed) ones."
    )
    async def progress_list(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        completed: bool | None = None,
        profile_id: ProfileId = None,
    ) -> ProgressConnection:
        profile = await readable(info, profile_id, Area.PROGRESS, "progressList")
        return await page_of(
            ProgressConnection,
            Progress.from_record,
            progress.page,
            profile,
            first=first,
            after=decode_after(after),
            completed=completed,
        )

    @strawberry.field(
        description="Listening and practice totals, streaks and a per-day series for the local days of "
        "`range` in `timeZone` (an IANA name such as Europe/Berlin)."
    )
    async def progress_stats(
        self, info: Info, range: DateRangeInput, time_zone: str, profile_id: ProfileId = None
    ) -> ProgressStats:
        profile = await readable(info, profile_id, Area.STATISTICS, "progressStats")
        services = info.context.services
        stats = await offload(
            statistics.progress_stats, profile, range.from_, range.to, time_zone, services.clock()
        )
        return ProgressStats.of(stats)
