from __future__ import annotations

import strawberry

from resolvers.attachments.types import Attachment, AttachmentQuota, AttachmentUrl
from resolvers.context import Info
from resolvers.offload import offload
from tether.attachments import ATTACHMENTS
from tether.sync import reads
from tether.uploads import reachable_profile


@strawberry.type
class AttachmentsQuery:
    @strawberry.field(description="One attachment (null if unknown or deleted), e.g. to poll its status.")
    async def attachment(
        self, info: Info, id: strawberry.ID, profile_id: strawberry.ID | None = None
    ) -> Attachment | None:
        user = info.context.user
        profile = reachable_profile(user.id, _optional(profile_id))
        record = await offload(reads.get, profile, ATTACHMENTS, str(id))
        return Attachment.from_record(record) if record is not None else None

    @strawberry.field(
        description="A presigned GET of an UPLOADED attachment's file, valid at most 15 minutes."
    )
    async def attachment_url(
        self, info: Info, id: strawberry.ID, profile_id: strawberry.ID | None = None
    ) -> AttachmentUrl:
        user = info.context.user
        download = await offload(
            info.context.services.uploads.download_url, user.id, str(id), _optional(profile_id)
        )
        return AttachmentUrl(url=download.url, expires_at=download.expires_at)

    @strawberry.field(
        description="The profile's attachment storage: its limit, what is used and what is held."
    )
    async def attachment_quota(self, info: Info, profile_id: strawberry.ID | None = None) -> AttachmentQuota:
        user = info.context.user
        usage = await offload(info.context.services.uploads.quota, user.id, _optional(profile_id))
        return AttachmentQuota(limit_bytes=usage.limit, used_bytes=usage.used, reserved_bytes=usage.reserved)


def _optional(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)
