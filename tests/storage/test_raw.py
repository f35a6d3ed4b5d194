"""Storage of records: pulls decode raw items directly, exactly as the PynamoDB models would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.sync.conftest import new_id
from tether.catalog.model import TRACKS
from tether.collections import COLLECTIONS
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.settings import Settings
from tether.storage.base import TetherModel
from tether.storage.listing import get_record
from tether.storage.raw import raw_record
from tether.sync.engine import ServerChange, SyncEngine


def test_raw_items_decode_like_the_models(settings: Settings) -> None:
    engine = SyncEngine(collections=COLLECTIONS, cursor_key=b"k", tombstone_retention=timedelta(days=30))
    partition = f"SHARED#{new_id()}"
    piece, session, gone, track = new_id(), new_id(), new_id(), "talk-1"
    now = datetime.now(UTC)
    engine.write(
        partition,
        [
            ServerChange(
                PIECES,
                "save",
                {"id": piece, "title": "Ave", "tags": ["a", "b"], "favorite": True, "lyrics": "ç"},
            ),
            ServerChange(
                SESSIONS,
                "save",
                {
                    "id": session,
                    "started_at": now - timedelta(minutes=5),
                    "duration_seconds": 300,
                    "rating": 4,
                },
            ),
            ServerChange(PIECES, "save", {"id": gone, "title": "gone"}),
            ServerChange(
                TRACKS,
                "save",
                {
                    "id": track,
                    "collection_id": "c",
                    "title": {"en": "Breath", "pt": "Respiração"},
                    "published_at": now,
                },
            ),
        ],
    )
    engine.write(partition, [ServerChange(PIECES, "delete", {"id": gone})])
    raw = TetherModel._get_connection().query(partition, consistent_read=True)["Items"]
    decoded = {record.id: record for record in map(raw_record, raw) if record is not None}
    assert set(decoded) == {piece, session, gone, track}
    for item_id, collection in ((piece, PIECES), (session, SESSIONS), (gone, PIECES), (track, TRACKS)):
        model = get_record(partition, collection.sort_key(item_id))
        assert decoded[item_id] == model, item_id
    assert raw_record({"type": {"S": "head"}}) is None
