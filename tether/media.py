"""The media bucket (S3): a user's objects live under `users/<sub>/`; streamed uploads, presigned
downloads, and deleting everything under a prefix (every version)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from typing import Any
from urllib.parse import quote

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tether.aws import aws_client
from tether.errors import Unavailable
from tether.model.deadline import Deadline
from tether.settings import Settings
from tether.telemetry import logger

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's smallest part (but the last)
PART_SIZE = 8 * 1024 * 1024
PARTS_IN_FLIGHT = 2  # parts uploading while the next one fills: bounds memory to ~3 parts
DELETE_LIMIT = 1000  # keys per DeleteObjects


@contextmanager
def s3_errors(action: str) -> Iterator[None]:
    """S3 failures (after botocore's retries) as a retryable error the client sees; logged once."""
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        code = (
            error.response.get("Error", {}).get("Code")
            if isinstance(error, ClientError)
            else type(error).__name__
        )
        logger.warning("S3 call failed", extra={"action": action, "error_code": code})
        raise Unavailable(
            f"The file store did not answer ({action}); try again", reason="S3_UNAVAILABLE"
        ) from error


def content_disposition(filename: str) -> str:
    """`attachment` with the name in plain ASCII and, for any other character, RFC 6266's UTF-8 form."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def user_prefix(user_id: str) -> str:
    """Where every object of the user's data lives (erasure deletes all of it)."""
    return f"users/{user_id}/"


class Media:
    """The S3 client (built on first use) and the bucket of this deployment."""

    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.media_bucket
        self._settings = settings

    @property
    def configured(self) -> bool:
        return bool(self.bucket)

    @cached_property
    def client(self) -> Any:
        settings = self._settings
        # Locally (a local S3-compatible server, or DynamoDB Local) requests and URLs are signed with
        # placeholder credentials: well-formed, but no real bucket accepts them.
        return aws_client(
            "s3",
            region=settings.region,
            endpoint=settings.s3_endpoint,
            local=settings.s3_endpoint is not None or settings.dynamodb_endpoint is not None,
            config=Config(
                signature_version="s3v4",
                connect_timeout=2,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
                s3={"addressing_style": "path" if settings.s3_endpoint else "virtual"},
            ),
        )

    @contextmanager
    def upload(
        self,
        key: str,
        *,
        content_type: str,
        tags: str | None = None,
        part_size: int = PART_SIZE,
    ) -> Iterator[StreamedUpload]:
        """An object written as a stream; stored when the block ends, abandoned if it raises."""
        stream = StreamedUpload(self.client, str(self.bucket), key, content_type, tags, part_size)
        try:
            yield stream
            stream.finish()
        except BaseException:
            stream.abort()
            raise

    def presign(self, key: str, seconds: int, filename: str) -> str:
        """A GET URL for the object, valid `seconds` (and at most as long as the signing credentials)."""
        return self.presign_get(key, seconds, filename=filename)

    def presign_put(
        self, key: str, seconds: int, *, content_type: str, content_length: int, sha256: str, tags: str
    ) -> tuple[str, dict[str, str]]:
        """A PUT URL that S3 accepts only with exactly this length, type, SHA-256 and tags (all
        are signed headers, and S3 checks the body against the checksum); and those headers."""
        url = self.client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ContentType": content_type,
                "ContentLength": content_length,
                "ChecksumSHA256": sha256,
                "Tagging": tags,
            },
            ExpiresIn=seconds,
            HttpMethod="PUT",
        )
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(content_length),
            "x-amz-checksum-sha256": sha256,
            "x-amz-tagging": tags,
        }
        return str(url), headers

    def presign_get(self, key: str, seconds: int, *, filename: str, content_type: str | None = None) -> str:
        """A GET URL that serves the object as a download named `filename` (of `content_type`)."""
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(filename),
        }
        if content_type is not None:
            params["ResponseContentType"] = content_type
        return str(self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds))

    def tag(self, key: str, tags: dict[str, str]) -> None:
        """Replace the object's tags (lifecycle rules select objects by tag)."""
        self.client.put_object_tagging(
            Bucket=self.bucket,
            Key=key,
            Tagging={"TagSet": [{"Key": name, "Value": value} for name, value in tags.items()]},
        )

    def head(self, key: str) -> dict[str, Any] | None:
        """The object's metadata (ContentLength, ContentType, ...), or None if there is none."""
        try:
            response: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return response

    def chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The object's bytes, streamed in chunks (memory stays at one chunk)."""
        body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def delete_versions(self, key: str) -> int:
        """Delete every version and delete marker of exactly this key; returns how many."""
        bucket = str(self.bucket)
        objects = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for page in self.client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key)
            for name in ("Versions", "DeleteMarkers")
            for item in page.get(name, [])
            if item["Key"] == key
        ]
        for start in range(0, len(objects), DELETE_LIMIT):
            chunk = objects[start : start + DELETE_LIMIT]
            response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            if response.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {key}: {response['Errors'][0].get('Code')}")
        return len(objects)

    def delete_prefix(self, prefix: str, deadline: Deadline) -> tuple[int, bool]:
        """Delete every object version, delete marker and unfinished upload under `prefix`.

        Returns (versions deleted, whether nothing is left); stops early once `deadline`
        has passed. Safe to call again.
        """
        deleted = 0
        bucket = str(self.bucket)
        for upload in self._all(
            "list_multipart_uploads", "Uploads", Bucket=bucket, Prefix=prefix
        ):  # an export cut short
            self.client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        while True:
            if deadline.passed():
                return deleted, False
            page = self.client.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=DELETE_LIMIT)
            objects = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for name in ("Versions", "DeleteMarkers")
                for item in page.get(name, [])
            ]
            if not objects:
                return deleted, True
            for start in range(0, len(objects), DELETE_LIMIT):
                chunk = objects[start : start + DELETE_LIMIT]
                response = self.client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
                errors = response.get("Errors", [])
                if errors:
                    raise RuntimeError(
                        f"S3 refused to delete {len(errors)} object(s): {errors[0].get('Code')}"
                    )
                deleted += len(chunk)

    def _all(self, operation: str, field: str, **params: Any) -> Iterator[dict[str, Any]]:
        for page in self.client.get_paginator(operation).paginate(**params):
            yield from page.get(field, [])


