"""The piece input of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

import strawberry


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
