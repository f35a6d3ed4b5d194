import strawberry

from resolvers.context import Info
from resolvers.pagination import decode_after, one_of, page_of
from resolvers.people.scope import ProfileId, readable
from resolvers.pieces.records import Piece
from resolvers.pieces.types import PieceConnection
from tether.people.roles import Area
from tether.pieces import PIECES
from tether.sync import reads


@strawberry.type
class PiecesQuery:
    @strawberry.field(description="The user's pieces (not deleted), by id.")
    async def pieces(
        self, info: Info, first: int = 20, after: str | None = None, profile_id: ProfileId = None
    ) -> PieceConnection:
        profile = await readable(info, profile_id, Area.PIECES, "pieces")
        return await page_of(
            PieceConnection,
            Piece.from_record,
            reads.page,
            profile,
            PIECES,
            first=first,
            after=decode_after(after),
        )

    @strawberry.field(description="One piece, or null if it doesn't exist (or was deleted).")
    async def piece(self, info: Info, id: strawberry.ID, profile_id: ProfileId = None) -> Piece | None:
        profile = await readable(info, profile_id, Area.PIECES, "piece")
        return await one_of(Piece.from_record, reads.get, profile, PIECES, str(id))
