from __future__ import annotations

import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.pagination import decode_after, page_info
from resolvers.pieces.types import Piece, PieceConnection
from tether.pieces import PIECES
from tether.sync import reads


@strawberry.type
class PiecesQuery:
    @strawberry.field(description="The user's pieces (not deleted), by id.")
    async def pieces(self, info: Info, first: int = 20, after: str | None = None) -> PieceConnection:
        user = info.context.user
        result = await offload(reads.page, user.id, PIECES, first=first, after=decode_after(after))
        return PieceConnection(
            nodes=[Piece.from_record(record) for record in result.records],
            page_info=page_info(result.next_key),
        )

    @strawberry.field(description="One piece, or null if it doesn't exist (or was deleted).")
    async def piece(self, info: Info, id: strawberry.ID) -> Piece | None:
        user = info.context.user
        record = await offload(reads.get, user.id, PIECES, str(id))
        return None if record is None else Piece.from_record(record)
