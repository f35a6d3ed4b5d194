"""The attachment input of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

import strawberry

from resolvers.attachments.records import AttachmentParentType


@strawberry.input(description="The record an attachment belongs to, by type and id.")
class AttachmentParentInput:
    type: AttachmentParentType
    id: strawberry.ID

    def to_core(self) -> dict[str, str]:
        return {"type": self.type.value, "id": str(self.id)}


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class AttachmentInput:
    id: strawberry.ID = strawberry.field(description="Client-generated UUID or ULID.")
    name: strawberry.Maybe[str | None] = strawberry.field(description="Required on create.")
    content_type: strawberry.Maybe[str | None] = strawberry.field(
        description="Required on create; fixed once uploaded. Outside the allow-list: REJECTED TYPE_NOT_ALLOWED."
    )
    byte_size: strawberry.Maybe[int | None] = strawberry.field(
        description="Required on create; fixed once uploaded. Over the limit: REJECTED TOO_LARGE."
    )
    sha256: strawberry.Maybe[str | None] = strawberry.field(
        description="Required on create; fixed once uploaded. Not a base64 SHA-256: REJECTED BAD_CHECKSUM."
    )
    parent: strawberry.Maybe[AttachmentParentInput | None]
    width: strawberry.Maybe[int | None]
    height: strawberry.Maybe[int | None]
    duration_seconds: strawberry.Maybe[int | None]
