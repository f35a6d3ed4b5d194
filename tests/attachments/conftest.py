"""Attachments against the local S3 (moto plus S3's presigned checks) and DynamoDB Local."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx2 as httpx

from localdev import samples
from tests.account.conftest import media as media  # the media bucket on the local S3
from tests.account.conftest import settings as settings
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, new_id
from tests.sync.conftest import clock as clock  # the engine and its clock, as fixtures here too
from tests.sync.conftest import engine as engine

PDF = samples.pdf("Lab report: all values in range")
PNG = samples.png()


def sha256(content: bytes) -> str:
    return base64.b64encode(hashlib.sha256(content).digest()).decode()


def declared(content: bytes, content_type: str = "application/pdf", **fields: Any) -> dict[str, Any]:
    """A saveAttachment input that tells the truth about `content`."""
    return {
        "id": new_id(),
        "name": "report.pdf",
        "contentType": content_type,
        "byteSize": len(content),
        "sha256": sha256(content),
        **fields,
    }


class Phone(Device):
    """A device that keeps the attachments it pulls."""

    follows = ("attachments",)

    def save_attachment(self, changed_at: str, **fields: Any) -> int:
        return self.change(changed_at, saveAttachment=fields)


def upload_url(gql: GraphQLClient, attachment_id: str) -> dict[str, Any]:
    return dict(gql.data(operation("AttachmentUploadUrl"), {"id": attachment_id})["attachmentUploadUrl"])


def put(upload: dict[str, Any], body: bytes, **overrides: str) -> httpx.Response:
    """PUT the bytes as an app does: the URL with its headers (a test may override one)."""
    headers = {header["name"]: header["value"] for header in upload["headers"]}
    headers.pop("Content-Length")  # the HTTP client sends the body's real length
    headers.update(overrides)
    return httpx.put(upload["url"], content=body, headers=headers, timeout=30)


def complete(gql: GraphQLClient, attachment_id: str) -> dict[str, Any]:
    return dict(gql.data(operation("CompleteAttachment"), {"id": attachment_id})["completeAttachment"])


def uploaded(gql: GraphQLClient, phone: Phone, content: bytes, at: str, **fields: Any) -> dict[str, Any]:
    """An attachment saved, pushed, uploaded and completed; its record."""
    attachment = declared(content, **fields)
    phone.save_attachment(at, **attachment)
    phone.push()
    response = put(upload_url(gql, attachment["id"]), content)
    assert response.status_code == 200, response.text
    done = complete(gql, attachment["id"])
    assert done["status"] == "UPLOADED", done
    return done
