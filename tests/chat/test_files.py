"""The assistant reads attachments (issue 12, part 6): files read from the local S3 and sent in each
provider's native blocks (the exact request bodies the real SDKs send to the fake provider
servers), every limit checked on the records before any S3 read or provider call, a thread's
context file, the push path and retryChatReply, and logs without file contents or chat text."""

from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from localdev import samples
from tests.attachments.conftest import PDF, PNG, Phone, complete, declared, put, sha256, upload_url, uploaded
from tests.attachments.conftest import media as media  # the media bucket on the local S3
from tests.attachments.conftest import settings as settings
from tests.chat.conftest import (
    Answer,
    FakeAPI,
    anthropic_reply,
    bedrock_reply,
    openai_reply,
    provider_settings,
    push,
    thread_messages,
)
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import at, new_id
from tether.attachments import ATTACHMENTS
from tether.chat import memory
from tether.chat.files import BEDROCK, MB
from tether.chat.model import reply_id
from tether.chat.providers.bedrock import document_name
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key
from tether.sync.engine import ServerChange

QUESTION = "Explain my lab report, please"
PDF_NAME = "Lab report (May).pdf"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def file_settings(name: str, fake: FakeAPI) -> dict[str, Any]:
    """The provider's settings, tools off: tool rounds have their own byte-for-byte tests
    (test_tools.py); these requests carry files only."""
    return provider_settings(name, fake, chat_tools=False)


REPLIES: dict[str, Callable[..., Answer]] = {
    "openai": openai_reply,
    "anthropic": anthropic_reply,
    "bedrock": bedrock_reply,
}


def expected_body(name: str, system: str, max_tokens: int, question: str, pdf: bytes, png: bytes) -> Any:
    """The whole request body each provider's SDK must send: its native document and image blocks."""
    if name == "bedrock":
        return {
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "document": {
                                "format": "pdf",
                                "name": "Lab report (May)",
                                "source": {"bytes": b64(pdf)},
                            }
                        },
                        {"image": {"format": "png", "source": {"bytes": b64(png)}}},
                        {"text": question},
                    ],
                }
            ],
            "system": [{"text": system}],
            "inferenceConfig": {"maxTokens": max_tokens},
        }
    if name == "anthropic":
        return {
            "max_tokens": max_tokens,
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "document",
                            "source": {"type": "base64", "media_type": "application/pdf", "data": b64(pdf)},
                            "title": PDF_NAME,
                        },
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": b64(png)},
                        },
                        {"type": "text", "text": question},
                    ],
                }
            ],
            "model": "claude-test",
            "system": system,
        }
    return {
        "messages": [
            {"role": "system", "content": system},
            {
                "role": "user",
                "content": [
                    {
                        "type": "file",
                        "file": {
                            "filename": PDF_NAME,
                            "file_data": f"data:application/pdf;base64,{b64(pdf)}",
                        },
                    },
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64(png)}"}},
                    {"type": "text", "text": question},
                ],
            },
        ],
        "model": "gpt-test",
        "max_completion_tokens": max_tokens,
    }


def new_thread(gql: GraphQLClient, **fields: Any) -> str:
    thread_id = new_id()
    body = gql(operation("CreateChatThread"), {"input": {"id": thread_id, "title": "Results", **fields}})
    assert "errors" not in body, body
    return thread_id


def send(gql: GraphQLClient, thread_id: str, text: str, attachment_ids: list[str]) -> dict[str, Any]:
    message = {"id": new_id(), "threadId": thread_id, "text": text, "attachmentIds": attachment_ids}
    body: dict[str, Any] = gql(operation("SendChatMessage"), {"input": message})
    return body


@pytest.mark.parametrize("name", ["bedrock", "anthropic", "openai"])
def test_each_provider_gets_a_pdf_and_an_image_in_its_native_blocks(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, settings: Settings, name: str
) -> None:
    gql = chat_client(**file_settings(name, fake_api))
    phone = Phone(gql, "phone")
    report = uploaded(gql, phone, PDF, at(0), name=PDF_NAME)
    scan = uploaded(gql, phone, PNG, at(1), content_type="image/png", name="scan.png", width=4, height=4)
    thread_id = new_thread(gql)
    fake_api.default = lambda request: REPLIES[name]("Your values are in range.")

    body = send(gql, thread_id, QUESTION, [report["id"], scan["id"]])

    reply = body["data"]["sendChatMessage"]
    assert (reply["status"], reply["text"]) == ("COMPLETE", "Your values are in range."), body
    [request] = fake_api.requests
    system = memory.system_prompt(settings.chat_system_prompt, None, None)
    assert request.body == expected_body(name, system, settings.chat_max_output_tokens, QUESTION, PDF, PNG)
    [message] = [m for m in thread_messages(gql, thread_id) if m["role"] == "USER"]
    assert message["attachmentIds"] == [report["id"], scan["id"]]


