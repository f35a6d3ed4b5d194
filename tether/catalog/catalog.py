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

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tether.catalog.locale import localize, preference
from tether.catalog.media import MediaKind, MediaStore, SignedUrl
from tether.catalog.model import COLLECTIONS, TRACKS, is_visible, required_entitlement
from tether.catalog.rules import Items
from tether.catalog.search import Document, SearchIndex
from tether.entitlements.service import Access
from tether.errors import BadUserInput, NotFound, check_between
from tether.model.record import Record
from tether.storage.feed import read_feed
from tether.storage.listing import get_record
from tether.sync.engine import SyncEngine
from tether.sync.fields import CATALOG_ID

MAX_PAGE = 100
MAX_SEARCH_RESULTS = 50
MAX_QUERY_LENGTH = 200
MAX_VIEWS = 8  # search indexes kept per process (one per language preference in use)
LOAD_SEGMENTS = 8


def item_key(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def _order(record: Record) -> tuple[int, str]:
    return int(record.data.get("order") or 0), record.id


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
            children: dict[str | None, list[Record]] = {}
            for record in self.collections.values():
                if not record.deleted:
                    children.setdefault(record.data.get("parent_id"), []).append(record)
            for found in children.values():
                found.sort(key=_order)
            self._children = children
        return self._children.get(parent_id, [])

    def tracks_of(self, collection_id: str) -> list[Record]:
        if self._tracks is None:
            tracks: dict[str, list[Record]] = {}
            for record in self.tracks.values():
                if not record.deleted:
                    tracks.setdefault(str(record.data.get("collection_id")), []).append(record)
            for found in tracks.values():
                found.sort(key=_order)
            self._tracks = tracks
        return self._tracks.get(collection_id, [])

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
        """The languages to fall back to: the collection's default language (then the recording's)."""
        if record.collection == COLLECTIONS.name:
            return (record.data.get("default_language"),)
        parent = self.collections.get(str(record.data.get("collection_id")))
        return (parent.data.get("default_language") if parent else None, record.data.get("language"))

    def document(self, record: Record) -> Document:
        return Document(
            key=item_key(record.collection, record.id),
            title=record.data.get("title") or {},
            description=record.data.get("description") or {},
            tags=record.data.get("tags") or [],
            fallbacks=self.fallbacks(record),
        )

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
    ) -> None:
        self.engine = engine
        self.media = media
        self.clock = clock
        self.feed = feed
        self.partition = engine.shared_feeds[feed].partition
        self.load_segments = load_segments
        self._lock = threading.RLock()
        self._state: _State | None = None

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
            found = [
                record
                for record in self._current().children(parent_id)
                if (include_hidden or is_visible(record))
                and (kind is None or record.data.get("kind") == kind)
                and (start is None or _order(record) > start)
            ]
        page = found[:first]
        next_key = None
        if len(found) > first:
            order, last_id = _order(page[-1])
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
            state = self._current()
            record = state.collections.get(id) if id is not None else state.by_slug(str(slug))
        return _shown(record, include_hidden)

    def _read_one(self, sort_key: Callable[[str], str], item_id: str) -> Record | None:
        """One item from DynamoDB (one GetItem), for a process that has not loaded the copy."""
        return get_record(self.partition, sort_key(item_id)) if CATALOG_ID.match(item_id) else None

    def tracks(self, collection_id: str, *, include_hidden: bool = False) -> list[Record]:
        """A collection's tracks in order (its visible ones, unless an editor asks for all)."""
        with self._lock:
            found = self._current().tracks_of(collection_id)
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
            state = self._current()
            index = state.index(preference(locale, state.languages()))
            hits = index.search(query, first)
            kinds = state.items
            return [
                SearchResult(kinds[kind][item_id], hit.score)
                for hit in hits
                for kind, _, item_id in [hit.key.partition(":")]
            ]

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
