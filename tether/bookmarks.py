"""Bookmarks: a user's marks inside a track (a position, a label, a note)."""

from __future__ import annotations

from collections.abc import Mapping

from tether.model.record import Record
from tether.progress import MAX_SECONDS
from tether.sync import reads
from tether.sync.collection import Collection, Delete, SavePatch
from tether.sync.fields import CatalogId, Number, Text, check_catalog_id


def _by_track(record: Record) -> str | None:
    track_id = record.data.get("track_id")
    position = float(record.data.get("position_seconds", 0))
    return f"BOOKMARK#{track_id}#{position:09.3f}" if track_id else None


BOOKMARKS = Collection(
    name="bookmark",
    key_prefix="BOOKMARK",
    fields={
        "track_id": CatalogId(required=True),
        "position_seconds": Number(minimum=0, maximum=MAX_SECONDS, required=True),
        "label": Text(max_length=200),
        "note": Text(max_length=5_000),
    },
    operations={"save": SavePatch(), "delete": Delete()},
    lookup_key=_by_track,
)


def of_track(user_id: str, track_id: str, *, first: int, after: Mapping[str, str] | None) -> reads.RecordPage:
    """A track's bookmarks (not deleted), by position."""
    check_catalog_id(track_id, "trackId")
    return reads.page(
        user_id, BOOKMARKS, first=first, after=after, index="byLookup", prefix=f"BOOKMARK#{track_id}#"
    )
