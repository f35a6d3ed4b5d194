"""The attachment record: what a pull needs of the attachments' types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

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
