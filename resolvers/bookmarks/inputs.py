"""The bookmark input of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

import strawberry


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