def test_a_thread_about_an_attachment_shows_its_document_with_every_message(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, settings: Settings
) -> None:
    gql = chat_client(**file_settings("anthropic", fake_api))
    report = uploaded(gql, Phone(gql, "phone"), PDF, at(0), name=PDF_NAME)
    thread_id = new_thread(gql, context={"attachmentId": report["id"]})
    fake_api.default = lambda request: anthropic_reply("It says all values are in range.")

    for text in ("What does this report say?", "And what should I ask my doctor?"):
        body = send(gql, thread_id, text, [])
        assert body["data"]["sendChatMessage"]["status"] == "COMPLETE", body

    system = memory.system_prompt(
        settings.chat_system_prompt,
        "This conversation is about the user's file attached to their message (read it first).",
        None,
    )
    document = {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": b64(PDF)},
        "title": PDF_NAME,
    }
    first, second = (request.body for request in fake_api.requests)
    assert first["system"] == second["system"] == system
    assert first["messages"] == [
        {"role": "user", "content": [document, {"type": "text", "text": "What does this report say?"}]}
    ]
    assert second["messages"] == [
        {"role": "user", "content": "What does this report say?"},
        {"role": "assistant", "content": "It says all values are in range."},
        {"role": "user", "content": [document, {"type": "text", "text": "And what should I ask my doctor?"}]},
    ]


def settled(
    services: Services, phone: Phone, user_id: str, content_type: str, size: int, **fields: Any
) -> str:
    """An attachment whose record says UPLOADED while S3 holds no file: a check that read S3 or
    called the provider would show (the refusals below must come from the record alone)."""
    attachment = {
        "id": new_id(),
        "name": "file",
        "contentType": content_type,
        "byteSize": size,
        "sha256": sha256(b"x"),
        **fields,
    }
    phone.save_attachment(at(0), **attachment)
    phone.push()
    services.sync.write(
        user_key(user_id),
        [
            ServerChange(
                ATTACHMENTS, "settle", {"id": attachment["id"], "status": "UPLOADED", "uploaded_at": at(1)}
            )
        ],
    )
    return str(attachment["id"])


def test_every_limit_is_refused_with_its_own_reason_before_any_call(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, settings: Settings, user_id: str
) -> None:
    """Bedrock's limits (the strictest), each broken once: BAD_USER_INPUT or NOT_FOUND with its own
    reason, nothing stored, no provider call (the files don't even exist in S3)."""
    configured = file_settings("bedrock", fake_api)
    gql = chat_client(**configured)
    services = Services.build(settings)
    phone = Phone(gql, "phone")
    pdf = settled(services, phone, user_id, "application/pdf", 1000)
    big_pdf = settled(services, phone, user_id, "application/pdf", BEDROCK.max_document_bytes + 1)
    big_image = settled(services, phone, user_id, "image/png", BEDROCK.max_image_bytes + 1)
    wide_image = settled(services, phone, user_id, "image/png", 1000, width=8001, height=10)
    audio = settled(services, phone, user_id, "audio/mp4", 1000)
    waiting = new_id()
    phone.save_attachment(at(2), **{**declared(PDF), "id": waiting})
    phone.push()
    others = Phone(chat_client(user="mallory", **configured), "mallory-phone")
    theirs = new_id()
    others.save_attachment(at(2), **{**declared(PDF), "id": theirs})
    others.push()
    thread_id = new_thread(gql)
    about_pdf = new_thread(gql, context={"attachmentId": pdf})
    five = [settled(services, phone, user_id, "application/pdf", 1000) for _ in range(5)]

    cases = [
        (thread_id, [new_id() for _ in range(6)], "BAD_USER_INPUT", "TOO_MANY_ATTACHMENTS"),
        (thread_id, [waiting], "BAD_USER_INPUT", "ATTACHMENT_NOT_UPLOADED"),
        (thread_id, [audio], "BAD_USER_INPUT", "ATTACHMENT_TYPE_NOT_SUPPORTED"),
        (thread_id, [big_pdf], "BAD_USER_INPUT", "ATTACHMENT_TOO_LARGE"),
        (thread_id, [big_image], "BAD_USER_INPUT", "ATTACHMENT_TOO_LARGE"),
        (thread_id, [wide_image], "BAD_USER_INPUT", "IMAGE_DIMENSIONS_TOO_LARGE"),
        (about_pdf, five, "BAD_USER_INPUT", "TOO_MANY_ATTACHMENTS_OF_KIND"),  # 6 documents in all
        (thread_id, [theirs], "NOT_FOUND", "ATTACHMENT_NOT_FOUND"),  # another user's: not in this profile
        (thread_id, [new_id()], "NOT_FOUND", "ATTACHMENT_NOT_FOUND"),
    ]
    for thread, ids, code, reason in cases:
        body = send(gql, thread, QUESTION, ids)
        extensions = body["errors"][0]["extensions"]
        assert (extensions["code"], extensions["reason"]) == (code, reason), (reason, body)
    assert fake_api.requests == []
    assert thread_messages(gql, thread_id) == thread_messages(gql, about_pdf) == []


