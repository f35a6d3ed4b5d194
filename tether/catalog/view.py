"""Users' reads of the catalog from its published index (tether/catalog/index.py), loaded piece by
piece as requests need them and kept current from the catalog's feed.

A view starts at a manifest's position. Whatever the catalog's head says has changed since (the
feed from there to the head, one Query) overrides what the index says: so a view answers exactly
what a full copy of the catalog at the same head would answer, however old its index is.
Loaded pieces stay in the process: the collections (at once), a collection's tracks (on its first
listing, the last `MAX_SHARDS` kept), a language preference's search index (on its first search,
the last `MAX_INDEXES` kept) and the records of search hits (`MAX_RECORDS` kept; read with one
BatchGetItem, as `track(id)` reads one track).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TypeVar

from tether.catalog.index import IndexStore, IndexUnavailable, Manifest, decode_records, preference_key
from tether.catalog.locale import preference
from tether.catalog.model import COLLECTIONS, TRACKS, is_visible
from tether.catalog.search import Document, Hit, SearchIndex
from tether.model.record import Record
from tether.storage.listing import get_records

MAX_SHARDS = 64  # collections whose tracks a process keeps
MAX_INDEXES = 8  # search indexes a process keeps (one per language preference in use)
MAX_RECORDS = 5_000  # search hits' records a process keeps

K = TypeVar("K")
V = TypeVar("V")


def item_key(kind: str, item_id: str) -> str:
    return f"{kind}:{item_id}"


def order_of(record: Record) -> tuple[int, str]:
    return int(record.data.get("order") or 0), record.id


def fallbacks_in(collections: Mapping[str, Record], record: Record) -> tuple[str | None, ...]:
    """The languages to fall back to: the collection's default language (then the recording's)."""
    if record.collection == COLLECTIONS.name:
        return (record.data.get("default_language"),)
    parent = collections.get(str(record.data.get("collection_id")))
    return (parent.data.get("default_language") if parent else None, record.data.get("language"))


def document_in(collections: Mapping[str, Record], record: Record) -> Document:
    return Document(
        key=item_key(record.collection, record.id),
        title=record.data.get("title") or {},
        description=record.data.get("description") or {},
        tags=record.data.get("tags") or [],
        fallbacks=fallbacks_in(collections, record),
    )


def children_in(collections: Iterable[Record]) -> dict[str | None, list[Record]]:
    """Collections by parent (not deleted), each list in order."""
    children: dict[str | None, list[Record]] = {}
    for record in collections:
        if not record.deleted:
            children.setdefault(record.data.get("parent_id"), []).append(record)
    for found in children.values():
        found.sort(key=order_of)
    return children


def text_languages(record: Record) -> set[str]:
    return {*(record.data.get("title") or {}), *(record.data.get("description") or {})}


def _keep(cache: OrderedDict[K, V], key: K, value: V, limit: int) -> V:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > limit:
        cache.popitem(last=False)
    return value


class IndexedView:
    """The catalog as users see it, from an index manifest plus the feed since (not thread-safe:
    the Catalog's lock guards it)."""

    def __init__(self, manifest: Manifest, store: IndexStore, partition: str) -> None:
        self.manifest = manifest
        self.store = store
        self.partition = partition
        self.epoch = manifest.epoch
        self.seq = manifest.seq
        self.changed: dict[str, Record] = {}  # item key -> its latest record after the manifest
        self._base_collections = {
            record.id: record for record in decode_records(store.read(manifest.collections))
        }
        self.collections = dict(self._base_collections)
        self._children: dict[str | None, list[Record]] | None = None
        self._slugs: dict[str, str] | None = None
        self._shards: OrderedDict[str, list[Record]] = OrderedDict()  # as stored (visible tracks)
        self._tracks: dict[str, list[Record]] = {}  # with the changes applied
        self._indexes: OrderedDict[tuple[str, ...], SearchIndex] = OrderedDict()
        self._records: OrderedDict[str, Record] = OrderedDict()
        self.languages = set(manifest.languages)

    # ---- following the feed

    def apply(self, records: Iterable[Record], upto: int) -> None:
        """The feed's records after the view's position, up to `upto` (the head)."""
        changed = [record for record in records if record.collection in (COLLECTIONS.name, TRACKS.name)]
        for record in changed:
            key = item_key(record.collection, record.id)
            self.changed[key] = record
            self._records.pop(key, None)
            if record.collection == COLLECTIONS.name:
                if record.deleted:
                    self.collections.pop(record.id, None)
                else:
                    self.collections[record.id] = record
            if is_visible(record):
                self.languages |= text_languages(record)
        self.seq = max(self.seq, upto)
        if changed:
            self._children = self._slugs = None
            self._tracks.clear()
            for index in self._indexes.values():
                self._reindex(index, changed)

    def _reindex(self, index: SearchIndex, records: Iterable[Record]) -> None:
        """Index changed items (and the tracks of a collection whose default language changed)."""
        for record in records:
            self._put(index, record)
            if record.collection == COLLECTIONS.name:
                before = self._base_collections.get(record.id)
                if before is not None and before.data.get("default_language") != record.data.get(
                    "default_language"
                ):
                    for track in self.tracks_of(record.id):
                        self._put(index, track)

    def _put(self, index: SearchIndex, record: Record) -> None:
        if is_visible(record):
            index.put(document_in(self.collections, record))
        else:
            index.remove(item_key(record.collection, record.id))

    # ---- reads

    def children(self, parent_id: str | None) -> list[Record]:
        if self._children is None:
            self._children = children_in(self.collections.values())
        return self._children.get(parent_id, [])

    def by_slug(self, slug: str) -> Record | None:
        if self._slugs is None:
            self._slugs = {
                str(record.data["slug"]): record.id
                for record in self.collections.values()
                if record.data.get("slug")
            }
        found = self._slugs.get(slug)
        return None if found is None else self.collections.get(found)

    def fallbacks(self, record: Record) -> tuple[str | None, ...] | None:
        """The record's fallback languages, or None when its collection is not in the view."""
        if record.collection == COLLECTIONS.name or str(record.data.get("collection_id")) in self.collections:
            return fallbacks_in(self.collections, record)
        return None

    def tracks_of(self, collection_id: str) -> list[Record]:
        """The collection's visible tracks in order (its stored list, one GET, and the changes since)."""
        found = self._tracks.get(collection_id)
        if found is not None:
            return found
        stored = self._shards.get(collection_id)
        if stored is None:
            key = self.manifest.tracks.get(collection_id)
            stored = [] if key is None else decode_records(self.store.read(key))
            _keep(self._shards, collection_id, stored, MAX_SHARDS)
        else:
            self._shards.move_to_end(collection_id)
        if self.changed:
            tracks = {track.id: track for track in stored}
            for record in self.changed.values():
                if record.collection == TRACKS.name:
                    tracks.pop(record.id, None)
                    if is_visible(record) and record.data.get("collection_id") == collection_id:
                        tracks[record.id] = record
            found = sorted(tracks.values(), key=order_of)
        else:
            found = stored
        if len(self._tracks) >= MAX_SHARDS:
            self._tracks.clear()
        self._tracks[collection_id] = found
        return found

    def search(self, query: str, locale: str | None, first: int) -> list[tuple[Record, int]]:
        """(record, score) of the best `first` visible items for the query in the locale's language."""
        preferred = preference(locale, self.languages)
        hits = self._index(preferred).search(query, first)
        records = self._hit_records(hits)
        return [(records[hit.key], hit.score) for hit in hits if hit.key in records]

    def _index(self, preferred: tuple[str, ...]) -> SearchIndex:
        index = self._indexes.get(preferred)
        if index is not None:
            self._indexes.move_to_end(preferred)
            return index
        # The index written for the same preference over the manifest's languages: it chose every
        # stored item's language as `preferred` does (the other languages have no stored text).
        stored = tuple(tag for tag in preferred if tag in self.manifest.languages)
        key = self.manifest.search.get(preference_key(stored))
        if key is None:
            raise IndexUnavailable(f"no search index for {stored}")
        index = SearchIndex.load(self.store.read(key), preferred)
        self._reindex(index, list(self.changed.values()))
        return _keep(self._indexes, preferred, index, MAX_INDEXES)

    def _hit_records(self, hits: list[Hit]) -> dict[str, Record]:
        """The visible records of the hits: changed ones from the feed, collections from the view,
        tracks from the process's cache or one strongly consistent BatchGetItem."""
        found: dict[str, Record] = {}
        missing: list[str] = []
        for hit in hits:
            kind, _, item_id = hit.key.partition(":")
            record = self.changed.get(hit.key) or self._records.get(hit.key)
            if record is None and kind == COLLECTIONS.name:
                record = self.collections.get(item_id)
            if record is None:
                missing.append(item_id)
            else:
                found[hit.key] = record
        if missing:
            read = get_records(self.partition, [TRACKS.sort_key(item_id) for item_id in missing])
            for record in read:
                key = item_key(record.collection, record.id)
                _keep(self._records, key, record, MAX_RECORDS)
                found[key] = record
        # A record read now may have changed after the view's position: shown only if still visible.
        return {key: record for key, record in found.items() if is_visible(record)}
