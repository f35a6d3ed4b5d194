import strawberry

from resolvers.bookmarks.records import Bookmark
from resolvers.pagination import PageInfo


@strawberry.type
class BookmarkConnection:
    nodes: list[Bookmark]
    page_info: PageInfo
