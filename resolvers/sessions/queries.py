import strawberry

from resolvers.context import Info
from resolvers.pagination import decode_after, one_of, page_info, page_of
from resolvers.people.scope import ProfileId, readable
from resolvers.sessions.records import PracticeSession
from resolvers.sessions.types import PracticeSessionConnection
from tether.people.roles import Area
from tether.sessions import SESSIONS
from tether.sync import reads
from tether.sync.fields import is_record_id


@strawberry.type
class SessionsQuery:
    @strawberry.field(
        description="The user's practice sessions, newest start first; optionally of one piece."
    )
    async def sessions(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        piece_id: strawberry.ID | None = None,
        profile_id: ProfileId = None,
    ) -> PracticeSessionConnection:
        profile = await readable(info, profile_id, Area.SESSIONS, "sessions")
        if piece_id is not None:
            if not is_record_id(str(piece_id)):
                return PracticeSessionConnection(nodes=[], page_info=page_info(None))
            index, prefix = "byLookup", f"SESSION#{piece_id}#"
        else:
            index, prefix = "byTime", "SESSION#"
        return await page_of(
            PracticeSessionConnection,
            PracticeSession.from_record,
            reads.page,
            profile,
            SESSIONS,
            first=first,
            after=decode_after(after),
            index=index,
            prefix=prefix,
            descending=True,
        )

    @strawberry.field(description="One practice session, or null if it doesn't exist (or was deleted).")
    async def session(
        self, info: Info, id: strawberry.ID, profile_id: ProfileId = None
    ) -> PracticeSession | None:
        profile = await readable(info, profile_id, Area.SESSIONS, "session")
        return await one_of(PracticeSession.from_record, reads.get, profile, SESSIONS, str(id))
