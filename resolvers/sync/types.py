from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from resolvers.account.records import DeviceInput, Preferences, PreferencesInput
from resolvers.attachments.records import Attachment, AttachmentInput
from resolvers.bookmarks.records import Bookmark, BookmarkInput
from resolvers.chat.records import (
    ChatMemory,
    ChatMemoryInput,
    ChatMessage,
    ChatMessageInput,
    ChatThread,
    ChatThreadInput,
)
from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.entitlements.records import Entitlement
from resolvers.input_plan import use_plan
from resolvers.pieces.records import Piece, PieceInput
from resolvers.progress.records import Progress, RecordProgressInput, ResetProgressInput
from resolvers.sessions.records import PracticeSession, PracticeSessionInput


@strawberry.enum(description="What the server did with one queued mutation.")
class SyncStatus(Enum):
    APPLIED = "APPLIED"
    MERGED = "MERGED"
    DUPLICATE = "DUPLICATE"
    REJECTED = "REJECTED"


SyncRecord = Annotated[
    Piece
    | PracticeSession
    | Progress
    | Bookmark
    | ChatThread
    | ChatMessage
    | ChatMemory
    | Preferences
    | CatalogCollection
    | CatalogTrack
    | Attachment,
    strawberry.union("SyncRecord", description="Any synced record."),
]


@strawberry.input(description="Delete a record by id: it becomes a tombstone, and deletes are final.")
class DeleteInput:
    id: strawberry.ID


@strawberry.input(one_of=True, description="Exactly one change.")
class SyncChangeInput:
    save_piece: PieceInput | None = strawberry.UNSET
    delete_piece: DeleteInput | None = strawberry.UNSET
    save_session: PracticeSessionInput | None = strawberry.UNSET
    delete_session: DeleteInput | None = strawberry.UNSET
    record_progress: RecordProgressInput | None = strawberry.UNSET
    reset_progress: ResetProgressInput | None = strawberry.UNSET
    save_bookmark: BookmarkInput | None = strawberry.UNSET
    delete_bookmark: DeleteInput | None = strawberry.UNSET
    save_chat_thread: ChatThreadInput | None = strawberry.UNSET
    delete_chat_thread: DeleteInput | None = strawberry.field(
        default=strawberry.UNSET, description="Deleting a thread deletes its messages too."
    )
    send_chat_message: ChatMessageInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The assistant's reply arrives with a later pull (often the next one).",
    )
    save_memory: ChatMemoryInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="Add or edit a fact of the assistant's long-term memory (chatMemory).",
    )
    delete_memory: DeleteInput | None = strawberry.field(
        default=strawberry.UNSET, description="Forget a fact: the assistant never learns it again."
    )
    save_preferences: PreferencesInput | None = strawberry.UNSET
    save_attachment: AttachmentInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The record syncs now; upload its file separately (attachmentUploadUrl, completeAttachment).",
    )
    delete_attachment: DeleteInput | None = strawberry.field(
        default=strawberry.UNSET, description="Deletes its file too (every stored version)."
    )


@strawberry.input(description="One change queued on the device.")
class SyncMutationInput:
    mutation_id: int = strawberry.field(
        description="Strictly increasing per clientId; the server applies each id once, ever."
    )
    changed_at: datetime = strawberry.field(
        description="When the user made the change (device clock; clamped to the server's)."
    )
    change: SyncChangeInput


@strawberry.input
class SyncPushInput:
    client_id: strawberry.ID = strawberry.field(
        description="One id per app installation (1-128 of A-Z a-z 0-9 . _ : -)."
    )
    mutations: list[SyncMutationInput] = strawberry.field(description="In order; at most 100.")
    device: DeviceInput | None = strawberry.field(
        default=None, description="How the app describes this device (stored with the push's changes)."
    )
    profile_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The profile to change (see `profiles`); default: your own. One queue per profile.",
    )


@strawberry.type
class SyncMutationResult:
    mutation_id: int
    status: SyncStatus
    code: str | None = strawberry.field(description="Why a mutation was REJECTED (e.g. RECORD_DELETED).")
    message: str | None
    conflicting_fields: list[str] = strawberry.field(
        description="MERGED: the fields whose newer value on the server won over this edit."
    )
    record: SyncRecord | None = strawberry.field(description="The record as the server now has it.")


@strawberry.type
class SyncPushPayload:
    last_mutation_id: int = strawberry.field(
        description="The highest mutationId the server has processed for this client: drop queued mutations up to it."
    )
    results: list[SyncMutationResult]


@strawberry.input
class SyncPullInput:
    client_id: strawberry.ID
    cursor: str | None = strawberry.field(
        default=None, description="As the last pull returned it; null to start over."
    )
    limit: int = strawberry.field(default=500, description="1-1000 records per page.")
    wait_seconds: int = strawberry.field(
        default=0, description="0-20: wait up to this long for a change when there is none (long polling)."
    )
    device: DeviceInput | None = strawberry.field(
        default=None, description="How the app describes this device (recorded every few minutes at most)."
    )
    profile_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The profile to follow (see `profiles`); default: your own. One cursor per profile; "
        "FORBIDDEN with reason ACCESS_REVOKED: delete the local copy of that profile.",
    )


@strawberry.type
class SyncPullPayload:
    cursor: str = strawberry.field(description="Opaque; send it with the next pull.")
    has_more: bool = strawberry.field(description="More changes are waiting: pull again now.")
    reset_required: bool = strawberry.field(
        description="The cursor is too old (or the account was reset): drop local data and pull with the returned cursor."
    )
    last_mutation_id: int
    pieces: list[Piece]
    sessions: list[PracticeSession]
    progress: list[Progress]
    bookmarks: list[Bookmark]
    chat_threads: list[ChatThread]
    chat_messages: list[ChatMessage]
    chat_memory: list[ChatMemory] = strawberry.field(
        description='Facts of the assistant\'s long-term memory that changed (docs/chat.md, "Long-term memory").'
    )
    preferences: list[Preferences] = strawberry.field(description="At most one: the user's preferences.")
    collections: list[CatalogCollection] = strawberry.field(
        description="Catalog changes (shared by all users): a collection that was unpublished or deleted "
        "comes as `deleted: true`; remove it."
    )
    tracks: list[CatalogTrack] = strawberry.field(
        description="Catalog changes: a track that was unpublished or deleted comes as `deleted: true`; remove it."
    )
    entitlements: list[Entitlement] = strawberry.field(
        description="The account's entitlements that changed (server-written: purchases, renewals, refunds, "
        "editors' grants): what the app may play offline."
    )
    attachments: list[Attachment] = strawberry.field(
        description="Attachment records: PENDING_UPLOAD until the file is uploaded and checked, then UPLOADED or FAILED."
    )


# A push's 100 mutations (and every pull's input) are converted by a plan compiled once (resolvers/input_plan.py).
use_plan(SyncPushInput, SyncPullInput)
