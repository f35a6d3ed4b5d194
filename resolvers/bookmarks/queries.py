import strawberry

from resolvers.bookmarks.records import Bookmark
from resolvers.bookmarks.types import BookmarkConnection
from resolvers.context import Info
from resolvers.pagination import decode_after, page_of
from resolvers.people.scope import ProfileId, readable
from tether import bookmarks
from tether.people.roles import Area


@strawberry.type
class BookmarksQuery:
    @strawberry.field(description="A track's bookmarks (not deleted), by position.")
    async def bookmarks(
        self,
        info: Info,
        track_id: strawberry.ID,
        first: int = 100,
        after: str | None = None,
        profile_id: ProfileId = None,
    ) -> BookmarkConnection:
        profile = await readable(info, profile_id, Area.BOOKMARKS, "bookmarks")
        return await page_of(
            BookmarkConnection,
            Bookmark.from_record,
            bookmarks.of_track,
            profile,
            str(track_id),
            first=first,
            after=decode_after(after),
        )
