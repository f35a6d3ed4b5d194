from datetime import datetime

import strawberry

from resolvers.content.types import HttpHeader


@strawberry.type(
    description="A presigned upload: PUT the file's bytes to `url` with exactly these `headers` before "
    "`expiresAt`; S3 refuses any other size, type or checksum. Then call completeAttachment."
)
class AttachmentUpload:
    url: str
    method: str
    headers: list[HttpHeader]
    expires_at: datetime


@strawberry.type(description="A presigned download URL of an UPLOADED attachment.")
class AttachmentUrl:
    url: str
    expires_at: datetime


@strawberry.type(description="Storage used by the profile's attachments, in bytes.")
class AttachmentQuota:
    limit_bytes: float
    used_bytes: float
    reserved_bytes: float = strawberry.field(description="Held by upload URLs not yet completed.")