def test_the_total_per_message_is_limited(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, settings: Settings, user_id: str
) -> None:
    gql = chat_client(**file_settings("anthropic", fake_api))
    services = Services.build(settings)
    phone = Phone(gql, "phone")
    halves = [settled(services, phone, user_id, "application/pdf", 12 * MB) for _ in range(2)]
    body = send(gql, new_thread(gql), QUESTION, halves)
    assert body["errors"][0]["extensions"]["reason"] == "ATTACHMENTS_TOO_LARGE"
    assert body["errors"][0]["extensions"]["limit"] == 23 * MB
    assert fake_api.requests == []


def test_the_health_app_recipe_offline_push_then_upload_then_retry(
    chat_client: Callable[..., GraphQLClient], user_id: str
) -> None:
    """docs/chat.md's recipe with the local provider: a message pushed before its file arrived gets
    a FAILED reply (no model call); once the file is uploaded, retryChatReply answers it."""
    gql = chat_client(chat_provider="local")
    phone = Phone(gql, "phone")
    report = declared(PDF, name=PDF_NAME)
    thread_id, message_id = new_id(), new_id()
    phone.save_attachment(at(0), **report)
    phone.change(at(1), saveChatThread={"id": thread_id, "title": "Lab results"})
    phone.change(
        at(2),
        sendChatMessage={
            "id": message_id,
            "threadId": thread_id,
            "text": QUESTION,
            "attachmentIds": [report["id"]],
        },
    )
    push(gql, "phone", phone.queue)
    [_, reply] = thread_messages(gql, thread_id)
    assert (reply["status"], reply["error"]["code"]) == ("FAILED", "ATTACHMENT_NOT_UPLOADED")

    assert put(upload_url(gql, report["id"]), PDF).status_code == 200
    assert complete(gql, report["id"])["status"] == "UPLOADED"
    retried = gql.data(operation("RetryChatReply"), {"messageId": message_id})["retryChatReply"]
    assert retried["id"] == reply_id(message_id)
    assert retried["status"] == "COMPLETE"
    assert f"1 file(s): {PDF_NAME} (application/pdf, {len(PDF)} bytes)" in retried["text"]


def test_logs_hold_neither_file_contents_nor_chat_text(
    chat_client: Callable[..., GraphQLClient], fake_api: FakeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Hemoglobin 13.9 confidential"
    pdf = samples.pdf(secret)
    gql = chat_client(**file_settings("openai", fake_api))
    report = uploaded(gql, Phone(gql, "phone"), pdf, at(0))
    thread_id = new_thread(gql)
    fake_api.default = lambda request: openai_reply("Reply text that must not be logged")
    send(gql, thread_id, "A question that must not be logged", [report["id"]])
    fake_api.default = lambda request: Answer(400, {"error": {"message": secret, "type": "invalid_request"}})
    failed = send(gql, thread_id, "Another private question", [report["id"]])
    assert failed["data"]["sendChatMessage"]["error"]["code"] == "PROVIDER_REFUSED"
    assert [r.getMessage() for r in caplog.records].count("chat reply") == 2  # logged by id and outcome
    for record in caplog.records:
        for private in (secret, b64(pdf)[:40], "must not be logged", "Another private question"):
            assert private not in record.getMessage(), record.name
            assert private not in str(record.__dict__), record.name


def test_bedrock_document_names_follow_its_rules() -> None:
    taken: set[str] = set()
    assert document_name("Lab report (May).pdf", taken) == "Lab report (May)"
    assert document_name("blood_test   2026-03.v2.pdf", taken) == "blood test 2026-03 v2"
    assert document_name("résumé [final].txt", taken) == "r sum [final]"
    assert document_name("....", taken) == "document"
    assert document_name("scan.pdf", {"scan"}) == "scan (2)"
    assert document_name("scan.pdf", {"scan", "scan (2)"}) == "scan (3)"
    assert len(document_name("x" * 500 + ".pdf", set())) == 200


def test_round_trips_of_a_message_with_a_file(chat_client: Callable[..., GraphQLClient]) -> None:
    """A file costs two BatchGetItems of its record (checked before storing, and again under the
    reply's lease) and one S3 GetObject; without files, nothing changes."""
    gql = chat_client(chat_provider="local")
    report = uploaded(gql, Phone(gql, "phone"), PDF, at(0))
    thread_id = new_thread(gql)
    send(gql, thread_id, "warm-up", [])  # first-use costs (the budget counters) out of the way
    with record_calls() as plain:
        assert send(gql, thread_id, "no file", [])["data"]["sendChatMessage"]["status"] == "COMPLETE"
    with record_calls() as with_file:
        assert (
            send(gql, thread_id, "a file", [report["id"]])["data"]["sendChatMessage"]["status"] == "COMPLETE"
        )
    extra = Counter(with_file.operations)
    extra.subtract(Counter(plain.operations))
    assert +extra == Counter({"BatchGetItem": 2})
