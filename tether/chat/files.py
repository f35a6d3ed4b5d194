"""Attachments the assistant reads: each provider's limits, checked before any model call or S3 read,
then the files read from S3 as `Part`s that each provider turns into its native blocks.

Every limit is checked on the attachment *records* (declared type, size, dimensions), so a refusal
costs one BatchGetItem and nothing else: no S3 read, no provider call (docs/chat.md, "Attachments").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tether.attachments import ATTACHMENTS, UPLOADED
from tether.errors import BadUserInput, NotFound, TetherError
from tether.model.record import Record
from tether.storage.snapshot import read_snapshot

MB = 1024 * 1024
MAX_ATTACHMENTS = 5  # per message (the limit; every provider reads at least this many)

Kind = Literal["document", "image"]

# Refusal reasons (each limit its own), as `extensions.reason` online or a FAILED reply's `error.code`.
TOO_MANY = "TOO_MANY_ATTACHMENTS"
NOT_FOUND = "ATTACHMENT_NOT_FOUND"
NOT_UPLOADED = "ATTACHMENT_NOT_UPLOADED"
TYPE_NOT_SUPPORTED = "ATTACHMENT_TYPE_NOT_SUPPORTED"
FILE_TOO_LARGE = "ATTACHMENT_TOO_LARGE"
TOTAL_TOO_LARGE = "ATTACHMENTS_TOO_LARGE"
TOO_MANY_OF_KIND = "TOO_MANY_ATTACHMENTS_OF_KIND"
IMAGE_TOO_BIG = "IMAGE_DIMENSIONS_TOO_LARGE"
UNREADABLE = "ATTACHMENT_UNREADABLE"
REFUSALS = (
    TOO_MANY,
    NOT_FOUND,
    NOT_UPLOADED,
    TYPE_NOT_SUPPORTED,
    FILE_TOO_LARGE,
    TOTAL_TOO_LARGE,
    TOO_MANY_OF_KIND,
    IMAGE_TOO_BIG,
    UNREADABLE,
)


@dataclass(frozen=True)
class Part:
    """One attachment as the model gets it: its kind, type, a name and its bytes."""

    id: str
    kind: Kind
    content_type: str
    name: str
    data: bytes


@dataclass(frozen=True)
class Declared:
    """What an attachment record declares (checked against a provider's limits)."""

    id: str
    kind: Kind
    content_type: str
    name: str
    byte_size: int
    width: int | None
    height: int | None


@dataclass(frozen=True)
class FileLimits:
    """What one provider reads, from its documentation: content type -> kind, per-kind byte and
    count limits, a total per request (raw bytes, before base64) and the longest image side."""

    provider: str
    types: Mapping[str, Kind]
    max_document_bytes: int
    max_image_bytes: int
    max_documents: int
    max_images: int
    max_total_bytes: int
    max_image_side: int

    def kind_of(self, content_type: str) -> Kind | None:
        return self.types.get(content_type)


IMAGES: dict[str, Kind] = {"image/jpeg": "image", "image/png": "image", "image/webp": "image"}

# Bedrock Converse: documents (pdf, txt among others) ≤ 4.5 MB, at most 5 per request; images
# (png, jpeg, gif, webp) ≤ 3.75 MB and 8,000 px a side, at most 20.
BEDROCK = FileLimits(
    provider="bedrock",
    types={**IMAGES, "application/pdf": "document", "text/plain": "document"},
    max_document_bytes=4_500_000,
    max_image_bytes=3_750_000,
    max_documents=5,
    max_images=20,
    max_total_bytes=5 * 4_500_000,
    max_image_side=8000,
)
# Anthropic Messages: images (jpeg, png, gif, webp) ≤ 5 MB and 8,000 px a side; PDFs and plain
# text as `document` blocks; a request ≤ 32 MB, so ≤ 23 MB of raw bytes once base64-encoded.
ANTHROPIC = FileLimits(
    provider="anthropic",
    types={**IMAGES, "application/pdf": "document", "text/plain": "document"},
    max_document_bytes=23 * MB,
    max_image_bytes=5 * MB,
    max_documents=MAX_ATTACHMENTS,
    max_images=MAX_ATTACHMENTS,
    max_total_bytes=23 * MB,
    max_image_side=8000,
)
# OpenAI Chat Completions: `image_url` parts (png, jpeg, webp, non-animated gif) ≤ 20 MB; `file`
# parts are PDFs only, ≤ 32 MB of file content per request (≤ 23 MB raw once base64-encoded).
OPENAI = FileLimits(
    provider="openai",
    types={**IMAGES, "application/pdf": "document"},
    max_document_bytes=23 * MB,
    max_image_bytes=20 * MB,
    max_documents=MAX_ATTACHMENTS,
    max_images=MAX_ATTACHMENTS,
    max_total_bytes=23 * MB,
    max_image_side=8000,
)
# The development provider reads what Bedrock reads, within Bedrock's limits (the strictest), so
# an app developed against it does not meet new refusals in production.
LOCAL = FileLimits(**{**BEDROCK.__dict__, "provider": "local"})

LIMITS = {limits.provider: limits for limits in (BEDROCK, ANTHROPIC, OPENAI, LOCAL)}


def limits_for(provider: str) -> FileLimits:
    """The file limits of a provider by its name (an unknown provider gets the local ones)."""
    return LIMITS.get(provider, LOCAL)


def refused(reason: str, message: str, **extensions: object) -> BadUserInput:
    return BadUserInput(message, reason=reason, field="input.attachmentIds", **extensions)


def check_ids(value: object, where: str) -> list[str]:
    """A message's `attachmentIds`: at most 5 distinct record ids (kept in the order given)."""
    from tether.sync.fields import LimitExceeded, check_record_id

    if not isinstance(value, list):
        raise LimitExceeded(f"{where} must be a list of attachment ids", field=where)
    ids: list[str] = []
    for index, item in enumerate(value):
        checked = check_record_id(item, f"{where}[{index}]")
        if checked not in ids:
            ids.append(checked)
    if len(ids) > MAX_ATTACHMENTS:
        raise LimitExceeded(
            f"{where} names {len(ids)} attachments; a message takes at most {MAX_ATTACHMENTS}",
            field=where,
            limit=MAX_ATTACHMENTS,
            reason=TOO_MANY,
        )
    return ids


def declared(records: Mapping[str, Record | None], ids: Sequence[str], limits: FileLimits) -> list[Declared]:
    """The attachments `ids` as the provider will get them, or the first limit they break
    (BAD_USER_INPUT / NOT_FOUND with its own reason). Nothing is read from S3 here. `ids` are the
    thread's context file and the message's own (at most 5, `check_ids`)."""
    found: list[Declared] = []
    for attachment_id in ids:
        record = records.get(attachment_id)
        if record is None or not record.exists or record.deleted:
            raise NotFound(
                "No such attachment", reason=NOT_FOUND, id=attachment_id, field="input.attachmentIds"
            )
        found.append(_declared(record, limits))
    _check_totals(found, limits)
    return found


def _declared(record: Record, limits: FileLimits) -> Declared:
    data = record.data
    status = data.get("status")
    if status != UPLOADED:
        raise refused(
            NOT_UPLOADED,
            f"Attachment {record.id} is {status}: upload and complete its file before the assistant reads it",
            id=record.id,
            status=status,
        )
    content_type = str(data.get("content_type"))
    kind = limits.kind_of(content_type)
    if kind is None:
        readable = ", ".join(sorted(limits.types))
        raise refused(
            TYPE_NOT_SUPPORTED,
            f"The assistant ({limits.provider}) cannot read {content_type} files; it reads {readable}",
            id=record.id,
            contentType=content_type,
        )
    size = int(data.get("byte_size") or 0)
    most = limits.max_image_bytes if kind == "image" else limits.max_document_bytes
    if size > most:
        raise refused(
            FILE_TOO_LARGE,
            f"Attachment {record.id} is {size} bytes; the assistant ({limits.provider}) reads a {kind} "
            f"of at most {most} bytes",
            id=record.id,
            byteSize=size,
            limit=most,
        )
    width, height = data.get("width"), data.get("height")
    side = max(int(width or 0), int(height or 0))
    if kind == "image" and side > limits.max_image_side:
        raise refused(
            IMAGE_TOO_BIG,
            f"Image {record.id} is {width}x{height} px; the assistant ({limits.provider}) reads images of "
            f"at most {limits.max_image_side} px a side",
            id=record.id,
            limit=limits.max_image_side,
        )
    return Declared(
        record.id,
        kind,
        content_type,
        str(data.get("name") or record.id),
        size,
        int(width) if width else None,
        int(height) if height else None,
    )


def _check_totals(found: Sequence[Declared], limits: FileLimits) -> None:
    for kind, most in (("document", limits.max_documents), ("image", limits.max_images)):
        count = sum(1 for item in found if item.kind == kind)
        if count > most:
            raise refused(
                TOO_MANY_OF_KIND,
                f"The assistant ({limits.provider}) reads at most {most} {kind}s at once, not {count}",
                kind=kind,
                limit=most,
            )
    total = sum(item.byte_size for item in found)
    if total > limits.max_total_bytes:
        raise refused(
            TOTAL_TOO_LARGE,
            f"These attachments are {total} bytes together; the assistant ({limits.provider}) reads at "
            f"most {limits.max_total_bytes} bytes with one message",
            byteSize=total,
            limit=limits.max_total_bytes,
        )


def load_records(pk: str, ids: Iterable[str]) -> dict[str, Record | None]:
    """The attachment records by id, from the profile's own partition only (one BatchGetItem)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    found = read_snapshot(pk, None, [ATTACHMENTS.sort_key(i) for i in wanted]).records
    return {i: found.get(ATTACHMENTS.sort_key(i)) for i in wanted}


def estimate_tokens(items: Iterable[Declared]) -> int:
    """Tokens reserved against the daily budget for reading these files (the provider's own count
    settles it): an image ≤ ~1,600; a document about a token per 4 bytes of text, a PDF's text and
    page images about one per 40 bytes, at least 1,500 a document."""
    total = 0
    for item in items:
        if item.kind == "image":
            total += 1600
        elif item.content_type == "text/plain":
            total += max(1, item.byte_size // 4)
        else:
            total += max(1500, item.byte_size // 40)
    return total


Reader = Callable[[str, str], bytes]  # (profile id, attachment id) -> the file's bytes


def read_parts(profile: str, items: Sequence[Declared], reader: Reader) -> list[Part]:
    """The files' bytes from S3 (after every check passed); an unreadable one is a TetherError."""
    parts = []
    for item in items:
        try:
            data = reader(profile, item.id)
        except TetherError:
            raise
        except Exception as error:  # a missing object, S3 unreachable: never the file's content
            raise refused(
                UNREADABLE, f"Attachment {item.id} could not be read; try again", id=item.id
            ) from error
        if len(data) != item.byte_size:
            raise refused(UNREADABLE, f"Attachment {item.id} is not the file that was uploaded", id=item.id)
        parts.append(Part(item.id, item.kind, item.content_type, item.name, data))
    return parts