class StreamedUpload:
    """Bytes written in order become one object: a single PutObject when small, otherwise a
    multipart upload whose parts go up in the background while the next part fills."""

    def __init__(
        self, client: Any, bucket: str, key: str, content_type: str, tags: str | None, part_size: int
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes")
        self.client, self.bucket, self.key = client, bucket, key
        self.content_type, self.tags, self.part_size = content_type, tags, part_size
        self.buffer = bytearray()
        self.size = 0
        self.upload_id: str | None = None
        self.parts: list[Future[dict[str, Any]]] = []
        self.pool: ThreadPoolExecutor | None = None

    def write(self, data: bytes) -> None:
        self.buffer += data
        self.size += len(data)
        if len(self.buffer) >= self.part_size:
            self._send_part()

    def _extra(self) -> dict[str, Any]:
        extra: dict[str, Any] = {"ContentType": self.content_type}
        if self.tags:
            extra["Tagging"] = self.tags
        return extra

    def _send_part(self) -> None:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, **self._extra()
            )["UploadId"]
            self.pool = ThreadPoolExecutor(max_workers=PARTS_IN_FLIGHT, thread_name_prefix="upload")
        assert self.pool is not None
        in_flight = [part for part in self.parts if not part.done()]
        if len(in_flight) >= PARTS_IN_FLIGHT:
            in_flight[0].result()  # back-pressure: memory stays bounded
        body, self.buffer = bytes(self.buffer), bytearray()
        self.parts.append(self.pool.submit(self._upload_part, len(self.parts) + 1, body))

    def _upload_part(self, number: int, body: bytes) -> dict[str, Any]:
        response = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    def finish(self) -> None:
        if self.upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), **self._extra())
            return
        if self.buffer:
            self._send_part()
        parts = [part.result() for part in self.parts]
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": parts}
        )
        self._close_pool()

    def abort(self) -> None:
        self._close_pool()
        if self.upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)

    def _close_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
