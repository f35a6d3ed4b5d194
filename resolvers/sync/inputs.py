"""syncPush's input: what a client's queued changes are, imported with the first push (resolvers/sync/
plain.py), not by a Lambda answering pulls."""

from datetime import datetime

import strawberry

from resolvers.account.inputs import PreferencesInput
from resolvers.account.records import DeviceInput
from resolvers.attachments.inputs import AttachmentInput
from resolvers.bookmarks.inputs import BookmarkInput
from resolvers.chat.inputs import ChatMemoryInput, ChatMessageInput, ChatThreadInput
from resolvers.input_plan import use_plan
from resolvers.pieces.inputs import PieceInput
from resolvers.progress.inputs import RecordProgressInput, ResetProgressInput
from resolvers.sessions.inputs import PracticeSessionInput


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


# A push's 100 mutations are converted by a plan compiled once (resolvers/input_plan.py).
use_plan(SyncPushInput)
