import strawberry

from resolvers.pagination import PageInfo
from resolvers.pieces.records import Piece


@strawberry.type
class PieceConnection:
    nodes: list[Piece]
    page_info: PageInfo
