"""Every synced collection, by name: what the sync engine pushes and pulls."""

from __future__ import annotations

from tether.chat.model import MESSAGES, THREADS
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.sync.collection import Collection

COLLECTIONS: tuple[Collection, ...] = (PIECES, SESSIONS, THREADS, MESSAGES)
BY_NAME = {collection.name: collection for collection in COLLECTIONS}
