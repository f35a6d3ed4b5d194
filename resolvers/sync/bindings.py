"""How each synced collection appears in the sync contract. Adding a collection adds lines here only."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.account.records import Preferences
from resolvers.attachments.records import Attachment
from resolvers.bookmarks.records import Bookmark
from resolvers.chat.records import ChatMemory, ChatMessage, ChatThread
from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.entitlements.records import Entitlement
from resolvers.pieces.records import Piece
from resolvers.progress.records import Progress
from resolvers.sessions.records import PracticeSession
from resolvers.syncable import Syncable
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
    "record_progress": ChangeBinding(PROGRESS, "record"),
    "reset_progress": ChangeBinding(PROGRESS, "reset"),
    "save_bookmark": ChangeBinding(BOOKMARKS, "save"),
    "delete_bookmark": ChangeBinding(BOOKMARKS, "delete"),
    "save_chat_thread": ChangeBinding(THREADS, "save"),
    "delete_chat_thread": ChangeBinding(THREADS, "delete"),
    "send_chat_message": ChangeBinding(MESSAGES, "send"),
    "save_memory": ChangeBinding(MEMORY, "save"),
    "delete_memory": ChangeBinding(MEMORY, "delete"),
    "save_preferences": ChangeBinding(PREFERENCES, "save"),
    "save_attachment": ChangeBinding(ATTACHMENTS, "save"),
    "delete_attachment": ChangeBinding(ATTACHMENTS, "delete"),
}

# collection name -> (GraphQL type, SyncPullPayload field)
RECORDS: dict[str, tuple[type[Syncable], str]] = {
    PIECES.name: (Piece, "pieces"),
    SESSIONS.name: (PracticeSession, "sessions"),
    PROGRESS.name: (Progress, "progress"),
    BOOKMARKS.name: (Bookmark, "bookmarks"),
    THREADS.name: (ChatThread, "chat_threads"),
    MESSAGES.name: (ChatMessage, "chat_messages"),
    MEMORY.name: (ChatMemory, "chat_memory"),
    PREFERENCES.name: (Preferences, "preferences"),
    CATALOG_COLLECTIONS.name: (CatalogCollection, "collections"),
    TRACKS.name: (CatalogTrack, "tracks"),
    ENTITLEMENTS.name: (Entitlement, "entitlements"),
    ATTACHMENTS.name: (Attachment, "attachments"),
}
