"""Deleting an attachment removes its file and every version; erasure removes all of them; the
export is one ZIP with data.json and every file, byte for byte, written as a stream."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile
from datetime import UTC, datetime
from typing import Any

from localdev import samples
from tests.attachments.conftest import PDF, PNG, Phone, declared, put, upload_url, uploaded
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at
from tether.accounts.export import Exports
from tether.attachments import object_key
from tether.auth import User
from tether.media import MIN_PART_SIZE, Media
from tether.services import Services
from tether.settings import Settings


def versions(media: Media, prefix: str) -> list[tuple[str, str]]:
    listing = media.client.list_object_versions(Bucket=media.bucket, Prefix=prefix)
    return [
        (item["Key"], item["VersionId"])
        for name in ("Versions", "DeleteMarkers")
        for item in listing.get(name, [])
    ]


def test_deleting_an_attachment_leaves_zero_objects_and_zero_versions(
    gql: GraphQLClient, media: Media, user_id: str
) -> None:
    phone, tablet = Phone(gql, "phone"), Phone(gql, "tablet")
    done = uploaded(gql, phone, PDF, at(0))
    kept = uploaded(gql, phone, PNG, at(1), contentType="image/png", name="kept.png")
    key = object_key(user_id, done["id"])
    media.client.put_object(Bucket=media.bucket, Key=key, Body=PDF)  # a second version of the file
    assert len(versions(media, key)) == 2
    phone.change(at(2), deleteAttachment={"id": done["id"]})
    (result,) = phone.push()["results"]
    assert result["status"] == "APPLIED"
    assert versions(media, key) == []
    assert len(versions(media, object_key(user_id, kept["id"]))) == 1  # the other file stays
    assert tablet.sync_all()[done["id"]]["deleted"] is True
    usage = gql.data(operation("AttachmentQuota"))["attachmentQuota"]
    assert usage["usedBytes"] == len(PNG)
    # A pending upload's reservation goes with its record too.
    waiting = declared(PDF)
    phone.save_attachment(at(3), **waiting)
    phone.push()
    upload_url(gql, waiting["id"])
    phone.change(at(4), deleteAttachment={"id": waiting["id"]})
    phone.push()
    assert gql.data(operation("AttachmentQuota"))["attachmentQuota"]["reservedBytes"] == 0


def test_erasure_leaves_zero_attachment_objects_and_versions(
    gql: GraphQLClient, media: Media, user_id: str
) -> None:
    phone = Phone(gql, "phone")
    done = uploaded(gql, phone, PDF, at(0))
    media.client.put_object(Bucket=media.bucket, Key=object_key(user_id, done["id"]), Body=b"v2")
    waiting = declared(PNG, contentType="image/png")
    phone.save_attachment(at(1), **waiting)
    phone.push()
    assert put(upload_url(gql, waiting["id"]), PNG).status_code == 200  # uploaded, never completed
    assert len(versions(media, f"users/{user_id}/attachments/")) == 3
    erased = gql.data(operation("DeleteMyAccount"), {"confirm": "DELETE"})["deleteMyAccount"]
    assert erased["complete"] is True
    assert versions(media, f"users/{user_id}/") == []


def test_the_export_zip_round_trips_every_record_and_every_file_byte_for_byte(
    gql: GraphQLClient, settings: Settings, user_id: str
) -> None:
    phone = Phone(gql, "phone")
    recording = samples.wav(seconds=400)  # ~6.4 MB: the ZIP spans more than one 5 MB part
    files = {
        "report.pdf": (PDF, "application/pdf"),
        "drawing.png": (PNG, "image/png"),
        "../voice note.wav": (recording, "audio/wav"),
    }
    records = {}
    for seconds, (name, (content, content_type)) in enumerate(files.items()):
        done = uploaded(gql, phone, content, at(seconds), contentType=content_type, name=name)
        records[done["id"]] = (name, content)
    pending = declared(PDF, name="not uploaded.pdf")
    phone.save_attachment(at(9), **pending)
    phone.save_piece(at(10), id=pending["id"][:-1] + "Z", title="A piece")
    phone.push()

    services = Services.build(settings)
    parts: list[int] = []
    exports = Exports(
        Media(settings),
        services.audit,
        services.accounts.profiles,
        lambda: datetime.now(UTC),
        part_size=MIN_PART_SIZE,
    )
    original = exports.media.client.upload_part

    def counted(**params: Any) -> Any:
        parts.append(int(params["PartNumber"]))
        return original(**params)

    exports.media.client.upload_part = counted
    result = exports.export(User(user_id))
    assert len(parts) >= 2  # streamed as a multipart upload, not built in memory first
    with urllib.request.urlopen(result.url, timeout=30) as response:
        archive = zipfile.ZipFile(io.BytesIO(response.read()))
    assert archive.testzip() is None
    document = json.loads(archive.read("data.json"))
    exported = {record["id"]: record for record in document["records"]["attachment"]}
    assert set(exported) == set(records) | {pending["id"]}
    assert exported[pending["id"]]["fields"]["status"] == "PENDING_UPLOAD"
    assert [r["fields"]["title"] for r in document["records"]["piece"]] == ["A piece"]
    names = {
        f"attachments/{attachment_id}/{name.replace('/', '_')}": content
        for attachment_id, (name, content) in records.items()
    }
    assert sorted(archive.namelist()) == sorted(["data.json", *names])
    for path, content in names.items():
        assert archive.read(path) == content, path
    for attachment_id, (name, _) in records.items():
        assert exported[attachment_id]["fields"]["name"] == name
        assert exported[attachment_id]["fields"]["status"] == "UPLOADED"
