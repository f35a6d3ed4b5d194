from typing import Annotated

import strawberry

from resolvers.attachments.records import Attachment
from resolvers.attachments.types import AttachmentUpload
from resolvers.content.types import HttpHeader
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.scope import writable
from tether.people.roles import Area

WritableProfileId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="A profile you reach (see `profiles`); default: your own. FORBIDDEN when your role may not change its attachments."
    ),
]


@strawberry.type
class AttachmentsMutation:
    @strawberry.mutation(
        description="A presigned PUT for the file of a PENDING_UPLOAD attachment (its bytes are reserved "
        "against the quota: FORBIDDEN QUOTA_EXCEEDED when they don't fit). Ask again for a fresh URL."
    )
    async def attachment_upload_url(
        self, info: Info, id: strawberry.ID, profile_id: WritableProfileId = None
    ) -> AttachmentUpload:
        profile = await writable(info, profile_id, Area.ATTACHMENTS, "attachmentUploadUrl")
        upload = await offload(info.context.services.uploads.upload_url, profile, str(id))
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
        self, info: Info, id: strawberry.ID, profile_id: WritableProfileId = None
    ) -> Attachment:
        profile = await writable(info, profile_id, Area.ATTACHMENTS, "completeAttachment")
        record = await offload(info.context.services.uploads.complete, profile, str(id))
        return Attachment.from_record(record)
