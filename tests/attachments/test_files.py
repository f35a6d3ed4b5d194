"""An attachment's file: S3 itself refuses a PUT of another size, type or checksum; completion
checks what was stored (idempotent, also from S3's notification through the Lambda handler);
downloads are presigned; nobody else gets a URL."""

from __future__ import annotations

import copy
import hashlib
import urllib.parse
from typing import Any

import httpx2 as httpx
import pytest

from app import create_app, make_handler
from tests.attachments.conftest import PDF, PNG, Phone, complete, declared, put, sha256, upload_url, uploaded
from tests.conftest import GraphQLClient
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.attachments import object_key
from tether.media import Media
from tether.services import Services
from tether.settings import Settings


def versions(media: Media, key: str) -> list[str]:
    listing = media.client.list_object_versions(Bucket=media.bucket, Prefix=key)
    return [item["VersionId"] for name in ("Versions", "DeleteMarkers") for item in listing.get(name, [])]


def pending(gql: GraphQLClient, content: bytes, **fields: Any) -> dict[str, Any]:
    phone = Phone(gql, f"phone-{new_id()}")  # a fresh installation: its mutation ids start at 1
    attachment = declared(content, **fields)
    phone.save_attachment(at(0), **attachment)
    phone.push()
    return attachment


def test_the_upload_url_is_signed_for_exactly_the_declared_size_type_and_checksum(gql: GraphQLClient) -> None:
    attachment = pending(gql, PDF)
    upload = upload_url(gql, attachment["id"])
    assert upload["method"] == "PUT"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(upload["url"]).query)
    assert int(query["X-Amz-Expires"][0]) <= 900
    assert query["X-Amz-SignedHeaders"] == [
        "content-length;content-type;host;x-amz-checksum-sha256;x-amz-tagging"
    ]
    assert {h["name"]: h["value"] for h in upload["headers"]} == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(PDF)),
        "x-amz-checksum-sha256": attachment["sha256"],
        "x-amz-tagging": "tether-attachment=pending",
    }


def test_s3_refuses_an_upload_of_the_wrong_size_type_or_checksum(
    gql: GraphQLClient, media: Media, user_id: str
) -> None:
    attachment = pending(gql, PDF)
    upload = upload_url(gql, attachment["id"])
    longer = put(upload, PDF + b"\n")
    assert (longer.status_code, "SignatureDoesNotMatch" in longer.text) == (403, True)
    retyped = put(upload, PDF, **{"Content-Type": "image/png"})
    assert (retyped.status_code, "SignatureDoesNotMatch" in retyped.text) == (403, True)
    other_checksum = put(upload, PDF, **{"x-amz-checksum-sha256": sha256(PDF[:-1] + b"?")})
    assert other_checksum.status_code == 403
    same_size_other_bytes = put(upload, PDF[:-1] + b"?")  # the declared checksum, other content
    assert (same_size_other_bytes.status_code, "BadDigest" in same_size_other_bytes.text) == (400, True)
    assert versions(media, object_key(user_id, attachment["id"])) == []  # nothing was stored
    assert put(upload, PDF).status_code == 200


def test_a_file_that_is_not_what_it_claims_is_failed_content_mismatch_and_removed(
    gql: GraphQLClient, media: Media, user_id: str
) -> None:
    attachment = pending(gql, PNG, name="scan.pdf")  # a PNG declared as a PDF
    attachment_id = attachment["id"]
    upload = upload_url(gql, attachment_id)
    assert put(upload, PNG).status_code == 200  # right size and checksum: S3 takes it
    result = complete(gql, attachment_id)
    assert (result["status"], result["failure"]) == ("FAILED", "CONTENT_MISMATCH")
    assert versions(media, object_key(user_id, attachment_id)) == []
    quota = gql.data(operation("AttachmentQuota"))["attachmentQuota"]
    assert (quota["usedBytes"], quota["reservedBytes"]) == (0, 0)
    body = gql(operation("AttachmentUploadUrl"), {"id": attachment_id})
    assert body["errors"][0]["extensions"]["reason"] == "NOT_PENDING_UPLOAD"


