"""The catalog's read index: what users' reads need, built when editors change the catalog and
stored in S3, so that a Lambda answers a listing or a search without loading the whole catalog.

One object per piece, named by a hash of its content (an unchanged piece keeps its name, and a new
index writes only what changed), and a manifest naming them all as of one position of the
catalog's feed (`catalog-index/<partition>/manifest.json`, read with one GET):

- `collections`: every collection that is not deleted (drafts too: listings and fallback languages
  need the tree as the full copy has it; a few hundred items);
- `tracks[<collection id>]`: the visible tracks of one collection (what `Collection.tracks` lists);
- `search[<language preference>]`: the search index (`SearchIndex.dump`) for each language
  preference the catalog's languages can produce (`preferences`), visible items only.

Records are stored as DynamoDB JSON with the attributes a feed read gets, and decoded by the same
`raw_record`: a record read from the index is the record the full copy holds.

The index is an optimization, never the truth: a reader applies the catalog's feed from the
manifest's position to the head (docs/catalog.md, "How reads stay fresh"), so a missing, late or
failed index changes how much is read, not what is seen.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from tether.catalog.locale import preference
from tether.catalog.model import KINDS
from tether.media import Media
from tether.model.record import Record
from tether.storage.raw import raw_record
from tether.storage.record_items import READ_ATTRIBUTES, Write, record_attributes
from tether.telemetry import logger

FORMAT = 1
PREFIX = "catalog-index/"  # of the media bucket (template.yaml: the worker reads it, old versions expire)
_ATTRIBUTES = frozenset(READ_ATTRIBUTES)


class IndexUnavailable(Exception):
    """The index (or one of its objects) could not be read: the reader falls back to the full copy."""


@dataclass(frozen=True)
class Manifest:
    """The index as of feed position `seq` of catalog epoch `epoch`."""

    epoch: str | None
    seq: int
    languages: frozenset[str]
    collections: str
    tracks: Mapping[str, str]
    search: Mapping[str, str]  # preference_key(preferred) -> object key
    retired: tuple[str, ...] = ()  # objects of the manifest before this one that this one dropped

    def objects(self) -> set[str]:
        return {self.collections, *self.tracks.values(), *self.search.values()}

    def dump(self) -> bytes:
        return orjson.dumps(
            {
                "format": FORMAT,
                "epoch": self.epoch,
                "seq": self.seq,
                "languages": sorted(self.languages),
                "collections": self.collections,
                "tracks": dict(self.tracks),
                "search": dict(self.search),
                "retired": list(self.retired),
            }
        )

    @classmethod
    def load(cls, data: bytes) -> Manifest | None:
        """The manifest, or None if another version of the code wrote it."""
        found = orjson.loads(data)
        if found.get("format") != FORMAT:
            return None
        return cls(
            found["epoch"],
            int(found["seq"]),
            frozenset(found["languages"]),
            found["collections"],
            found["tracks"],
            found["search"],
            tuple(found.get("retired", ())),
        )


def preference_key(preferred: Iterable[str]) -> str:
    return ",".join(preferred)


def preferences(languages: Collection[str]) -> set[tuple[str, ...]]:
    """Every language preference `locale.preference` gives over `languages`, whatever the locale.

    A locale's preference is that of its longest truncation in `languages` (the truncations below it
    are its own), or, with none, that of its primary language: so the catalog's tags, their primary
    languages and the empty preference (no locale, or no language of it) are all there are.
    """
    found: set[tuple[str, ...]] = {()}
    for tag in languages:
        found.add(preference(tag, languages))
        found.add(preference(tag.split("-")[0], languages))
    return found


def encode_records(partition: str, records: Iterable[Record]) -> bytes:
    """Records as DynamoDB JSON items with the attributes a feed read returns (see `decode_records`)."""
    items = []
    for record in records:
        item = record_attributes(partition, Write(KINDS[record.collection].sort_key(record.id), record))
        items.append({name: value for name, value in item.items() if name in _ATTRIBUTES})
    return orjson.dumps(items)


def decode_records(data: bytes) -> list[Record]:
    return [record for record in map(raw_record, orjson.loads(data)) if record is not None]


@dataclass
class Pieces:
    """The objects of a new index by key (content-named), and which of them each part uses."""

    bodies: dict[str, bytes] = field(default_factory=dict)

    def add(self, body: bytes, suffix: str) -> str:
        key = f"{hashlib.sha256(body).hexdigest()[:40]}.{suffix}"
        self.bodies[key] = body
        return key


class IndexStore:
    """The index's objects in the media bucket, under `catalog-index/<partition>/`."""

    def __init__(self, media: Media, partition: str) -> None:
        self.media = media
        self.prefix = f"{PREFIX}{partition}/"

    @property
    def manifest_key(self) -> str:
        return f"{self.prefix}manifest.json"

    def manifest(self) -> Manifest | None:
        """The current manifest (one GET), or None when there is none yet."""
        data = self._get(self.manifest_key, missing_ok=True)
        return None if data is None else Manifest.load(data)

    def read(self, key: str) -> bytes:
        data = self._get(self.prefix + key, missing_ok=False)
        assert data is not None
        return data

    def _get(self, key: str, *, missing_ok: bool) -> bytes | None:
        try:
            body: bytes = self.media.client.get_object(Bucket=self.media.bucket, Key=key)["Body"].read()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if missing_ok and code in ("NoSuchKey", "404"):
                return None
            logger.warning("catalog index read failed", extra={"error_code": code})
            raise IndexUnavailable(key) from error
        except BotoCoreError as error:
            logger.warning("catalog index read failed", extra={"error_code": type(error).__name__})
            raise IndexUnavailable(key) from error
        return body

    def write(self, pieces: Pieces, manifest: Manifest, existing: Collection[str]) -> None:
        """Upload the objects not already stored, then the manifest (readers see all or nothing),
        then delete what the previous manifest had retired (readers still holding that one retry)."""
        client, bucket = self.media.client, self.media.bucket
        for key, body in pieces.bodies.items():
            if key not in existing:
                client.put_object(Bucket=bucket, Key=self.prefix + key, Body=body)
        client.put_object(Bucket=bucket, Key=self.manifest_key, Body=manifest.dump())

    def delete(self, keys: Iterable[str]) -> None:
        objects = [{"Key": self.prefix + key} for key in sorted(keys)]
        for start in range(0, len(objects), 1000):
            self.media.client.delete_objects(
                Bucket=self.media.bucket, Delete={"Objects": objects[start : start + 1000], "Quiet": True}
            )


def retire(previous: Manifest | None, pieces_keys: set[str]) -> tuple[str, ...]:
    """The previous manifest's objects the new one no longer uses (deleted one index later)."""
    return () if previous is None else tuple(sorted(previous.objects() - pieces_keys))
