"""The bookmark record and its input: what the sync contract needs of the bookmarks' types (a pull imports this, not types.py)."""

from datetime import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.bookmarks import BOOKMARKS
from tether.sync.collection import Collection


@strawberry.type(description="A mark inside a track: a position, with an optional label and note.")
class Bookmark(Syncable):
    collection: ClassVar[Collection] = BOOKMARKS

    track_id: strawberry.ID | None = strawberry.field(default=None, description="Null only on a tombstone.")
    position_seconds: float | None = strawberry.field(default=None, description="Null only on a tombstone.")
    label: str | None = strawberry.field(default=None, description="Up to 200 characters.")
    note: str | None = strawberry.field(default=None, description="Up to 5,000 characters.")
    created_at: datetime | None = strawberry.field(
        default=None, description="When the bookmark was first saved (the creating edit's time)."
    )


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class BookmarkInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    track_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="A catalog track id; required on create."
    )
    position_seconds: strawberry.Maybe[float | None] = strawberry.field(
        description="0 to 86,400; required on create."
    )
    label: strawberry.Maybe[str | None]
    note: strawberry.Maybe[str | None]
