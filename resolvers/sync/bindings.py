"""How each synced collection appears in the sync contract. Adding a collection adds lines here only."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.content.types import CatalogCollection, CatalogTrack
from resolvers.pieces.types import Piece
from resolvers.sessions.types import PracticeSession
from resolvers.syncable import Syncable
from tether.catalog.model import COLLECTIONS as CATALOG_COLLECTIONS
from tether.catalog.model import TRACKS
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.sync.collection import Collection


@dataclass(frozen=True)
class ChangeBinding:
    collection: Collection
    operation: str


# SyncChangeInput member -> (collection, operation)
CHANGES: dict[str, ChangeBinding] = {
    "save_piece": ChangeBinding(PIECES, "save"),
    "delete_piece": ChangeBinding(PIECES, "delete"),
    "save_session": ChangeBinding(SESSIONS, "save"),
    "delete_session": ChangeBinding(SESSIONS, "delete"),
}

# collection name -> (GraphQL type, SyncPullPayload field)
RECORDS: dict[str, tuple[type[Syncable], str]] = {
    PIECES.name: (Piece, "pieces"),
    SESSIONS.name: (PracticeSession, "sessions"),
    CATALOG_COLLECTIONS.name: (CatalogCollection, "collections"),
    TRACKS.name: (CatalogTrack, "tracks"),
}