def test_completion_is_idempotent_and_waits_for_the_file(
    gql: GraphQLClient, media: Media, user_id: str
) -> None:
    attachment = pending(gql, PDF)
    early = gql(operation("CompleteAttachment"), {"id": attachment["id"]})
    assert early["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert early["errors"][0]["extensions"]["reason"] == "NOT_UPLOADED"
    assert put(upload_url(gql, attachment["id"]), PDF).status_code == 200
    first = complete(gql, attachment["id"])
    again = complete(gql, attachment["id"])
    assert first["status"] == "UPLOADED"
    assert again == first  # same version: nothing written twice
    quota = gql.data(operation("AttachmentQuota"))["attachmentQuota"]
    assert (quota["usedBytes"], quota["reservedBytes"]) == (len(PDF), 0)
    # Checked files lose the pending tag that the lifecycle rule expires.
    tags = media.client.get_object_tagging(Bucket=media.bucket, Key=object_key(user_id, attachment["id"]))
    assert tags["TagSet"] == [{"Key": "tether-attachment", "Value": "uploaded"}]
    assert gql.data(operation("Attachment"), {"id": attachment["id"]})["attachment"]["status"] == "UPLOADED"


@pytest.mark.parametrize("event_file", ["s3_object_created.json", "eventbridge_s3_object_created.json"])
def test_s3s_object_created_event_completes_the_attachment_through_the_lambda_handler(
    gql: GraphQLClient, settings: Settings, user_id: str, event_file: str
) -> None:
    phone, tablet = Phone(gql, "phone"), Phone(gql, "tablet")
    attachment = pending(gql, PDF)
    assert put(upload_url(gql, attachment["id"]), PDF).status_code == 200
    # The app was killed before completeAttachment: S3's notification reaches the same function.
    event = copy.deepcopy(load_event(event_file))
    key = urllib.parse.quote_plus(object_key(user_id, attachment["id"]), safe="/")
    if "Records" in event:
        event["Records"][0]["s3"]["object"]["key"] = key
    else:
        event["detail"]["object"]["key"] = object_key(user_id, attachment["id"])
    handler = make_handler(create_app(services=Services.build(settings)))
    assert handler(event, FakeLambdaContext()) == {"handled": 1}
    assert handler(event, FakeLambdaContext()) == {"handled": 1}  # S3 may deliver twice
    assert tablet.sync_all()[attachment["id"]]["status"] == "UPLOADED"
    assert complete(gql, attachment["id"])["status"] == "UPLOADED"  # the app's late call: no change
    del phone


def test_the_download_url_serves_the_bytes_for_at_most_15_minutes(gql: GraphQLClient) -> None:
    done = uploaded(gql, Phone(gql, "phone"), PDF, at(0), name="Résultats 03.pdf")
    link = gql.data(operation("AttachmentUrl"), {"id": done["id"]})["attachmentUrl"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link["url"]).query)
    assert int(query["X-Amz-Expires"][0]) <= 900
    response = httpx.get(link["url"], timeout=30)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(PDF).digest()
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''R%C3%A9sultats%2003.pdf" in response.headers["content-disposition"]
    pending_one = pending(gql, PNG, contentType="image/png")
    body = gql(operation("AttachmentUrl"), {"id": pending_one["id"]})
    assert body["errors"][0]["extensions"]["reason"] == "NOT_UPLOADED"


def test_another_user_gets_forbidden_for_every_url(
    gql: GraphQLClient, client: Any, make_token: Any, user_id: str, settings: Settings
) -> None:
    done = uploaded(gql, Phone(gql, "phone"), PDF, at(0))
    waiting = pending(gql, PNG, contentType="image/png")
    mallory = GraphQLClient(client, make_token("mallory"))
    calls = [
        ("query($id: ID!, $p: ID) { attachmentUrl(id: $id, profileId: $p) { url } }", done["id"]),
        ("mutation($id: ID!, $p: ID) { attachmentUploadUrl(id: $id, profileId: $p) { url } }", waiting["id"]),
        ("mutation($id: ID!, $p: ID) { completeAttachment(id: $id, profileId: $p) { id } }", waiting["id"]),
        ("query($id: ID!, $p: ID) { attachment(id: $id, profileId: $p) { id } }", done["id"]),
        ("query($p: ID) { attachmentQuota(profileId: $p) { usedBytes } }", done["id"]),
    ]
    for query, attachment_id in calls:
        body = mallory(query, {"id": attachment_id, "p": user_id})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, body)
        # The same answer as for any profile one cannot reach.
        assert body["errors"][0]["extensions"]["reason"] == "PROFILE_UNREACHABLE"
    # Within Mallory's own profile the ids are simply unknown.
    for name in ("AttachmentUrl", "AttachmentUploadUrl", "CompleteAttachment"):
        body = mallory(operation(name), {"id": done["id"]})
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", name
    # A URL the owner got can't be bent to another object: S3 refuses the changed signature.
    link = gql.data(operation("AttachmentUrl"), {"id": done["id"]})["attachmentUrl"]["url"]
    bent = link.replace(f"users/{user_id}/", "users/mallory/")
    assert httpx.get(bent, timeout=30).status_code == 403
    del settings
