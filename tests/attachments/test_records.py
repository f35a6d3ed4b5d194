"""The attachments collection: the record syncs at once (PENDING_UPLOAD), its limits are REJECTED
with their own codes, the declared file is fixed once uploaded, and merges are order-independent."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.attachments.conftest import PDF, PNG, Phone, declared, sha256, uploaded
from tests.conftest import GraphQLClient
from tests.sync.conftest import T0, at, new_id
from tether import attachments
from tether.attachments import ATTACHMENTS
from tether.settings import Settings
from tether.sync.engine import Mutation, SyncEngine


def test_a_record_made_offline_reaches_another_device_pending_before_its_file_and_uploaded_after(
    gql: GraphQLClient,
) -> None:
    phone, tablet = Phone(gql, "phone"), Phone(gql, "tablet")
    attachment = declared(
        PDF, name="Lab report.pdf", parent={"type": "CHAT_MESSAGE", "id": new_id()}, width=612, height=792
    )
    # Offline: the record is queued with a piece of data; the push carries both, no upload needed.
    phone.save_attachment(at(0), **attachment)
    phone.save_piece(at(1), id=new_id(), title="Notes")
    results = phone.push()["results"]
    assert [result["status"] for result in results] == ["APPLIED", "APPLIED"]

    seen = tablet.sync_all()[attachment["id"]]
    assert seen["status"] == "PENDING_UPLOAD"
    assert seen["uploadedAt"] is None
    assert (seen["name"], seen["contentType"], seen["byteSize"], seen["sha256"]) == (
        "Lab report.pdf",
        "application/pdf",
        len(PDF),
        sha256(PDF),
    )
    assert seen["parent"] == attachment["parent"]

    done = uploaded(gql, phone, PDF, at(2), **{k: v for k, v in attachment.items() if k != "id"})
    assert done["status"] == "UPLOADED"
    # The tablet learns of a finished upload by its next pull, like any change.
    assert tablet.sync_all()[attachment["id"]]["status"] == "PENDING_UPLOAD"  # (the first one, unchanged)
    assert tablet.sync_all()[done["id"]]["status"] == "UPLOADED"


def test_completion_reaches_other_devices_by_pull(gql: GraphQLClient) -> None:
    phone, tablet = Phone(gql, "phone"), Phone(gql, "tablet")
    done = uploaded(gql, phone, PNG, at(0), contentType="image/png", name="drawing.png")
    assert tablet.sync_all()[done["id"]]["status"] == "UPLOADED"
    assert tablet.local[done["id"]]["uploadedAt"] is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"contentType": "application/x-msdownload"}, "TYPE_NOT_ALLOWED"),
        ({"byteSize": 25 * 1024 * 1024 + 1}, "TOO_LARGE"),
        ({"sha256": "not-base64!"}, "BAD_CHECKSUM"),
        ({"sha256": "AAAA"}, "BAD_CHECKSUM"),  # base64, but not 32 bytes
    ],
)
def test_a_bad_declaration_is_rejected_with_its_own_code_and_the_rest_of_the_push_applies(
    gql: GraphQLClient, change: dict[str, Any], code: str
) -> None:
    phone = Phone(gql, "phone")
    phone.save_attachment(at(0), **{**declared(PDF), **change})
    phone.save_piece(at(1), id=new_id(), title="Still synced")
    results = phone.push()["results"]
    assert (results[0]["status"], results[0]["code"]) == ("REJECTED", code)
    assert results[0]["message"]
    assert results[1]["status"] == "APPLIED"


def test_the_declared_file_is_fixed_once_uploaded_but_its_other_fields_are_not(gql: GraphQLClient) -> None:
    phone = Phone(gql, "phone")
    done = uploaded(gql, phone, PDF, at(0))
    for change in ({"byteSize": 10}, {"sha256": sha256(b"other")}, {"contentType": "image/png"}):
        phone.save_attachment(at(5), id=done["id"], **change)
        (result,) = phone.push()["results"]
        assert (result["status"], result["code"]) == ("REJECTED", "IMMUTABLE"), change
    # Re-saving the same values and renaming are fine.
    phone.save_attachment(at(6), id=done["id"], name="Renamed.pdf", sha256=sha256(PDF), byteSize=len(PDF))
    (result,) = phone.push()["results"]
    assert result["status"] == "APPLIED"
    assert (result["record"]["name"], result["record"]["uploadStatus"]) == ("Renamed.pdf", "UPLOADED")


def test_clients_cannot_write_the_server_fields(gql: GraphQLClient) -> None:
    phone = Phone(gql, "phone")
    phone.save_attachment(at(0), **declared(PDF), status="UPLOADED")
    body = phone.push_raw()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.fixture
def limited(settings: Settings) -> Iterator[None]:
    attachments.configure(
        dataclasses.replace(settings, attachment_types="application/pdf", attachment_max_mb=1)
    )
    yield
    attachments.configure(settings)


def test_the_allow_list_and_size_limit_are_settings(engine: SyncEngine, user_id: str, limited: None) -> None:
    def push(mutation_id: int, **fields: Any) -> tuple[str, str | None]:
        (result,) = engine.push(user_id, "phone", [_save(mutation_id, 0, **fields)]).results
        return result.status, result.code

    assert push(1, **_core(declared(PNG, "image/png"))) == ("REJECTED", "TYPE_NOT_ALLOWED")
    assert push(2, **_core(declared(PDF), byteSize=1024 * 1024 + 1)) == ("REJECTED", "TOO_LARGE")
    assert push(3, **_core(declared(PDF), byteSize=1024 * 1024)) == ("APPLIED", None)


def _core(fields: dict[str, Any], **more: Any) -> dict[str, Any]:
    names = {"contentType": "content_type", "byteSize": "byte_size", "durationSeconds": "duration_seconds"}
    return {names.get(name, name): value for name, value in {**fields, **more}.items()}


def _save(mutation_id: int, seconds: float, **fields: Any) -> Mutation:
    return Mutation(mutation_id, T0 + timedelta(seconds=seconds), ATTACHMENTS, "save", _core(fields))


def test_metadata_merges_are_order_independent(engine: SyncEngine, settings: Settings) -> None:
    """Devices edit an attachment they pulled, offline; whatever the order of their pushes (then
    every push retried), the record ends the same. With re-saves of unchanged values (a newer stamp
    on the same value must still beat an older edit), equal stamps and stale edits."""
    base = declared(PDF)
    record_id = base["id"]
    create = ("phone", [_save(1, 0, **base)])
    edits = {
        "tablet": [_save(1, 10, id=record_id, name="B.pdf"), _save(2, 25, id=record_id, width=200)],
        "laptop": [
            _save(1, 10, id=record_id, name="A.pdf"),
            _save(2, 20, id=record_id, height=50),
            _save(3, 27, id=record_id, width=100),  # older than the watch's re-save
        ],
        "watch": [
            _save(1, 30, id=record_id, width=200),  # re-save of the tablet's value, later
            _save(2, 20, id=record_id, height=50, durationSeconds=4),  # equal stamp, same value
            _save(3, 5, id=record_id, name="Old.pdf"),  # stale
        ],
    }
    finals = set()
    for order in itertools.permutations(edits):
        user = f"user-{new_id()}"
        engine.push(user, *create)
        for device in order:
            engine.push(user, device, edits[device])
        for device in edits:  # retries of every push: duplicates, nothing changes
            engine.push(user, device, edits[device])
        (stored,) = [r for r in engine.pull(user, "reader", None).records if r.id == record_id]
        finals.add(tuple(sorted((k, str(v)) for k, v in stored.data.items())))
    assert len(finals) == 1, finals
    final = dict(next(iter(finals)))
    # name: the tablet and the laptop at 10 s tie on time; the client id breaks it ("tablet" wins).
    assert final["name"] == "B.pdf"
    assert (final["width"], final["height"], final["duration_seconds"]) == ("200", "50", "4")
    assert final["status"] == "PENDING_UPLOAD"
