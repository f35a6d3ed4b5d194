"""The catalog as users read it: an in-memory copy per process, kept current from the change feed.

The first catalog read in a process loads the whole catalog partition (its change feed, read in
parallel segments); afterwards, whenever the catalog's head has moved (the head is cached for
`TETHER_CATALOG_HEAD_TTL_SECONDS`, shared with syncPull), only the changes since are read and
applied, to the records and to the search indexes. So reads and searches see the catalog as of at
most that TTL ago, and cost no DynamoDB request while the head is cached.

Until a read needs the whole copy (a listing, a slug, a search, an editor's read), a process
answers reads of one item by id (`track`, `collection`, a track's fallback languages) with one
strongly consistent GetItem each: a cold Lambda's first answer about one track of a large catalog
does not load the catalog (docs/catalog.md).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from tether.catalog.index import (
    IndexStore,
    IndexUnavailable,
    Manifest,
    Pieces,
    encode_records,
    preference_key,
    preferences,
    retire,
)
from tether.catalog.locale import localize, preference
from tether.catalog.media import MediaKind, MediaStore, SignedUrl
from tether.catalog.model import COLLECTIONS, TRACKS, is_visible, required_entitlement
from tether.catalog.rules import Items
from tether.catalog.search import Document, SearchIndex
from tether.catalog.view import IndexedView, children_in, document_in, fallbacks_in, item_key, order_of
from tether.entitlements.service import Access
from tether.errors import BadUserInput, NotFound, check_between
from tether.model.record import Record
from tether.storage.feed import read_feed
from tether.storage.listing import get_record
from tether.sync.engine import SyncEngine
from tether.sync.fields import CATALOG_ID
from tether.telemetry import logger

MAX_PAGE = 100
MAX_SEARCH_RESULTS = 50
MAX_QUERY_LENGTH = 200
MAX_VIEWS = 8  # search indexes kept per process (one per language preference in use)
LOAD_SEGMENTS = 8
T = TypeVar("T")


@dataclass(frozen=True)
class CollectionPage:
    collections: list[Record]
    next_key: dict[str, str] | None


@dataclass(frozen=True)
class SearchResult:
    record: Record
    score: int


class _State:
    """The catalog partition up to `seq`: every item (drafts and tombstones too) and derived lists."""

    def __init__(self, epoch: str | None) -> None:
        self.epoch = epoch
        self.seq = 0
        self.items: dict[str, dict[str, Record]] = {COLLECTIONS.name: {}, TRACKS.name: {}}
        self.views: OrderedDict[tuple[str, ...], SearchIndex] = OrderedDict()
        self._children: dict[str | None, list[Record]] | None = None
        self._tracks: dict[str, list[Record]] | None = None
        self._slugs: dict[str, str] | None = None
        self._languages: frozenset[str] | None = None

    @property
    def collections(self) -> dict[str, Record]:
        return self.items[COLLECTIONS.name]

    @property
    def tracks(self) -> dict[str, Record]:
        return self.items[TRACKS.name]

    def apply(self, records: Iterable[Record]) -> None:
        for record in records:
            table = self.items.get(record.collection)
            if table is None:
                continue
            previous = table.get(record.id)
            table[record.id] = record
            self._reindex(record)
            if (
                record.collection == COLLECTIONS.name
                and previous is not None
                and previous.data.get("default_language") != record.data.get("default_language")
            ):
                for track in self.tracks.values():  # their fallback language changed
                    if track.data.get("collection_id") == record.id:
                        self._reindex(track)
        self._children = self._tracks = self._slugs = None
        self._languages = None
        for preferred, index in list(self.views.items()):
            if index.needs_rebuild:
                self.views[preferred] = self._build(preferred)

    def _reindex(self, record: Record) -> None:
        key = item_key(record.collection, record.id)
        for index in self.views.values():
            if is_visible(record):
                index.put(self.document(record))
            else:
                index.remove(key)

    # ---- derived views (rebuilt lazily after a change)

    def children(self, parent_id: str | None) -> list[Record]:
        if self._children is None:
            self._children = children_in(self.collections.values())
        return self._children.get(parent_id, [])

    def tracks_of(self, collection_id: str) -> list[Record]:
        if self._tracks is None:
            tracks: dict[str, list[Record]] = {}
            for record in self.tracks.values():
                if not record.deleted:
                    tracks.setdefault(str(record.data.get("collection_id")), []).append(record)
            for found in tracks.values():
                found.sort(key=order_of)
            self._tracks = tracks
        return self._tracks.get(collection_id, [])

    def visible_tracks(self) -> dict[str, list[Record]]:
        """Every collection's visible tracks, in order (what the index stores per collection)."""
        self.tracks_of("")
        assert self._tracks is not None
        shown = {
            key: [record for record in found if is_visible(record)] for key, found in self._tracks.items()
        }
        return {key: found for key, found in shown.items() if found}

    def by_slug(self, slug: str) -> Record | None:
        if self._slugs is None:
            self._slugs = {
                str(record.data["slug"]): record.id
                for record in self.collections.values()
                if not record.deleted and record.data.get("slug")
            }
        found = self._slugs.get(slug)
        return None if found is None else self.collections.get(found)

    def languages(self) -> frozenset[str]:
        """Every language some visible item has text in."""
        if self._languages is None:
            found: set[str] = set()
            for table in self.items.values():
                for record in table.values():
                    if is_visible(record):
                        found.update(record.data.get("title") or {})
                        found.update(record.data.get("description") or {})
            self._languages = frozenset(found)
        return self._languages

    def fallbacks(self, record: Record) -> tuple[str | None, ...]:
        return fallbacks_in(self.collections, record)

    def document(self, record: Record) -> Document:
        return document_in(self.collections, record)

    def index(self, preferred: tuple[str, ...]) -> SearchIndex:
        index = self.views.get(preferred)
        if index is None:
            index = self._build(preferred)
            self.views[preferred] = index
            while len(self.views) > MAX_VIEWS:
                self.views.popitem(last=False)
        self.views.move_to_end(preferred)
        return index

    def _build(self, preferred: tuple[str, ...]) -> SearchIndex:
        index = SearchIndex(preferred)
        for table in self.items.values():
            for record in table.values():
                if is_visible(record):
                    index.put(self.document(record))
        return index


