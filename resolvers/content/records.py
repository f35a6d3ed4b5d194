"""The catalog's synced records (collections, tracks) and their localized texts: what a pull needs of the content types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.syncable import Syncable
from tether.catalog.locale import localize, parse_locale
from tether.catalog.model import COLLECTIONS, TRACKS, is_visible, required_entitlement
from tether.model.record import Record
from tether.sync.collection import Collection


@strawberry.type(description="A text in one language (a BCP 47 tag such as en, pt or pt-PT).")
class LocalizedText:
    language: str
    text: str


def texts(value: Mapping[str, str] | None) -> list[LocalizedText]:
    return [LocalizedText(language=tag, text=text) for tag, text in sorted((value or {}).items())]


def _localized(data: Mapping[str, Any], fallbacks: Sequence[str | None]) -> dict[str, Any]:
    """Every language of title and description, and the languages to fall back to."""
    return {
        "title_texts": dict(data.get("title") or {}),
        "description_texts": dict(data.get("description") or {}),
        "fallbacks": tuple(fallbacks),
        "titles": texts(data.get("title")),
        "descriptions": texts(data.get("description")),
    }


LOCALE = (
    "BCP 47 tag (e.g. pt-PT): the text in that language, else a related one (pt-BR for pt-PT), "
    "else the default language. A field argument, so a normalized cache keeps each language apart."
)


REQUIRES_DOC = (
    "The entitlement a user needs to play it (e.g. premium): its own, or inherited from the collection it is "
    "in; null: free. Editors set their own with `requires`."
)


LOCKED_DOC = (
    "The signed-in user lacks `requires` (as of this response): show a lock and an upgrade prompt; its "
    "mediaUrl (AUDIO, TRANSCRIPT) is FORBIDDEN with reason ENTITLEMENT_REQUIRED. Offline, work it out from "
    "`requires` and the synced entitlements."
)


async def _locked(info: Info, requires: str | None) -> bool:
    return requires is not None and not (await info.context.access()).allows(requires)


LOCALIZED_DOC = {
    "title": "In `locale`'s language if it has it (or a related one: pt-BR for pt-PT), else in the "
    "default language of the collection. Null only on a tombstone.",
    "description": "In the language of `title` where it has that one, else as `title` chooses.",
    "text_language": "The language `title(locale:)` (and, where it has that language, `description`) is in.",
    "titles": "The title in every language (for editing, and for apps that localize offline).",
}


@strawberry.type
class Localized:
    """The localized texts of a catalog item. Each takes its own `locale`: a text's value depends only
    on the item and its field's arguments, which is what a normalized cache (Apollo's `Type:id`
    entries, one per field and arguments) can keep apart."""

    titles: list[LocalizedText] = strawberry.field(default_factory=list, description=LOCALIZED_DOC["titles"])
    descriptions: list[LocalizedText] = field(default_factory=list)
    title_texts: strawberry.Private[dict[str, str]] = field(default_factory=dict)
    description_texts: strawberry.Private[dict[str, str]] = field(default_factory=dict)
    fallbacks: strawberry.Private[tuple[str | None, ...]] = ()

    def _texts(self, locale: str | None) -> tuple[str | None, str | None, str | None]:
        """(language, title, description) for `locale`."""
        asked = parse_locale(locale)
        language, title = localize(self.title_texts, asked, self.fallbacks)
        description: str | None
        if language in self.description_texts:
            description = self.description_texts[language]
        else:
            description = localize(self.description_texts, asked, self.fallbacks)[1]
        return language, title, description

    @strawberry.field(description=LOCALIZED_DOC["title"])
    def title(
        self, locale: Annotated[str | None, strawberry.argument(description=LOCALE)] = None
    ) -> str | None:
        return self._texts(locale)[1]

    @strawberry.field(description=LOCALIZED_DOC["description"])
    def description(
        self, locale: Annotated[str | None, strawberry.argument(description=LOCALE)] = None
    ) -> str | None:
        return self._texts(locale)[2]

    @strawberry.field(description=LOCALIZED_DOC["text_language"])
    def text_language(
        self, locale: Annotated[str | None, strawberry.argument(description=LOCALE)] = None
    ) -> str | None:
        return self._texts(locale)[0]


@strawberry.type(
    name="Collection", description="A retreat, course or curriculum unit of the catalog; collections nest."
)
class CatalogCollection(Localized, Syncable):
    collection: ClassVar[Collection] = COLLECTIONS

    slug: str | None = strawberry.field(
        default=None, description="Unique; for links. Null only on a tombstone."
    )
    kind: str | None = strawberry.field(default=None, description="Free-form: retreat, course, curriculum...")
    default_language: str | None = strawberry.field(
        default=None, description="The language text falls back to when the asked one is missing."
    )
    tags: list[str] = field(default_factory=list)
    cover_image: str | None = strawberry.field(default=None, description="Media key of the cover image.")
    order: int = strawberry.field(default=0, description="Position among its siblings (ascending).")
    parent_id: strawberry.ID | None = strawberry.field(default=None, description="The collection it is in.")
    published_at: datetime | None = strawberry.field(
        default=None, description="When it was published; users only ever see published items."
    )
    visible: bool = strawberry.field(
        default=False,
        description="Users see it: not deleted, published, and every collection above it published.",
    )
    requires: str | None = strawberry.field(default=None, description=REQUIRES_DOC)
    include_hidden: strawberry.Private[bool] = False

    @classmethod
    def from_record(cls, record: Record) -> Self:
        return cls.of(record)

    @classmethod
    def of(
        cls,
        record: Record,
        fallbacks: Sequence[str | None] | None = None,
        include_hidden: bool = False,
    ) -> Self:
        data = record.data
        fallbacks = (data.get("default_language"),) if fallbacks is None else fallbacks
        return cls(
            id=strawberry.ID(record.id),
            version=record.version,
            updated_at=record.updated_at,  # type: ignore[arg-type]
            deleted=record.deleted,
            slug=data.get("slug"),
            kind=data.get("kind"),
            default_language=data.get("default_language"),
            tags=list(data.get("tags") or []),
            cover_image=data.get("cover_image"),
            order=int(data.get("order") or 0),
            parent_id=strawberry.ID(data["parent_id"]) if data.get("parent_id") else None,
            published_at=COLLECTIONS.value(record, "published_at"),
            visible=is_visible(record),
            requires=required_entitlement(record),
            include_hidden=include_hidden,
            **_localized(data, fallbacks),
        )

    @strawberry.field(description=LOCKED_DOC)
    async def locked(self, info: Info) -> bool:
        return await _locked(info, self.requires)

    @strawberry.field(description="Its tracks in order (the published ones).")
    async def tracks(self, info: Info) -> list["CatalogTrack"]:
        catalog = info.context.services.catalog
        found = await offload(catalog.tracks, str(self.id), include_hidden=self.include_hidden)
        return [CatalogTrack.of(record, catalog.fallbacks(record), self.include_hidden) for record in found]


@strawberry.type(description="Keys of a track's files in the media bucket; get URLs with `mediaUrl`.")
class TrackMedia:
    audio: str | None = None
    transcript: str | None = None
    image: str | None = None


@strawberry.type(name="Track", description="One audio or video item (a talk, a lesson) of a collection.")
class CatalogTrack(Localized, Syncable):
    collection: ClassVar[Collection] = TRACKS

    collection_id: strawberry.ID | None = strawberry.field(
        default=None, description="Null only on a tombstone."
    )
    order: int = strawberry.field(default=0, description="Position in its collection (ascending).")
    duration_seconds: int | None = None
    language: str | None = strawberry.field(default=None, description="The language of the recording.")
    tags: list[str] = field(default_factory=list)
    media: TrackMedia = field(default_factory=TrackMedia)
    published_at: datetime | None = None
    visible: bool = strawberry.field(
        default=False,
        description="Users see it: not deleted, published, and every collection above it published.",
    )
    requires: str | None = strawberry.field(default=None, description=REQUIRES_DOC)

    @strawberry.field(description=LOCKED_DOC)
    async def locked(self, info: Info) -> bool:
        return await _locked(info, self.requires)

    @classmethod
    def from_record(cls, record: Record) -> Self:
        return cls.of(record)

    @classmethod
    def of(
        cls,
        record: Record,
        fallbacks: Sequence[str | None] | None = None,
        include_hidden: bool = False,
    ) -> Self:
        data = record.data
        fallbacks = (data.get("language"),) if fallbacks is None else fallbacks
        duration = data.get("duration_seconds")
        return cls(
            id=strawberry.ID(record.id),
            version=record.version,
            updated_at=record.updated_at,  # type: ignore[arg-type]
            deleted=record.deleted,
            collection_id=strawberry.ID(data["collection_id"]) if data.get("collection_id") else None,
            order=int(data.get("order") or 0),
            duration_seconds=None if duration is None else int(duration),
            language=data.get("language"),
            tags=list(data.get("tags") or []),
            media=TrackMedia(
                audio=data.get("media_audio"),
                transcript=data.get("media_transcript"),
                image=data.get("media_image"),
            ),
            published_at=TRACKS.value(record, "published_at"),
            visible=is_visible(record),
            requires=required_entitlement(record),
            **_localized(data, fallbacks),
        )
