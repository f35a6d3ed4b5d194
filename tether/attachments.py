"""Attachments: files that belong to a profile's records, declared once as a synced collection.

The record (name, type, size, checksum, parent) syncs like any record, offline, at once; the file
goes separately (a presigned PUT, then `completeAttachment` or S3's ObjectCreated notification), so
an upload never blocks data sync. See docs/attachments.md.
"""

from __future__ import annotations

import base64
import binascii
import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tether.model.record import Record
from tether.settings import Settings
from tether.sync.collection import Change, Collection, Delete, Operation, Outcome, Rejected, SavePatch
from tether.sync.fields import Field, Integer, LimitExceeded, RecordId, Text, Timestamp

PENDING_UPLOAD = "PENDING_UPLOAD"
UPLOADED = "UPLOADED"
FAILED = "FAILED"
MEGABYTE = 1024 * 1024
MAX_NAME = 255
# The record types an attachment may belong to (the parent is not checked: it may sync later).
PARENT_TYPES = ("CHAT_MESSAGE", "PIECE", "PRACTICE_SESSION", "BOOKMARK", "CHAT_THREAD")
# Declared facts of the file: fixed once it is uploaded (a new file is a new attachment).
IMMUTABLE_FIELDS = ("byte_size", "sha256", "content_type")


@dataclass(frozen=True)
class Limits:
    """What a push may declare: the allowed content types and the largest file."""

    content_types: frozenset[str]
    max_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        types = frozenset(
            part.strip().lower() for part in settings.attachment_types.split(",") if part.strip()
        )
        return cls(types, settings.attachment_max_mb * MEGABYTE)


@dataclass(frozen=True)
class Parent(Field):
    """The record an attachment belongs to: `{type, id}` (a chat message, piece, session, ...)."""

    def check(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, Mapping) or set(value) != {"type", "id"}:
            raise LimitExceeded(f"{where} must be {{type, id}}", field=where)
        kind = value["type"]
        if kind not in PARENT_TYPES:
            raise LimitExceeded(f"{where}.type must be one of {', '.join(PARENT_TYPES)}", field=where)
        return {"type": str(kind), "id": RecordId().check(value["id"], f"{where}.id")}

    def load(self, stored: Any) -> Any:
        return None if stored is None else {"type": str(stored["type"]), "id": str(stored["id"])}


def decoded_sha256(value: str) -> bytes | None:
    """The 32 bytes of a base64 SHA-256 (as S3's `x-amz-checksum-sha256` takes it), or None."""
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == 32 and len(value) == 44 else None


class SaveAttachment(SavePatch):
    """Create or patch an attachment's metadata (latest stamp wins per field, like SavePatch).

    Refused with its own code: a type outside the allow-list, a size over the limit, a malformed
    checksum, and any change to size, checksum or type once the file is uploaded (IMMUTABLE).
    A new attachment starts as PENDING_UPLOAD.
    """

    def __init__(self) -> None:
        self.limits = Limits.of(Settings())  # the defaults, until configure()

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        self._check_declared(payload)
        if record is not None and record.exists and not record.deleted:
            status = record.data.get("status")
            if status in (UPLOADED, FAILED):
                for name in IMMUTABLE_FIELDS:
                    if name in payload and payload[name] != record.data.get(name):
                        raise Rejected(
                            "IMMUTABLE",
                            f"{_camel(name)} can't change once the file is uploaded; save a new attachment",
                        )
        outcome = super().apply(collection, record, payload, change)
        data = outcome.record.data
        if "status" not in data:
            data["status"] = PENDING_UPLOAD
            outcome.changed = True
        return outcome

    def _check_declared(self, payload: Mapping[str, Any]) -> None:
        content_type = payload.get("content_type")
        if content_type is not None and content_type not in self.limits.content_types:
            raise Rejected(
                "TYPE_NOT_ALLOWED",
                f"contentType {content_type!r} is not allowed; allowed: "
                f"{', '.join(sorted(self.limits.content_types))}",
            )
        size = payload.get("byte_size")
        if size is not None and size > self.limits.max_bytes:
            raise Rejected(
                "TOO_LARGE", f"byteSize is {size} bytes; the limit per file is {self.limits.max_bytes}"
            )
        checksum = payload.get("sha256")
        if checksum is not None and decoded_sha256(checksum) is None:
            raise Rejected("BAD_CHECKSUM", "sha256 must be the base64 of the file's 32-byte SHA-256 digest")


