from typing import Annotated, Any, Literal

import strawberry

from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.content.types import (
    AdminCollectionInput,
    AdminTrackInput,
    CatalogItem,
    MediaUpload,
    catalog_item,
    localized_input,
)
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.syncable import patch
from tether.catalog.editor import require_admin
from tether.catalog.media import MediaKind

WITH_TRACKS = "For a collection: also (un)publish every track in it."


def _catalog_patch(change: Any) -> dict[str, Any]:
    """The core patch of an admin input: localized lists become maps, media keys become fields.

    `patch()` gives nested inputs as plain dicts (their own `Maybe` fields still `Some`/None)."""
    payload = patch(change)
    for name in ("title", "description"):
        if name in payload:
            payload[name] = localized_input(payload[name], name)
    if "media" in payload:
        media = payload.pop("media")
        for name in ("audio", "transcript", "image"):
            value = media.get(name) if media is not None else strawberry.Some(None)
            if isinstance(value, strawberry.Some):
                payload[f"media_{name}"] = value.value
    return payload


@strawberry.type
class ContentMutation:
    @strawberry.mutation(description="Editors: create or change a collection (a draft until published).")
    async def admin_save_collection(self, info: Info, input: AdminCollectionInput) -> CatalogCollection:
        user = info.context.user
        require_admin(user)
        record = await offload(info.context.services.editor.save_collection, user, _catalog_patch(input))
        return CatalogCollection.of(record, include_hidden=True)

    @strawberry.mutation(description="Editors: create or change a track (a draft until published).")
    async def admin_save_track(self, info: Info, input: AdminTrackInput) -> CatalogTrack:
        user = info.context.user
        require_admin(user)
        record = await offload(info.context.services.editor.save_track, user, _catalog_patch(input))
        return CatalogTrack.of(record, include_hidden=True)

    @strawberry.mutation(
        description="Editors: delete a track for good; devices remove it at their next pull."
    )
    async def admin_delete_track(self, info: Info, id: strawberry.ID) -> CatalogTrack:
        user = info.context.user
        record = await offload(info.context.services.editor.delete_track, user, str(id))
        return CatalogTrack.of(record, include_hidden=True)

    @strawberry.mutation(description="Editors: delete an empty collection for good.")
    async def admin_delete_collection(self, info: Info, id: strawberry.ID) -> CatalogCollection:
        user = info.context.user
        record = await offload(info.context.services.editor.delete_collection, user, str(id))
        return CatalogCollection.of(record, include_hidden=True)

    @strawberry.mutation(description="Editors: make a collection or track visible to users.")
    async def admin_publish(
        self,
        info: Info,
        id: strawberry.ID,
        with_tracks: Annotated[bool, strawberry.argument(description=WITH_TRACKS)] = False,
    ) -> CatalogItem:
        return await _publication(info, "publish", id, with_tracks)

    @strawberry.mutation(description="Editors: hide a collection or track from users again.")
    async def admin_unpublish(
        self,
        info: Info,
        id: strawberry.ID,
        with_tracks: Annotated[bool, strawberry.argument(description=WITH_TRACKS)] = False,
    ) -> CatalogItem:
        return await _publication(info, "unpublish", id, with_tracks)

    @strawberry.mutation(
        description="Editors: a presigned PUT URL to upload a track's media of this type and exact size "
        "(types and sizes are capped per kind)."
    )
    async def admin_media_upload_url(
        self,
        info: Info,
        track_id: strawberry.ID,
        kind: MediaKind,
        content_type: str,
        content_length: Annotated[int, strawberry.argument(description="The file's size in bytes (signed).")],
    ) -> MediaUpload:
        user = info.context.user
        signed = await offload(
            info.context.services.editor.upload_url, user, str(track_id), kind, content_type, content_length
        )
        return MediaUpload.of(signed)

    @strawberry.mutation(description="Editors: a presigned PUT URL to upload a collection's cover image.")
    async def admin_cover_upload_url(
        self,
        info: Info,
        collection_id: strawberry.ID,
        content_type: str,
        content_length: Annotated[int, strawberry.argument(description="The file's size in bytes (signed).")],
    ) -> MediaUpload:
        user = info.context.user
        signed = await offload(
            info.context.services.editor.cover_upload_url,
            user,
            str(collection_id),
            content_type,
            content_length,
        )
        return MediaUpload.of(signed)


async def _publication(
    info: Info, action: Literal["publish", "unpublish"], id: strawberry.ID, with_tracks: bool
) -> CatalogItem:
    """`adminPublish` / `adminUnpublish`: the editor's step, then the item as editors see it."""
    editor = info.context.services.editor
    step = editor.publish if action == "publish" else editor.unpublish
    record = await offload(step, info.context.user, str(id), with_tracks=with_tracks)
    return catalog_item(record, include_hidden=True)
