from enum import Enum
from typing import Annotated

import strawberry

from resolvers.account.records import DeviceInput, Preferences
from resolvers.attachments.records import Attachment
from resolvers.bookmarks.records import Bookmark
from resolvers.chat.records import (
    ChatMemory,
    ChatMessage,
    ChatThread,
)
from resolvers.content.records import CatalogCollection, CatalogTrack
from resolvers.entitlements.records import Entitlement
from resolvers.input_plan import use_plan
from resolvers.pieces.records import Piece
from resolvers.progress.records import Progress
from resolvers.sessions.records import PracticeSession


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


# Every pull's input is converted by a plan compiled once (resolvers/input_plan.py).
use_plan(SyncPullInput)
