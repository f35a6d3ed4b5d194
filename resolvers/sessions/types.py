import strawberry

from resolvers.pagination import PageInfo
from resolvers.sessions.records import PracticeSession


@strawberry.type
class PracticeSessionConnection:
    nodes: list[PracticeSession]
    page_info: PageInfo
