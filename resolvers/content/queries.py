import functools
from typing import Annotated

import strawberry

from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.content.types import CollectionConnection, MediaUrl, SearchHit, catalog_item
from resolvers.context import Info
from resolvers.offload import offload
from resolvers.pagination import decode_after, page_info
from tether.catalog.editor import require_admin
from tether.catalog.locale import parse_locale
from tether.catalog.media import MediaKind

SEARCH_LOCALE = (
    "BCP 47 tag (e.g. pt-PT): match texts in that language. Results' texts take their own "
    "`locale` (e.g. `title(locale:)`), so a normalized cache keeps each language apart."
)
UNPUBLISHED = "Editors only: include drafts (FORBIDDEN for others)."


@strawberry.type
class ContentQuery:
    @strawberry.field(
        description="Published collections inside `parentId` (top-level ones without it), of `kind` if given, "
        "in their `order`."
    )
    async def collections(
        self,
        info: Info,
        parent_id: strawberry.ID | None = None,
        kind: str | None = None,
        first: int = 20,
        after: str | None = None,
        include_unpublished: Annotated[bool, strawberry.argument(description=UNPUBLISHED)] = False,
    ) -> CollectionConnection:
        user = info.context.user
        if include_unpublished:
            require_admin(user)
        catalog = info.context.services.catalog
        page = await offload(
            catalog.collections,
            parent_id=None if parent_id is None else str(parent_id),
            kind=kind,
            first=first,
            after=decode_after(after),
            include_hidden=include_unpublished,
        )
        return CollectionConnection(
            nodes=[
                CatalogCollection.of(record, catalog.fallbacks(record), include_unpublished)
                for record in page.collections
            ],
            page_info=page_info(page.next_key),
        )

    @strawberry.field(description="One published collection by `id` or by `slug` (give one), or null.")
    async def collection(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        slug: str | None = None,
        include_unpublished: Annotated[bool, strawberry.argument(description=UNPUBLISHED)] = False,
    ) -> CatalogCollection | None:
        user = info.context.user
        if include_unpublished:
            require_admin(user)
        catalog = info.context.services.catalog
        record = await offload(
            catalog.collection,
            id=None if id is None else str(id),
            slug=slug,
            include_hidden=include_unpublished,
        )
        if record is None:
            return None
        return CatalogCollection.of(record, catalog.fallbacks(record), include_unpublished)

    @strawberry.field(description="One published track, or null.")
    async def track(
        self,
        info: Info,
        id: strawberry.ID,
        include_unpublished: Annotated[bool, strawberry.argument(description=UNPUBLISHED)] = False,
    ) -> CatalogTrack | None:
        user = info.context.user
        if include_unpublished:
            require_admin(user)
        catalog = info.context.services.catalog
        record = await offload(catalog.track, str(id), include_hidden=include_unpublished)
        if record is None:
            return None
        # A process that has not loaded the catalog reads the track's collection for these.
        fallbacks = await offload(catalog.fallbacks, record)
        return CatalogTrack.of(record, fallbacks, include_unpublished)

    @strawberry.field(
        description="Published collections and tracks matching `query` in the `locale`'s language, best first: "
        "every word must match title, tags or description (accents and case ignored; the last word also as a "
        "prefix while typing). Title matches rank above tags, tags above description, exact words above prefixes."
    )
    async def search_content(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="Up to 200 characters.")],
        locale: Annotated[str | None, strawberry.argument(description=SEARCH_LOCALE)] = None,
        first: Annotated[int, strawberry.argument(description="1-50 results.")] = 20,
    ) -> list[SearchHit]:
        info.context.user  # noqa: B018 - signed-in users only
        language = parse_locale(locale)
        catalog = info.context.services.catalog
        results = await offload(catalog.search, query, language, first)
        return [
            SearchHit(
                score=result.score,
                item=catalog_item(result.record, catalog.fallbacks(result.record)),
            )
            for result in results
        ]

    @strawberry.field(
        description="A short-lived presigned URL to download a published track's media (NOT_FOUND for a track "
        "users can't see or a file it doesn't have; FORBIDDEN with reason ENTITLEMENT_REQUIRED and `entitlement` "
        "for the AUDIO or TRANSCRIPT of a track the user's plan doesn't include)."
    )
    async def media_url(self, info: Info, track_id: strawberry.ID, kind: MediaKind) -> MediaUrl:
        user = info.context.user  # signed-in users only
        services = info.context.services
        access = functools.partial(services.entitlements.access, user.id)  # read if the track needs it
        signed = await offload(services.catalog.media_url, str(track_id), kind, access)
        return MediaUrl.of(signed)
