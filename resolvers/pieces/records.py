"""The piece record and its input: what the sync contract needs of the pieces' types (a pull imports this, not types.py)."""

from datetime import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.pieces import PIECES
from tether.sync.collection import Collection


@strawberry.type(description="A piece of the user's repertoire (a chant or song being learned).")
class Piece(Syncable):
    collection: ClassVar[Collection] = PIECES

    title: str | None = strawberry.field(description="1-200 characters; null only on a tombstone.")
    category: str | None = None
    language: str | None = None
    lyrics: str | None = strawberry.field(default=None, description="Up to 50,000 characters.")
    notes: str | None = None
    tags: list[str] = strawberry.field(
        default_factory=list, description="Up to 50 tags of up to 50 characters."
    )
    favorite: bool = False
    created_at: datetime | None = strawberry.field(
        default=None, description="When the piece was first saved (the creating edit's time)."
    )


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class PieceInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    title: strawberry.Maybe[str | None]
    category: strawberry.Maybe[str | None]
    language: strawberry.Maybe[str | None]
    lyrics: strawberry.Maybe[str | None]
    notes: strawberry.Maybe[str | None]
    tags: strawberry.Maybe[list[str] | None]
    favorite: strawberry.Maybe[bool | None]