class Catalog:
    """Reads and search over the catalog (one per process; thread-safe)."""

    def __init__(
        self,
        engine: SyncEngine,
        media: MediaStore,
        feed: str = "catalog",
        *,
        load_segments: int = LOAD_SEGMENTS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        index: IndexStore | None = None,
    ) -> None:
        self.engine = engine
        self.media = media
        self.clock = clock
        self.feed = feed
        self.partition = engine.shared_feeds[feed].partition
        self.load_segments = load_segments
        self.index = index  # the published read index (None: every read needs the full copy)
        self._lock = threading.RLock()
        self._state: _State | None = None
        self._view: IndexedView | None = None
        self._shard_keys: dict[str, tuple[tuple[tuple[str, int], ...], str]] = {}

    def _current(self, fresh: bool = False) -> _State:
        """The state as of the catalog's head (the cached head unless `fresh`). Call with the lock."""
        head = self.engine.shared_head(self.feed, fresh=fresh).head
        state = self._state
        if state is None or state.epoch != head.epoch:
            state = _State(head.epoch)
            state.apply(read_feed(self.partition, after=0, upto=head.seq, segments=self.load_segments))
            state.seq = head.seq
            self._state = state
        elif head.seq > state.seq:
            state.apply(read_feed(self.partition, after=state.seq, upto=head.seq))
            state.seq = head.seq
        return state

    def _indexed(self, *, reread: bool = False) -> IndexedView | None:
        """The published index as of the catalog's (cached) head, or None: there is none, it is of
        another epoch, or this process holds the full copy anyway. Call with the lock.

        The manifest is read (one GET) when the view starts and whenever the head has moved past
        the view; the feed from the view's position to the head is then applied (one Query)."""
        if self.index is None or self._state is not None:
            return None
        head = self.engine.shared_head(self.feed).head
        view = None if reread else self._view
        try:
            if view is None or view.epoch != head.epoch or head.seq > view.seq:
                manifest = self.index.manifest()
                if manifest is None or manifest.epoch != head.epoch:
                    self._view = None
                    return None
                if view is None or view.epoch != manifest.epoch or manifest.seq > view.manifest.seq:
                    view = IndexedView(manifest, self.index, self.partition)
                if head.seq > view.seq:
                    view.apply(read_feed(self.partition, after=view.seq, upto=head.seq), head.seq)
        except IndexUnavailable:
            self._view = None
            return None
        self._view = view
        return view

    def _read(self, indexed: Callable[[IndexedView], T], full: Callable[[_State], T]) -> T:
        """`indexed` on the published index when there is one, else `full` on the full copy (loaded
        if need be). An index object that is gone (a newer index retired it) rereads the manifest
        once. Call with the lock."""
        for reread in (False, True):
            view = self._indexed(reread=reread)
            if view is None:
                break
            try:
                return indexed(view)
            except IndexUnavailable:
                self._view = None
        return full(self._current())

    def publish(self) -> Manifest | None:
        """Write the read index of the catalog as of a fresh read of its head (after every editor's
        change and catalog load), unless the stored one is as recent. Returns the manifest written
        or kept; None without an index store or when S3 failed (logged: readers then apply more of
        the feed to the older index, and the next change publishes again)."""
        if self.index is None:
            return None
        with self._lock:
            state = self._current(fresh=True)
            try:
                previous = self.index.manifest()
                if previous is not None and previous.epoch == state.epoch and previous.seq >= state.seq:
                    return previous
                manifest, pieces = self._build_index(state, previous)
                self.index.write(pieces, manifest, previous.objects() if previous else set())
                if previous is not None:
                    self.index.delete(set(previous.retired) - manifest.objects())
            except (IndexUnavailable, BotoCoreError, ClientError) as error:
                logger.warning("catalog index not published", extra={"error": type(error).__name__})
                return None
        return manifest

    def _build_index(self, state: _State, previous: Manifest | None) -> tuple[Manifest, Pieces]:
        pieces = Pieces()
        stored = previous.objects() if previous else set()
        collections = [record for record in state.collections.values() if not record.deleted]
        tracks: dict[str, str] = {}
        for collection_id, found in state.visible_tracks().items():
            fingerprint = tuple((record.id, record.version) for record in found)
            known = self._shard_keys.get(collection_id)
            if known is not None and known[0] == fingerprint and known[1] in stored:
                tracks[collection_id] = known[1]  # unchanged and stored: not encoded again
                continue
            tracks[collection_id] = pieces.add(encode_records(self.partition, found), "records")
            self._shard_keys[collection_id] = (fingerprint, tracks[collection_id])
        languages = state.languages()
        search = {
            preference_key(preferred): pieces.add(state.index(preferred).dump(), "search")
            for preferred in sorted(preferences(languages))
        }
        manifest = Manifest(
            epoch=state.epoch,
            seq=state.seq,
            languages=languages,
            collections=pieces.add(encode_records(self.partition, collections), "records"),
            tracks=tracks,
            search=search,
        )
        return dataclasses.replace(manifest, retired=retire(previous, manifest.objects())), pieces

    # ---- what users read (visible items only, unless an editor asks for everything)

    def collections(
        self,
        *,
        parent_id: str | None,
        kind: str | None,
        first: int,
        after: Mapping[str, str] | None = None,
        include_hidden: bool = False,
    ) -> CollectionPage:
        """Collections under `parent_id` (top-level ones for None), of `kind` if given, by `order`."""
        check_between("first", first, 1, MAX_PAGE)
        start = _page_start(after)
        with self._lock:
            children = self._read(
                lambda view: view.children(parent_id), lambda state: state.children(parent_id)
            )
            found = [
                record
                for record in children
                if (include_hidden or is_visible(record))
                and (kind is None or record.data.get("kind") == kind)
                and (start is None or order_of(record) > start)
            ]
        page = found[:first]
        next_key = None
        if len(found) > first:
            order, last_id = order_of(page[-1])
            next_key = {"order": str(order), "id": last_id}
        return CollectionPage(page, next_key)

    def collection(
        self, *, id: str | None = None, slug: str | None = None, include_hidden: bool = False
    ) -> Record | None:
        """One collection by id or slug (exactly one of them), or None if users can't see it."""
        if (id is None) == (slug is None):
            raise BadUserInput("Give exactly one of id and slug", field="id")
        with self._lock:
            if id is not None and self._state is None:
                return _shown(self._read_one(COLLECTIONS.sort_key, id), include_hidden)
            if id is not None:
                record = self._current().collections.get(id)
            else:
                record = self._read(
                    lambda view: view.by_slug(str(slug)), lambda state: state.by_slug(str(slug))
                )
        return _shown(record, include_hidden)

    def _read_one(self, sort_key: Callable[[str], str], item_id: str) -> Record | None:
        """One item from DynamoDB (one GetItem), for a process that has not loaded the copy."""
        return get_record(self.partition, sort_key(item_id)) if CATALOG_ID.match(item_id) else None

    def tracks(self, collection_id: str, *, include_hidden: bool = False) -> list[Record]:
        """A collection's tracks in order (its visible ones, unless an editor asks for all)."""
        with self._lock:
            if include_hidden:  # drafts: only the full copy has them
                found = self._current().tracks_of(collection_id)
            else:
                found = self._read(
                    lambda view: view.tracks_of(collection_id), lambda state: state.tracks_of(collection_id)
                )
        return [record for record in found if include_hidden or is_visible(record)]

    def track(self, id: str, *, include_hidden: bool = False) -> Record | None:
        with self._lock:
            if self._state is None:
                return _shown(self._read_one(TRACKS.sort_key, id), include_hidden)
            record = self._current().tracks.get(id)
        return _shown(record, include_hidden)

    def fallbacks(self, record: Record) -> tuple[str | None, ...]:
        """The fallback languages of a record's text (its collection's default language first; a
        process that has not loaded the copy reads a track's collection: one GetItem)."""
        with self._lock:
            state = self._state
            if state is not None:
                return state.fallbacks(record)
            found = self._view.fallbacks(record) if self._view is not None else None
            if found is not None:
                return found
        if record.collection == COLLECTIONS.name:
            return (record.data.get("default_language"),)
        parent = self._read_one(COLLECTIONS.sort_key, str(record.data.get("collection_id")))
        return (parent.data.get("default_language") if parent else None, record.data.get("language"))

    def search(self, query: str, locale: str | None, first: int = 20) -> list[SearchResult]:
        """Visible collections and tracks matching `query` in the language `locale` sees, best first."""
        if len(query) > MAX_QUERY_LENGTH:
            raise BadUserInput(
                f"query is {len(query)} characters; the limit is {MAX_QUERY_LENGTH}",
                field="query",
                limit=MAX_QUERY_LENGTH,
            )
        check_between("first", first, 1, MAX_SEARCH_RESULTS)
        with self._lock:
            found = self._read(
                lambda view: view.search(query, locale, first),
                lambda state: _search(state, query, locale, first),
            )
        return [SearchResult(record, score) for record, score in found]

    def media_url(
        self, track_id: str, kind: MediaKind, access: Callable[[], Access] | None = None
    ) -> SignedUrl:
        """A short-lived download URL for a published track's media (NOT_FOUND otherwise).

        The track is read from DynamoDB (one GetItem), not from the cached copy: a track unpublished
        a moment ago gets no new URL anywhere. URLs already handed out stay valid until they expire.
        A track that requires an entitlement the user's `access` (read only then) lacks is FORBIDDEN
        (reason ENTITLEMENT_REQUIRED) for its AUDIO and TRANSCRIPT; its IMAGE stays available (an app
        shows it with a lock).
        """
        record = None
        if CATALOG_ID.match(track_id):
            record = get_record(self.partition, TRACKS.sort_key(track_id))
        if record is None or not is_visible(record):
            raise NotFound(f"There is no track {track_id}", field="trackId")
        needs = required_entitlement(record)
        if needs is not None and access is not None and kind is not MediaKind.IMAGE:
            access().require(needs, f"Track {track_id}")
        key = record.data.get(f"media_{kind.value}")
        if not key:
            raise NotFound(f"Track {track_id} has no {kind.name.lower()}", field="kind")
        return self.media.download_url(str(key), self.clock())

    def track_title(self, track_id: str) -> str | None:
        """A published track's title in its own language (one GetItem), or None."""
        record = get_record(self.partition, TRACKS.sort_key(track_id)) if CATALOG_ID.match(track_id) else None
        if record is None or not is_visible(record):
            return None
        return localize(record.data.get("title"), None, self.fallbacks(record))[1]

    def collection_title(self, collection_id: str) -> str | None:
        """A published collection's title in its own language, or None."""
        record = self.collection(id=collection_id) if CATALOG_ID.match(collection_id) else None
        if record is None:
            return None
        return localize(record.data.get("title"), None, self.fallbacks(record))[1]

    # ---- what editors need: everything, as of a fresh read of the head

    def lookup(self, kind: str, id: str, *, fresh: bool = True) -> Record | None:
        """The item as stored (drafts and tombstones too)."""
        with self._lock:
            return self._current(fresh).items[kind].get(id)

    def items(self) -> Items:
        """Every item as stored, as of a fresh read of the head (a copy: safe to read at leisure)."""
        with self._lock:
            state = self._current(fresh=True)
            return Items(dict(state.collections), dict(state.tracks))

    def children_of(self, collection_id: str) -> tuple[list[Record], list[Record]]:
        """(collections, tracks) directly inside a collection, not deleted, drafts included."""
        with self._lock:
            state = self._current(fresh=True)
            return list(state.children(collection_id)), list(state.tracks_of(collection_id))

    def stats(self) -> dict[str, Any]:
        """Sizes of the in-memory copy (for the benchmark and logs)."""
        with self._lock:
            state = self._current()
            return {
                "seq": state.seq,
                "collections": len(state.collections),
                "tracks": len(state.tracks),
                "search_views": len(state.views),
            }


def _search(state: _State, query: str, locale: str | None, first: int) -> list[tuple[Record, int]]:
    hits = state.index(preference(locale, state.languages())).search(query, first)
    return [
        (state.items[kind][item_id], hit.score)
        for hit in hits
        for kind, _, item_id in [hit.key.partition(":")]
    ]


def _shown(record: Record | None, include_hidden: bool) -> Record | None:
    if record is None or record.deleted:
        return None
    return record if include_hidden or is_visible(record) else None


def _page_start(after: Mapping[str, str] | None) -> tuple[int, str] | None:
    if after is None:
        return None
    try:
        if set(after) != {"order", "id"}:
            raise ValueError("keys")
        return int(after["order"]), str(after["id"])
    except (ValueError, TypeError):
        raise BadUserInput(
            "`after` is not a cursor of this list; pass the endCursor it returned", field="after"
        ) from None
