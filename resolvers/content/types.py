from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.pagination import PageInfo
from tether.catalog.media import MediaKind, SignedUrl
from tether.catalog.model import COLLECTIONS
from tether.errors import BadUserInput
from tether.model.record import Record

strawberry.enum(
    MediaKind,
    name="MediaKind",
    description="A track's media: AUDIO (its main audio or video), TRANSCRIPT (a PDF), IMAGE.",
)


@strawberry.input(description="A text in one language (a BCP 47 tag such as en, pt or pt-PT).")
class LocalizedTextInput:
    language: str
    text: str


def localized_input(value: Sequence[Mapping[str, str]] | None, name: str) -> dict[str, str] | None:
    """A list of LocalizedTextInput (as plain dicts) as a core map (None stays None: it clears the field)."""
    if value is None:
        return None
    found: dict[str, str] = {}
    for item in value:
        language = item["language"]
        if language in found:
            raise BadUserInput(f"input.{name} has the language {language} twice", field=f"input.{name}")
        found[language] = item["text"]
    return found


CatalogItem = Annotated[
    CatalogCollection | CatalogTrack,
    strawberry.union("CatalogItem", description="A collection or a track."),
]


def catalog_item(
    record: Record,
    fallbacks: Sequence[str | None] | None = None,
    include_hidden: bool = False,
) -> CatalogCollection | CatalogTrack:
    if record.collection == COLLECTIONS.name:
        return CatalogCollection.of(record, fallbacks, include_hidden)
    return CatalogTrack.of(record, fallbacks, include_hidden)


@strawberry.type
class CollectionConnection:
    nodes: list[CatalogCollection]
    page_info: PageInfo


@strawberry.type(description="A search match and how well it matched (higher is better).")
class SearchHit:
    score: int
    item: CatalogItem


@strawberry.type(
    description="A presigned download URL: the bucket stays private; fetch it before it expires."
)
class MediaUrl:
    url: str
    key: str
    expires_at: datetime

    @classmethod
    def of(cls, signed: SignedUrl) -> "MediaUrl":
        return cls(url=signed.url, key=signed.key, expires_at=signed.expires_at)


@strawberry.type
class HttpHeader:
    name: str
    value: str


@strawberry.type(
    description="A presigned upload: send the file with `method` to `url` with exactly these `headers` "
    "(its size and type are signed), then save `key` on the track (or as the collection's coverImage)."
)
class MediaUpload:
    url: str
    method: str
    key: str
    headers: list[HttpHeader]
    expires_at: datetime
    max_bytes: int

    @classmethod
    def of(cls, signed: SignedUrl) -> "MediaUpload":
        return cls(
            url=signed.url,
            method=signed.method,
            key=signed.key,
            headers=[HttpHeader(name=name, value=value) for name, value in signed.headers],
            expires_at=signed.expires_at,
            max_bytes=signed.max_bytes or 0,
        )


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class AdminCollectionInput:
    id: strawberry.ID = strawberry.field(description="Chosen by the editor: 1-100 of A-Z a-z 0-9 . _ : -")
    slug: strawberry.Maybe[str | None]
    kind: strawberry.Maybe[str | None]
    default_language: strawberry.Maybe[str | None]
    title: strawberry.Maybe[list[LocalizedTextInput] | None] = strawberry.field(
        description="Every language of the title (replaces the previous set)."
    )
    description: strawberry.Maybe[list[LocalizedTextInput] | None] = strawberry.field(
        description="Every language of the description (replaces the previous set)."
    )
    tags: strawberry.Maybe[list[str] | None]
    cover_image: strawberry.Maybe[str | None]
    order: strawberry.Maybe[int | None]
    parent_id: strawberry.Maybe[strawberry.ID | None]
    requires: strawberry.Maybe[str | None] = strawberry.field(
        description="The entitlement users need for it and everything in it (one the plans file declares)."
    )


@strawberry.input(
    description="Media keys as adminMediaUploadUrl returned them. Omitted = unchanged; null = removed."
)
class TrackMediaInput:
    audio: strawberry.Maybe[str | None]
    transcript: strawberry.Maybe[str | None]
    image: strawberry.Maybe[str | None]


@strawberry.input(description="A patch: `id` plus any fields. Omitted = unchanged; explicit null = cleared.")
class AdminTrackInput:
    id: strawberry.ID = strawberry.field(description="Chosen by the editor: 1-100 of A-Z a-z 0-9 . _ : -")
    collection_id: strawberry.Maybe[strawberry.ID | None]
    order: strawberry.Maybe[int | None]
    title: strawberry.Maybe[list[LocalizedTextInput] | None]
    description: strawberry.Maybe[list[LocalizedTextInput] | None]
    duration_seconds: strawberry.Maybe[int | None]
    language: strawberry.Maybe[str | None]
    tags: strawberry.Maybe[list[str] | None]
    media: strawberry.Maybe[TrackMediaInput | None]
    requires: strawberry.Maybe[str | None] = strawberry.field(
        description="The entitlement users need for this track (else its collection's)."
    )
