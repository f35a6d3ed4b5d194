from __future__ import annotations

import strawberry

from resolvers.attachments.queries import _optional
from resolvers.attachments.types import Attachment, AttachmentUpload
from resolvers.content.types import HttpHeader
from resolvers.context import Info
from resolvers.offload import offload


@strawberry.type
class AttachmentsMutation:
    @strawberry.mutation(
        description="A presigned PUT for the file of a PENDING_UPLOAD attachment (its bytes are reserved "
        "against the quota: FORBIDDEN QUOTA_EXCEEDED when they don't fit). Ask again for a fresh URL."
    )
    async def attachment_upload_url(
        self, info: Info, id: strawberry.ID, profile_id: strawberry.ID | None = None
    ) -> AttachmentUpload:
        user = info.context.user
        upload = await offload(
            info.context.services.uploads.upload_url, user.id, str(id), _optional(profile_id)
        )
        return AttachmentUpload(
            url=upload.url,
            method=upload.method,
            headers=[HttpHeader(name=name, value=value) for name, value in upload.headers.items()],
            expires_at=upload.expires_at,
        )

    @strawberry.mutation(
        description="Check the uploaded file (size, checksum, type) and mark the attachment UPLOADED, or "
        "FAILED with a `failure`; every device sees it in its next pull. Safe to call again."
    )
    async def complete_attachment(
        self, info: Info, id: strawberry.ID, profile_id: strawberry.ID | None = None
    ) -> Attachment:
        user = info.context.user
        record = await offload(
            info.context.services.uploads.complete, user.id, str(id), _optional(profile_id)
        )
        return Attachment.from_record(record)
