"""What editors (the Cognito group `admin`) do to the catalog: save, delete, publish, upload media.

Every change goes through `SyncEngine.write` into the catalog partition: numbered in the catalog's
change feed in the same transaction, so users' pulls receive it. New items are drafts (unpublished):
invisible to users until published. Checks read the catalog as of a fresh read of its head; two
editors saving conflicting items (e.g. the same new slug) in the same instant are not serialized.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tether.audit import AuditLog
from tether.auth import User
from tether.catalog.catalog import Catalog
from tether.catalog.media import MediaKind, MediaStore, SignedUrl
from tether.catalog.model import COLLECTIONS, KINDS, TRACKS
from tether.catalog.publishing import Publisher
from tether.catalog.rules import Items, Patches, cascade, check_item, check_patch, check_requires, merged
from tether.errors import BadUserInput, Forbidden, NotFound
from tether.model.record import Record
from tether.sync.collection import REJECTED, Collection
from tether.sync.engine import MutationResult, ServerChange, SyncEngine
from tether.sync.fields import check_catalog_id

CATALOG_CHANGED = "catalog_changed"


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only catalog editors (the `admin` group) may do this", reason="NOT_AN_EDITOR")


class Editor:
    """The admin operations on the catalog (one per process)."""

    def __init__(
        self,
        engine: SyncEngine,
        catalog: Catalog,
        media: MediaStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        log: AuditLog | None = None,
        entitlements: frozenset[str] | None = None,
        publisher: Publisher | None = None,
    ) -> None:
        self.engine = engine
        # After each change: the read index is published (by a queued job where there is a queue).
        self.publisher = publisher or Publisher(catalog, None)
        self.entitlements = entitlements  # the names `requires` may take (None: any)
        self.catalog = catalog
        self.media = media
        self.clock = clock
        self.log = log

    def _audit(self, user: User, action: str, kind: Collection, item_id: str, **details: Any) -> None:
        """Every content change goes to the audit trail (after the change is stored)."""
        if self.log is not None:
            self.log.record(CATALOG_CHANGED, user.id, action=action, item=f"{kind.name}:{item_id}", **details)

    def save_collection(self, user: User, patch: Mapping[str, Any]) -> Record:
        """Create or change a collection (omitted fields unchanged, None clears); returns it."""
        return self._save(user, COLLECTIONS, patch)

    def save_track(self, user: User, patch: Mapping[str, Any]) -> Record:
        return self._save(user, TRACKS, patch)

    def _save(self, user: User, kind: Collection, patch: Mapping[str, Any]) -> Record:
        require_admin(user)
        checked = check_patch(kind, patch, "input")
        self._check_requires(checked.get("requires"))
        items = self.catalog.items()
        item_id = checked["id"]
        check_item(kind, item_id, merged(items.of(kind).get(item_id), checked), items, "input")
        saved = self._save_all(items, {(kind.name, item_id): checked})[(kind.name, item_id)]
        self._audit(user, "save", kind, item_id)
        return saved

    def delete_track(self, user: User, track_id: str) -> Record:
        """Delete a track for good (a tombstone users' devices pull); returns the tombstone."""
        require_admin(user)
        self._live(TRACKS, track_id)
        deleted = self._write([ServerChange(TRACKS, "delete", {"id": track_id})])[0]
        self._audit(user, "delete", TRACKS, track_id)
        return deleted

    def delete_collection(self, user: User, collection_id: str) -> Record:
        """Delete an empty collection for good (move or delete its tracks and collections first)."""
        require_admin(user)
        self._live(COLLECTIONS, collection_id)
        children, tracks = self.catalog.children_of(collection_id)
        if children or tracks:
            raise BadUserInput(
                f"collection {collection_id} still holds {len(tracks)} track(s) and {len(children)} "
                "collection(s); delete or move them first",
                field="id",
                reason="NOT_EMPTY",
            )
        deleted = self._write([ServerChange(COLLECTIONS, "delete", {"id": collection_id})])[0]
        self._audit(user, "delete", COLLECTIONS, collection_id)
        return deleted

    def publish(self, user: User, item_id: str, *, with_tracks: bool = False) -> Record:
        """Make a collection or track visible to users (and a collection's tracks, if asked)."""
        return self._set_published(user, item_id, True, with_tracks)

    def unpublish(self, user: User, item_id: str, *, with_tracks: bool = False) -> Record:
        """Hide an item from users again: their devices remove it at their next pull."""
        return self._set_published(user, item_id, False, with_tracks)

    def _set_published(self, user: User, item_id: str, published: bool, with_tracks: bool) -> Record:
        require_admin(user)
        kind, record = self._find(item_id)
        items = self.catalog.items()
        targets = [(kind, record)]
        if with_tracks and kind is COLLECTIONS:
            targets += [
                (TRACKS, track)
                for track in items.tracks.values()
                if track.data.get("collection_id") == item_id
            ]
        now = self.clock()
        patches: Patches = {
            (target_kind.name, target.id): {"id": target.id, "published_at": now if published else None}
            for target_kind, target in targets
            if not target.deleted and bool(target.data.get("published_at")) != published
        }
        if not patches:
            return record
        saved = self._save_all(items, patches).get((kind.name, item_id), record)
        self._audit(user, "publish" if published else "unpublish", kind, item_id, items=len(patches))
        return saved

    def upload_url(
        self, user: User, track_id: str, kind: MediaKind, content_type: str, content_length: int
    ) -> SignedUrl:
        """A presigned PUT for a track's media; save the returned key on the track afterwards."""
        require_admin(user)
        self._live(TRACKS, track_id, field="trackId")
        signed = self.media.upload_url(track_id, kind, content_type, content_length, self.clock())
        self._audit(user, "upload_url", TRACKS, track_id, media=kind.value)
        return signed

    def cover_upload_url(
        self, user: User, collection_id: str, content_type: str, content_length: int
    ) -> SignedUrl:
        """A presigned PUT for a collection's cover image (then save it as `coverImage`)."""
        require_admin(user)
        self._live(COLLECTIONS, collection_id, field="collectionId")
        signed = self.media.upload_url(
            collection_id, MediaKind.IMAGE, content_type, content_length, self.clock()
        )
        self._audit(user, "upload_url", COLLECTIONS, collection_id, media=MediaKind.IMAGE.value)
        return signed

    # ----

    def _check_requires(self, name: str | None) -> None:
        check_requires(name, self.entitlements, "input.requires")

    def _live(self, kind: Collection, item_id: str, field: str = "id") -> Record:
        check_catalog_id(item_id, field)
        record = self.catalog.lookup(kind.name, item_id)
        if record is None or record.deleted:
            raise NotFound(f"There is no {kind.name} {item_id}", field=field)
        return record

    def _find(self, item_id: str) -> tuple[Collection, Record]:
        check_catalog_id(item_id, "id")
        for kind in (COLLECTIONS, TRACKS):
            record = self.catalog.lookup(kind.name, item_id)
            if record is not None and not record.deleted:
                return kind, record
        raise NotFound(f"There is no collection or track {item_id}", field="id")

    def _save_all(self, items: Items, patches: Patches) -> dict[tuple[str, str], Record]:
        """Apply the patches, and what they imply for the items below (see `rules.cascade`)."""
        changes = [
            ServerChange(KINDS[kind], "save", patch) for (kind, _), patch in cascade(items, patches).items()
        ]
        return {(record.collection, record.id): record for record in self._write(changes)}

    def _write(self, changes: Sequence[ServerChange]) -> list[Record]:
        results = self.engine.write(self.catalog.partition, changes)
        for result in results:
            if result.status == REJECTED:
                raise BadUserInput(result.message or "The change was refused", reason=result.code)
        records = _records(results)
        if records:  # the read index users' Lambdas load (docs/catalog.md)
            self.publisher.changed(max(record.seq for record in records))
        return records


def _records(results: Sequence[MutationResult]) -> list[Record]:
    return [result.record for result in results if result.record is not None]
