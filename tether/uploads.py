"""An attachment's file: presigned upload (quota reserved first), verified completion, presigned
download, and removal when the attachment is deleted. See docs/attachments.md.

Completion comes from the app (`completeAttachment`) or from S3's ObjectCreated notification, in
any order, any number of times: the verdict is written once, through the sync engine, so every
device of the profile sees `UPLOADED` (or `FAILED`) in its next pull.
"""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tether.attachments import (
    ATTACHMENTS,
    FAILED,
    PENDING_UPLOAD,
    SNIFF_BYTES,
    UPLOADED,
    looks_like,
    object_key,
)
from tether.errors import Conflict, Forbidden, NotFound, TetherError
from tether.media import Media, s3_errors
from tether.model.record import Record
from tether.settings import Settings
from tether.storage import quota
from tether.storage.keys import user_key
from tether.sync import reads
from tether.sync.collection import REJECTED
from tether.sync.engine import MutationResult, ServerChange, SyncEngine
from tether.sync.fields import format_time
from tether.telemetry import logger

MEGABYTE = 1024 * 1024
# An uploaded file is tagged pending until it is checked: the bucket's lifecycle rule removes
# pending files (uploads never completed) after a few days.
STATE_TAG = "tether-attachment"
PENDING_TAGS = f"{STATE_TAG}=pending"
KEY = re.compile(r"^users/(?P<profile>[^/]+)/attachments/(?P<id>[^/]+)$")


@dataclass(frozen=True)
class Upload:
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class Download:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class QuotaUsage:
    limit: int
    used: int
    reserved: int


