import strawberry

from resolvers.attachments.records import Attachment
from resolvers.attachments.types import AttachmentQuota, AttachmentUrl
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.people.scope import ProfileId, readable
from tether.attachments import ATTACHMENTS
from tether.people.roles import Area
from tether.sync import reads


@strawberry.type
class AttachmentsQuery:
    @strawberry.field(description="One attachment (null if unknown or deleted), e.g. to poll its status.")
    async def attachment(
        self, info: Info, id: strawberry.ID, profile_id: ProfileId = None
    ) -> Attachment | None:
        profile = await readable(info, profile_id, Area.ATTACHMENTS, "attachment")
        record = await offload(reads.get, profile, ATTACHMENTS, str(id))
        return Attachment.from_record(record) if record is not None else None

    @strawberry.field(
        description="A presigned GET of an UPLOADED attachment's file, valid at most 15 minutes."
    )
    async def attachment_url(
        self, info: Info, id: strawberry.ID, profile_id: ProfileId = None
    ) -> AttachmentUrl:
        profile = await readable(info, profile_id, Area.ATTACHMENTS, "attachmentUrl")
        download = await offload(info.context.services.uploads.download_url, profile, str(id))
        return AttachmentUrl(url=download.url, expires_at=download.expires_at)

    @strawberry.field(
        description="The profile's attachment storage: its limit, what is used and what is held."
    )
    async def attachment_quota(self, info: Info, profile_id: ProfileId = None) -> AttachmentQuota:
        profile = await readable(info, profile_id, Area.ATTACHMENTS, "attachmentQuota")
        usage = await offload(info.context.services.uploads.quota, profile)
        return AttachmentQuota(limit_bytes=usage.limit, used_bytes=usage.used, reserved_bytes=usage.reserved)
