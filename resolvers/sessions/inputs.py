"""The practice session input of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

from datetime import datetime

import strawberry


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