class Settle(Operation):
    """The server's verdict on the stored file: UPLOADED (with uploadedAt) or FAILED (with failure).

    Server-only (not in SyncChangeInput). Final: once UPLOADED or FAILED, settling again changes
    nothing, so completion by the app and by S3's notification, in any order, is applied once.
    """

    def check(self, collection: Collection, payload: Mapping[str, Any], where: str) -> dict[str, Any]:
        if payload.get("status") not in (UPLOADED, FAILED):
            raise ValueError("settle needs status UPLOADED or FAILED")
        return dict(payload)

    def apply(
        self, collection: Collection, record: Record | None, payload: Mapping[str, Any], change: Change
    ) -> Outcome:
        if record is None or not record.exists:
            raise Rejected("NOT_FOUND", "no such attachment")
        if record.deleted or record.data.get("status") != PENDING_UPLOAD:
            return Outcome("APPLIED", record, changed=False)
        for name in ("status", "failure", "uploaded_at"):
            if payload.get(name) is not None:
                record.data[name] = payload[name]
                record.stamps[name] = change.stamp
        return Outcome("APPLIED", record, changed=True)


SAVE = SaveAttachment()

ATTACHMENTS = Collection(
    name="attachment",
    key_prefix="ATTACHMENT",
    fields={
        "name": Text(max_length=MAX_NAME, min_length=1, required=True),
        "content_type": Text(max_length=100, required=True),
        "byte_size": Integer(minimum=1, required=True),
        "sha256": Text(max_length=100, required=True),
        "parent": Parent(),
        "width": Integer(minimum=1, maximum=100_000),
        "height": Integer(minimum=1, maximum=100_000),
        "duration_seconds": Integer(minimum=0, maximum=7 * 24 * 3600),
        "status": Text(),
        "failure": Text(),
        "uploaded_at": Timestamp(),
    },
    operations={"save": SAVE, "delete": Delete(), "settle": Settle()},
    read_only=frozenset({"status", "failure", "uploaded_at"}),
)


def configure(settings: Settings) -> None:
    """This deployment's allow-list and size limit (read once per process, like the table)."""
    SAVE.limits = Limits.of(settings)


def object_key(profile_id: str, attachment_id: str) -> str:
    """Where an attachment's file lives: `users/<profile>/attachments/<id>` (erasure removes
    `users/<profile>/`). Today a profile is its user; this is the one place that knows."""
    return f"users/{profile_id}/attachments/{attachment_id}"


def profile_of(user_id: str) -> str:
    """The profile whose attachments a signed-in user owns (today: the user's own)."""
    return user_id


# ---- what a file's first bytes say it is ----

SNIFF_BYTES = 64


def _ftyp(head: bytes, brands: tuple[bytes, ...]) -> bool:
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in brands


def _text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _mpeg(head: bytes) -> bool:
    return head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _aac(head: bytes) -> bool:
    return head.startswith(b"ADIF") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0)


MAGIC = {
    "image/jpeg": lambda head: head.startswith(b"\xff\xd8\xff"),
    "image/png": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/webp": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
    "image/heic": lambda head: _ftyp(head, (b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1")),
    "application/pdf": lambda head: head.startswith(b"%PDF-"),
    "audio/mp4": lambda head: _ftyp(head, (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"iso2")),
    "audio/aac": _aac,
    "audio/mpeg": _mpeg,
    "audio/wav": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "text/plain": _text,
}


def looks_like(content_type: str, head: bytes) -> bool:
    """Whether a file's first bytes fit its declared type (types without a known signature pass)."""
    check = MAGIC.get(content_type)
    return True if check is None else bool(check(head))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def is_s3_event(event: Mapping[str, Any]) -> bool:
    """An S3 notification (or its EventBridge form) of an uploaded file, not an API Gateway request
    (tether/uploads.py completes its attachment)."""
    records = event.get("Records")
    if isinstance(records, list) and records and records[0].get("eventSource") == "aws:s3":
        return True
    return event.get("source") == "aws.s3"
