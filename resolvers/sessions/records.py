"""The practice session record and its input: what the sync contract needs of the sessions' types (a pull imports this, not types.py)."""

from datetime import datetime
from typing import ClassVar

import strawberry

from resolvers.syncable import Syncable
from tether.sessions import SESSIONS
from tether.sync.collection import Collection


@strawberry.type(description="One practice of a piece or a content track.")
class PracticeSession(Syncable):
    collection: ClassVar[Collection] = SESSIONS

    piece_id: strawberry.ID | None = None
    track_id: strawberry.ID | None = None
    started_at: datetime | None = strawberry.field(default=None, description="Null only on a tombstone.")
    ended_at: datetime | None = None
    duration_seconds: int | None = strawberry.field(default=None, description="0 to 86,400 (24 h).")
    rating: int | None = strawberry.field(default=None, description="1 to 5.")
    notes: str | None = None


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class PracticeSessionInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    piece_id: strawberry.Maybe[strawberry.ID | None]
    track_id: strawberry.Maybe[strawberry.ID | None]
    started_at: strawberry.Maybe[datetime | None]
    ended_at: strawberry.Maybe[datetime | None]
    duration_seconds: strawberry.Maybe[int | None]
    rating: strawberry.Maybe[int | None]
    notes: strawberry.Maybe[str | None]
