"""Media in the private S3 bucket: presigned GET URLs for users, presigned PUT URLs for editors.

Signing is local (boto3 computes a SigV4 query signature; no request to S3). An upload URL signs
the object's `Content-Type` and exact `Content-Length`: the editor declares the file's size, it is
checked against the kind's cap here, and S3 refuses a PUT whose headers differ from what was signed.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from ulid import ULID

from tether.errors import BadUserInput, ConfigurationError
from tether.media import Media
from tether.settings import Settings

MEGABYTE = 1024 * 1024
# Extensions for the usual media types (mimetypes alone gives odd ones, e.g. .mp2 for audio/mpeg).
EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/flac": "flac",
    "video/mp4": "mp4",
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


class MediaKind(Enum):
    AUDIO = "audio"  # the track's main media: audio, or video where allowed
    TRANSCRIPT = "transcript"
    IMAGE = "image"


@dataclass(frozen=True)
class UploadRule:
    content_types: frozenset[str]
    max_bytes: int


@dataclass(frozen=True)
class SignedUrl:
    url: str
    key: str
    expires_at: datetime
    method: str = "GET"
    headers: tuple[tuple[str, str], ...] = ()
    max_bytes: int | None = None


def extension(content_type: str) -> str:
    """The file extension for a media type (`audio/mpeg` -> `mp3`)."""
    known = EXTENSIONS.get(content_type) or (mimetypes.guess_extension(content_type) or "").lstrip(".")
    if not known:
        raise ConfigurationError(f"no file extension is known for the media type {content_type!r}")
    return known


def upload_rules(settings: Settings) -> dict[MediaKind, UploadRule]:
    """Allowed content types and size caps per kind, from the settings (checked at startup)."""

    def types(raw: str) -> frozenset[str]:
        found = frozenset(part.strip().lower() for part in raw.split(",") if part.strip())
        for content_type in found:
            extension(content_type)
        return found

    return {
        MediaKind.AUDIO: UploadRule(
            types(settings.media_audio_types), settings.media_max_audio_mb * MEGABYTE
        ),
        MediaKind.TRANSCRIPT: UploadRule(
            types(settings.media_transcript_types), settings.media_max_transcript_mb * MEGABYTE
        ),
        MediaKind.IMAGE: UploadRule(
            types(settings.media_image_types), settings.media_max_image_mb * MEGABYTE
        ),
    }


class MediaStore:
    """Presigns URLs for objects of the media bucket (the bucket itself stays private)."""

    def __init__(self, settings: Settings, media: Media | None = None) -> None:
        self.settings = settings
        self.media = media or Media(settings)
        self.get_lifetime = timedelta(seconds=settings.media_url_seconds)
        self.put_lifetime = timedelta(seconds=settings.media_upload_url_seconds)
        self.rules = upload_rules(settings)

    @property
    def _s3(self) -> Any:
        return self.media.client

    def download_url(self, key: str, now: datetime) -> SignedUrl:
        """A GET URL for the object, valid for TETHER_MEDIA_URL_SECONDS."""
        url = self._s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.settings.media_bucket_name, "Key": key},
            ExpiresIn=int(self.get_lifetime.total_seconds()),
        )
        return SignedUrl(url=str(url), key=key, expires_at=now + self.get_lifetime)

    def upload_url(
        self, owner_id: str, kind: MediaKind, content_type: str, content_length: int, now: datetime
    ) -> SignedUrl:
        """A PUT URL for a new object under `catalog/<owner_id>/`, for exactly this type and size."""
        rule = self.rules[kind]
        content_type = content_type.strip().lower()
        if content_type not in rule.content_types:
            raise BadUserInput(
                f"contentType {content_type!r} is not allowed for {kind.name}; allowed: "
                f"{', '.join(sorted(rule.content_types))}",
                field="contentType",
            )
        if not 1 <= content_length <= rule.max_bytes:
            raise BadUserInput(
                f"contentLength must be between 1 and {rule.max_bytes} bytes for {kind.name}, "
                f"not {content_length}",
                field="contentLength",
                limit=rule.max_bytes,
            )
        key = f"catalog/{owner_id}/{kind.value}-{str(ULID()).lower()}.{extension(content_type)}"
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.settings.media_bucket_name,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": content_length,
            },
            ExpiresIn=int(self.put_lifetime.total_seconds()),
            HttpMethod="PUT",
        )
        return SignedUrl(
            url=str(url),
            key=key,
            expires_at=now + self.put_lifetime,
            method="PUT",
            headers=(("Content-Type", content_type), ("Content-Length", str(content_length))),
            max_bytes=rule.max_bytes,
        )
