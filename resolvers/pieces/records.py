"""The piece record: what a pull needs of the pieces' types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

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
