"""The attachment record and its input: what the sync contract needs of the attachments' types (a pull imports this, not types.py)."""

from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, Self

import strawberry

from resolvers.syncable import Syncable
from tether.attachments import ATTACHMENTS
from tether.model.record import Record
from tether.sync.collection import Collection


@strawberry.enum(description="Where an attachment's file stands.")
class AttachmentStatus(Enum):
    PENDING_UPLOAD = strawberry.enum_value(
        "PENDING_UPLOAD", description="The record is synced; its file is not (yet) uploaded and checked."
    )
    UPLOADED = strawberry.enum_value("UPLOADED", description="The file is stored and matches the record.")
    FAILED = strawberry.enum_value(
        "FAILED",
        description="The stored file did not match the record (see `failure`); save a new attachment.",
    )


@strawberry.enum(description="The kind of record an attachment belongs to.")
class AttachmentParentType(Enum):
    CHAT_MESSAGE = "CHAT_MESSAGE"
    PIECE = "PIECE"
    PRACTICE_SESSION = "PRACTICE_SESSION"
    BOOKMARK = "BOOKMARK"
    CHAT_THREAD = "CHAT_THREAD"


@strawberry.type(description="The record an attachment belongs to (it may sync later than the attachment).")
class AttachmentParent:
    type: AttachmentParentType
    id: strawberry.ID


@strawberry.input(description="The record an attachment belongs to, by type and id.")
class AttachmentParentInput:
    type: AttachmentParentType
    id: strawberry.ID

    def to_core(self) -> dict[str, str]:
        return {"type": self.type.value, "id": str(self.id)}


@strawberry.type(
    description="A file of the user's (a photo, a scan, a recording, a document). The record syncs at once; "
    "the file goes separately: attachmentUploadUrl, PUT, completeAttachment (docs/attachments.md)."
)
class Attachment(Syncable):
    collection: ClassVar[Collection] = ATTACHMENTS

    name: str | None = strawberry.field(default=None, description="The file's name (1-255 characters).")
    content_type: str | None = strawberry.field(
        default=None, description="A media type from the deployment's allow-list (TETHER_ATTACHMENT_TYPES)."
    )
    byte_size: int | None = strawberry.field(
        default=None, description="The file's exact size in bytes (at most TETHER_ATTACHMENT_MAX_MB)."
    )
    sha256: str | None = strawberry.field(
        default=None, description="Base64 of the SHA-256 of the file's bytes (as S3 takes it)."
    )
    parent: AttachmentParent | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: int | None = strawberry.field(
        default=None, description="A recording's length in whole seconds (rounded)."
    )
    status: AttachmentStatus | None = strawberry.field(default=None, description="Null only on a tombstone.")
    failure: str | None = strawberry.field(
        default=None,
        description="Why the file was refused: SIZE_MISMATCH, CHECKSUM_MISMATCH or CONTENT_MISMATCH.",
    )
    uploaded_at: datetime | None = None
    created_at: datetime | None = None

    @classmethod
    def from_record(cls, record: Record) -> Self:
        attachment = super().from_record(record)
        parent: Any = ATTACHMENTS.value(record, "parent")
        status = record.data.get("status")
        attachment.status = AttachmentStatus(status) if status else None
        attachment.parent = (
            AttachmentParent(type=AttachmentParentType(parent["type"]), id=strawberry.ID(parent["id"]))
            if parent
            else None
        )
        return attachment


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
