"""Collections and tracks: declared once like any synced collection, stored in one shared partition."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tether.entitlements.model import EntitlementName
from tether.model.record import Record
from tether.sync.collection import Collection, Delete, SavePatch
from tether.sync.fields import (
    Boolean,
    CatalogId,
    Field,
    Integer,
    LanguageTag,
    LimitExceeded,
    LocalizedText,
    Tags,
    Text,
    Timestamp,
)

MAX_ORDER = 1_000_000
MAX_TRACK_SECONDS = 48 * 3600
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MEDIA_KEY = re.compile(r"^catalog/[A-Za-z0-9._:-]{1,100}/[A-Za-z0-9._-]{1,120}$")


@dataclass(frozen=True)
class Slug(Field):
    """A collection's address in links: lowercase letters and digits in words joined by `-`."""

    max_length: int = 100

    def check(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or len(value) > self.max_length or not SLUG.match(value):
            raise LimitExceeded(
                f"{where} must be 1-{self.max_length} lowercase letters and digits in words joined by -, "
                f"e.g. spring-retreat-2025, not {str(value)[:60]!r}",
                field=where,
                limit=self.max_length,
            )
        return value


@dataclass(frozen=True)
class MediaKey(Field):
    """A key in the media bucket under the catalog's prefix: `catalog/<id>/<file>`."""

    def check(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not MEDIA_KEY.match(value):
            raise LimitExceeded(
                f"{where} must be a media key of the catalog (catalog/<id>/<file>, as "
                f"adminMediaUploadUrl returns it), not {str(value)[:80]!r}",
                field=where,
            )
        return value


COLLECTIONS = Collection(
    name="collection",
    key_prefix="COLLECTION",
    fields={
        "slug": Slug(required=True),
        "kind": Text(min_length=1, max_length=50, required=True),
        "default_language": LanguageTag(required=True),
        "title": LocalizedText(min_length=1, max_length=200, required=True),
        "description": LocalizedText(max_length=10_000),
        "tags": Tags(max_items=50, max_item_length=50),
        "cover_image": MediaKey(),
        "order": Integer(minimum=0, maximum=MAX_ORDER),
        "parent_id": CatalogId(),
        "published_at": Timestamp(),
        "hidden_by_parent": Boolean(),
        "requires": EntitlementName(),
        "required_entitlement": EntitlementName(),
    },
    operations={"save": SavePatch(), "delete": Delete()},
    id_field=CatalogId(),
)

TRACKS = Collection(
    name="track",
    key_prefix="TRACK",
    fields={
        "collection_id": CatalogId(required=True),
        "order": Integer(minimum=0, maximum=MAX_ORDER),
        "title": LocalizedText(min_length=1, max_length=200, required=True),
        "description": LocalizedText(max_length=10_000),
        "duration_seconds": Integer(minimum=0, maximum=MAX_TRACK_SECONDS),
        "language": LanguageTag(),
        "tags": Tags(max_items=50, max_item_length=50),
        "media_audio": MediaKey(),
        "media_transcript": MediaKey(),
        "media_image": MediaKey(),
        "published_at": Timestamp(),
        "hidden_by_parent": Boolean(),
        "requires": EntitlementName(),
        "required_entitlement": EntitlementName(),
    },
    operations={"save": SavePatch(), "delete": Delete()},
    id_field=CatalogId(),
)

KINDS = {COLLECTIONS.name: COLLECTIONS, TRACKS.name: TRACKS}
# Set by the server, never by editors: `published_at` (adminPublish), `hidden_by_parent` (true
# while a collection above the item is unpublished) and `required_entitlement` (the item's own
# `requires`, else the nearest collection's above it); both kept up to date on every change of the tree.
SERVER_FIELDS = frozenset({"published_at", "hidden_by_parent", "required_entitlement"})


def required_entitlement(record: Record) -> str | None:
    """The entitlement a user needs to play the item (its own `requires` or inherited), or None."""
    value = record.data.get("required_entitlement")
    return None if value is None else str(value)


def is_visible(record: Record) -> bool:
    """What users see: not deleted, published, and every collection above it published too.
    Everything else exists only for editors."""
    return (
        not record.deleted
        and bool(record.data.get("published_at"))
        and not record.data.get("hidden_by_parent")
    )


def user_view(record: Record) -> Record:
    """A catalog record as a user's pull delivers it: itself, or a tombstone when it is not visible.

    An unpublished (or deleted) item reaches users as `deleted: true` with its content cleared, so a
    device that has it removes it; publishing it again brings it back at its next change number.
    """
    if is_visible(record):
        return record
    return Record(
        collection=record.collection,
        id=record.id,
        version=record.version,
        seq=record.seq,
        created_at=record.created_at,
        updated_at=record.updated_at,
        deleted=True,
    )
