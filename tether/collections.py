"""Every synced collection, by name: what the sync engine pushes and pulls."""

from __future__ import annotations

from tether.catalog.model import COLLECTIONS as CATALOG_COLLECTIONS
from tether.catalog.model import TRACKS
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.sync.collection import Collection

COLLECTIONS: tuple[Collection, ...] = (PIECES, SESSIONS, CATALOG_COLLECTIONS, TRACKS)
BY_NAME = {collection.name: collection for collection in COLLECTIONS}
