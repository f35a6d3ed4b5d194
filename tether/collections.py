"""Every synced collection, by name: what the sync engine pushes and pulls."""

from __future__ import annotations

from tether.attachments import ATTACHMENTS
from tether.bookmarks import BOOKMARKS
from tether.catalog.model import COLLECTIONS as CATALOG_COLLECTIONS
from tether.catalog.model import TRACKS
from tether.chat.facts import MEMORY
from tether.chat.model import MESSAGES, THREADS
from tether.entitlements.model import ENTITLEMENTS
from tether.pieces import PIECES
from tether.preferences import PREFERENCES
from tether.progress import PROGRESS
from tether.sessions import SESSIONS
from tether.sync.collection import Collection

COLLECTIONS: tuple[Collection, ...] = (
    PIECES,
    SESSIONS,
    PROGRESS,
    BOOKMARKS,
    THREADS,
    MESSAGES,
    MEMORY,
    PREFERENCES,
    CATALOG_COLLECTIONS,
    TRACKS,
    ENTITLEMENTS,
    ATTACHMENTS,
)
BY_NAME = {collection.name: collection for collection in COLLECTIONS}
