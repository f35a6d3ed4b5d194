"""Media URLs: presigned GETs for published tracks only, presigned PUTs of a declared type and size."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ulid import ULID

from tests.catalog.conftest import new_collection, new_track, save_track, text
from tests.catalog.sigv4 import accepts
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.catalog.media import MediaKind, MediaStore
from tether.errors import ConfigurationError
from tether.settings import Settings

BUCKET = "tether-test-media"


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        catalog_partition=f"CATALOG#{ULID()}",
        media_bucket=BUCKET,
        media_url_seconds=120,
        media_upload_url_seconds=300,
        media_max_image_mb=1,
    )


@pytest.fixture
def track(admin: GraphQLClient) -> str:
    collection = new_collection(admin)["id"]
    return str(
        new_track(
            admin,
            collection,
            media={"audio": "catalog/talk-1/audio.mp3", "image": "catalog/talk-1/cover.jpg"},
        )["id"]
    )


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def media_url(gql: GraphQLClient, track_id: str, kind: str = "AUDIO") -> dict[str, Any]:
    body = gql(operation("MediaUrl"), {"trackId": track_id, "kind": kind})
    return body


def test_a_download_url_points_at_the_key_and_expires_as_configured(gql: GraphQLClient, track: str) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    signed = media_url(gql, track)["data"]["mediaUrl"]
    parts = urlsplit(signed["url"])
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        f"{BUCKET}.s3.amazonaws.com",
        "/catalog/talk-1/audio.mp3",
    )
    assert signed["key"] == "catalog/talk-1/audio.mp3"
    params = query(signed["url"])
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert params["X-Amz-Expires"] == "120"
    assert params["X-Amz-SignedHeaders"] == "host"
    assert re.fullmatch(r"[^/]+/\d{8}/us-east-1/s3/aws4_request", params["X-Amz-Credential"])
    assert re.fullmatch(r"[0-9a-f]{64}", params["X-Amz-Signature"])
    expires = datetime.fromisoformat(signed["expiresAt"])
    assert before + timedelta(seconds=120) <= expires <= datetime.now(UTC) + timedelta(seconds=121)
    assert accepts(signed["url"], "GET", {})
    assert not accepts(signed["url"], "GET", {}, at=datetime.now(UTC) + timedelta(seconds=125))  # expired
    assert not accepts(signed["url"].replace("audio.mp3", "other.mp3"), "GET", {})  # only that key


def test_the_default_lifetime_is_15_minutes() -> None:
    store = MediaStore(Settings(stage="dev", dynamodb_endpoint="http://127.0.0.1:9"))
    signed = store.download_url("catalog/a/audio.mp3", datetime.now(UTC))
    assert query(signed.url)["X-Amz-Expires"] == "900"
    assert urlsplit(signed.url).netloc == "tether-media-local.s3.amazonaws.com"


def test_other_files_of_the_track(gql: GraphQLClient, track: str) -> None:
    image = media_url(gql, track, "IMAGE")["data"]["mediaUrl"]
    assert urlsplit(image["url"]).path == "/catalog/talk-1/cover.jpg"
    error = media_url(gql, track, "TRANSCRIPT")["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "kind"}


def test_no_url_for_a_track_users_cannot_see(admin: GraphQLClient, gql: GraphQLClient, track: str) -> None:
    collection = new_collection(admin)["id"]
    draft = save_track(
        admin,
        id=f"{collection}-draft",
        collectionId=collection,
        title=[text("en", "Draft")],
        media={"audio": "catalog/x/a.mp3"},
    )["id"]
    for track_id in (draft, "no-such-track", "not a valid id!"):
        error = media_url(gql, track_id)["errors"][0]
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "trackId"}, track_id
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": track})
    assert media_url(gql, track)["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert "errors" not in admin(operation("AdminPublish"), {"id": track})
    assert "url" in media_url(gql, track)["data"]["mediaUrl"]
    assert "errors" not in admin(operation("AdminDeleteTrack"), {"id": track})
    assert media_url(gql, track)["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def upload(admin: GraphQLClient, track: str, kind: str, content_type: str, length: int) -> dict[str, Any]:
    return admin(
        operation("AdminMediaUploadUrl"),
        {"trackId": track, "kind": kind, "contentType": content_type, "contentLength": length},
    )


def test_an_upload_url_signs_the_declared_type_and_size(admin: GraphQLClient, track: str) -> None:
    signed = upload(admin, track, "AUDIO", "audio/mpeg", 12_345_678)["data"]["adminMediaUploadUrl"]
    assert signed["method"] == "PUT"
    assert re.fullmatch(rf"catalog/{track}/audio-[0-9a-z]{{26}}\.mp3", signed["key"])
    assert urlsplit(signed["url"]).path == f"/{signed['key']}"
    assert urlsplit(signed["url"]).netloc == f"{BUCKET}.s3.amazonaws.com"
    headers = {header["name"]: header["value"] for header in signed["headers"]}
    assert headers == {"Content-Type": "audio/mpeg", "Content-Length": "12345678"}
    params = query(signed["url"])
    assert params["X-Amz-Expires"] == "300"
    assert params["X-Amz-SignedHeaders"] == "content-length;content-type;host"
    assert signed["maxBytes"] == 500 * 1024 * 1024
    assert accepts(signed["url"], "PUT", headers)
    # S3 refuses the same URL for a bigger file, another type, or a GET.
    assert not accepts(signed["url"], "PUT", {**headers, "Content-Length": "999999999"})
    assert not accepts(signed["url"], "PUT", {**headers, "Content-Type": "text/html"})
    assert not accepts(signed["url"], "GET", headers)
    # The key is the editor's to save on the track.
    saved = save_track(admin, id=track, media={"audio": signed["key"]})
    assert saved["media"]["audio"] == signed["key"]
    assert saved["media"]["image"] == "catalog/talk-1/cover.jpg"  # untouched


@pytest.mark.parametrize(
    ("kind", "content_type", "length", "field"),
    [
        ("AUDIO", "text/html", 100, "contentType"),
        ("TRANSCRIPT", "audio/mpeg", 100, "contentType"),
        ("IMAGE", "image/png", 1024 * 1024 + 1, "contentLength"),  # over the 1 MiB cap of these settings
        ("AUDIO", "audio/mpeg", 0, "contentLength"),
        ("AUDIO", "audio/mpeg", -5, "contentLength"),
    ],
)
def test_upload_types_and_sizes_are_capped(
    admin: GraphQLClient, track: str, kind: str, content_type: str, length: int, field: str
) -> None:
    error = upload(admin, track, kind, content_type, length)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


def test_a_transcript_and_a_cover_image(admin: GraphQLClient, track: str) -> None:
    transcript = upload(admin, track, "TRANSCRIPT", "application/pdf", 2048)["data"]["adminMediaUploadUrl"]
    assert transcript["key"].endswith(".pdf")
    collection = new_collection(admin)["id"]
    cover = admin.data(
        operation("AdminCoverUploadUrl"),
        {"collectionId": collection, "contentType": "image/webp", "contentLength": 5000},
    )["adminCoverUploadUrl"]
    assert re.fullmatch(rf"catalog/{collection}/image-[0-9a-z]{{26}}\.webp", cover["key"])
    saved = admin.data(
        operation("AdminSaveCollection"), {"input": {"id": collection, "coverImage": cover["key"]}}
    )
    assert saved["adminSaveCollection"]["coverImage"] == cover["key"]


def test_uploads_only_for_existing_items(admin: GraphQLClient) -> None:
    error = upload(admin, "no-such-track", "AUDIO", "audio/mpeg", 100)["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "trackId"}
    error = admin(
        operation("AdminCoverUploadUrl"),
        {"collectionId": "nope", "contentType": "image/png", "contentLength": 10},
    )["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "collectionId"}


def test_media_kinds_and_upload_rules_come_from_the_settings() -> None:
    store = MediaStore(
        Settings(stage="dev", media_audio_types="audio/flac, audio/mpeg", media_max_audio_mb=2)
    )
    rule = store.rules[MediaKind.AUDIO]
    assert rule.content_types == {"audio/flac", "audio/mpeg"}
    assert rule.max_bytes == 2 * 1024 * 1024


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"media_url_seconds": 0}, "TETHER_MEDIA_URL_SECONDS must be at least 1"),
        ({"media_url_seconds": 604_801}, "at most 604800"),
        ({"media_upload_url_seconds": 604_801}, "at most 604800"),
        ({"media_max_image_mb": 0}, "TETHER_MEDIA_MAX_IMAGE_MB must be at least 1"),
        ({"catalog_head_ttl_seconds": -1}, "TETHER_CATALOG_HEAD_TTL_SECONDS must not be negative"),
    ],
)
def test_media_and_catalog_settings_are_checked(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings(stage="dev", **overrides)


def test_a_content_type_without_a_known_extension_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no file extension"):
        MediaStore(Settings(stage="dev", media_image_types="image/x-no-such-format"))


def test_prod_signs_nothing_without_a_bucket() -> None:
    store = MediaStore(Settings(stage="prod", cursor_secret="s"))
    with pytest.raises(ConfigurationError, match="TETHER_MEDIA_BUCKET"):
        store.download_url("catalog/a/audio.mp3", datetime.now(UTC))