class Uploads:
    def __init__(
        self,
        settings: Settings,
        engine: SyncEngine,
        media: Media,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.media = media
        self.clock = clock
        self.url_seconds = settings.attachment_url_seconds
        self.quota_bytes = settings.attachment_quota_mb * MEGABYTE
        self.reservation_age = timedelta(hours=settings.attachment_reservation_hours)

    # ---- upload ----

    # Every method takes the profile the caller reaches, already checked against the people
    # rules (resolvers/people/scope.py: write for uploads and completion, read for the rest).

    def upload_url(self, profile: str, attachment_id: str) -> Upload:
        """A PUT URL for the file of a PENDING_UPLOAD attachment; its size is reserved first."""
        self._require_bucket()
        record = self._record(profile, attachment_id)
        status = record.data.get("status")
        if status != PENDING_UPLOAD:
            raise Conflict(
                f"This attachment is {status}: its file can't be uploaded again; save a new attachment",
                reason="NOT_PENDING_UPLOAD",
                status=status,
            )
        now = self.clock()
        size = int(record.data["byte_size"])
        pk = user_key(profile)
        self._release_stale(pk, now)
        try:
            quota.reserve(pk, attachment_id, size, self.quota_bytes, now)
        except quota.QuotaFull as full:
            raise Forbidden(
                f"This file ({size} bytes) doesn't fit in the storage left: {full.usage.used} of "
                f"{self.quota_bytes} bytes are used and {full.usage.reserved} are held by uploads in flight",
                reason="QUOTA_EXCEEDED",
                quotaBytes=self.quota_bytes,
                usedBytes=full.usage.used,
                reservedBytes=full.usage.reserved,
                requestedBytes=size,
            ) from None
        with s3_errors("attachment upload URL"):
            url, headers = self.media.presign_put(
                object_key(profile, attachment_id),
                self.url_seconds,
                content_type=str(record.data["content_type"]),
                content_length=size,
                sha256=str(record.data["sha256"]),
                tags=PENDING_TAGS,
            )
        return Upload(url, "PUT", headers, now + timedelta(seconds=self.url_seconds))

    def _release_stale(self, pk: str, now: datetime) -> None:
        """Give back what uploads that were never completed still hold (older than a day)."""
        cutoff = now - self.reservation_age
        for attachment_id in quota.stale_reservations(pk, cutoff):
            quota.release(pk, attachment_id, only_reserved_before=cutoff)

    def quota(self, profile: str) -> QuotaUsage:
        pk = user_key(profile)
        self._release_stale(pk, self.clock())
        found = quota.usage(pk)
        return QuotaUsage(self.quota_bytes, found.used, found.reserved)

    # ---- completion ----

    def complete(self, profile: str, attachment_id: str) -> Record:
        """Check the stored file against the record and write the verdict (idempotent)."""
        self._require_bucket()
        record = self._record(profile, attachment_id)
        if record.data.get("status") != PENDING_UPLOAD:
            return record
        key = object_key(profile, attachment_id)
        with s3_errors("attachment check"):
            stored = self.media.head(key)
            if stored is None:
                raise Conflict(
                    "The file has not arrived yet: PUT it to the upload URL, then complete again",
                    reason="NOT_UPLOADED",
                    retryable=True,
                )
            failure = self._verify(key, record, int(stored["ContentLength"]))
        return self._settle(profile, record, failure, int(stored["ContentLength"]))

    def _verify(self, key: str, record: Record, size: int) -> str | None:
        """None when the file is what the record declares, else why not."""
        if size != int(record.data["byte_size"]):
            return "SIZE_MISMATCH"
        digest = hashlib.sha256()
        head = b""
        for chunk in self.media.chunks(key):
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            digest.update(chunk)
        if base64.b64encode(digest.digest()).decode() != record.data["sha256"]:
            return "CHECKSUM_MISMATCH"
        if not looks_like(str(record.data["content_type"]), head):
            return "CONTENT_MISMATCH"
        return None

    def _settle(self, profile: str, record: Record, failure: str | None, size: int) -> Record:
        now = self.clock()
        payload: dict[str, Any] = {"id": record.id, "status": FAILED if failure else UPLOADED}
        if failure:
            payload["failure"] = failure
        else:
            payload["uploaded_at"] = format_time(now)
        pk = user_key(profile)
        if failure is None:
            with s3_errors("attachment check"):
                self.media.tag(object_key(profile, record.id), {STATE_TAG: "uploaded"})
            quota.settle(pk, record.id, size, now)
        (result,) = self.engine.write(pk, [ServerChange(ATTACHMENTS, "settle", payload)])
        if result.status == REJECTED or result.record is None:
            raise NotFound("No such attachment", reason="ATTACHMENT_NOT_FOUND")
        settled = result.record
        if settled.data.get("status") == FAILED or settled.deleted:
            self._remove_file(profile, record.id)
        logger.info(
            "attachment settled",
            extra={"status": settled.data.get("status"), "failure": settled.data.get("failure")},
        )
        return settled

    def on_s3_event(self, event: Mapping[str, Any]) -> int:
        """Complete the attachments whose files S3 reports created (an S3 notification or its
        EventBridge form); returns how many keys were attachments. Errors are logged, not raised:
        the app's own completeAttachment still works."""
        handled = 0
        for key in _created_keys(event):
            match = KEY.match(key)
            if match is None:
                continue
            handled += 1
            profile, attachment_id = match["profile"], match["id"]
            try:
                record = self._record(profile, attachment_id)
                if record.data.get("status") == PENDING_UPLOAD:
                    self.complete(profile, attachment_id)
            except NotFound:
                # Deleted (or never synced): the file has no record to belong to.
                with s3_errors("attachment cleanup"):
                    self._remove_file(profile, attachment_id)
            except TetherError as error:
                logger.warning("attachment not completed from S3 event", extra={"reason": error.message})
        return handled

    # ---- download ----

    def download_url(self, profile: str, attachment_id: str) -> Download:
        self._require_bucket()
        record = self._record(profile, attachment_id)
        if record.data.get("status") != UPLOADED:
            raise Conflict(
                f"This attachment is {record.data.get('status')}: there is no file to download",
                reason="NOT_UPLOADED",
                status=record.data.get("status"),
            )
        with s3_errors("attachment URL"):
            url = self.media.presign_get(
                object_key(profile, attachment_id),
                self.url_seconds,
                filename=str(record.data["name"]),
                content_type=str(record.data["content_type"]),
            )
        return Download(url, self.clock() + timedelta(seconds=self.url_seconds))

    # ---- deletion ----

    def content(self, profile: str, attachment_id: str) -> bytes:
        """An attachment's bytes, for the assistant (after its limits were checked on the record)."""
        self._require_bucket()
        with s3_errors("attachment read"):
            return b"".join(self.media.chunks(object_key(profile, attachment_id)))

    def after_push(self, profile: str, results: Sequence[MutationResult]) -> None:
        """Deleted attachments of the pushed profile lose their file (every version) and give
        their bytes back. Runs for replays of the delete too, so a push cut short before this step
        is finished by its retry."""
        for result in results:
            if (
                result.collection is ATTACHMENTS
                and result.status != REJECTED
                and result.record is not None
                and result.record.deleted
            ):
                with s3_errors("attachment deletion"):
                    self._remove_file(profile, result.record.id)

    def _remove_file(self, profile: str, attachment_id: str) -> None:
        if self.media.configured:
            self.media.delete_versions(object_key(profile, attachment_id))
        quota.release(user_key(profile), attachment_id)

    # ---- helpers ----

    def _record(self, profile: str, attachment_id: str) -> Record:
        record = reads.get(profile, ATTACHMENTS, attachment_id)
        if record is None:
            raise NotFound("No such attachment", reason="ATTACHMENT_NOT_FOUND", id=attachment_id)
        return record

    def _require_bucket(self) -> None:
        if not self.media.configured:
            raise TetherError(
                "Attachments need a media bucket (TETHER_MEDIA_BUCKET)", reason="NOT_CONFIGURED"
            )


def _created_keys(event: Mapping[str, Any]) -> Iterable[str]:
    for record in event.get("Records", []):
        if str(record.get("eventName", "")).startswith("ObjectCreated:"):
            yield urllib.parse.unquote_plus(record["s3"]["object"]["key"])
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        yield str(event["detail"]["object"]["key"])
