"""Attachment URLs follow the people rules: downloads need read on ATTACHMENTS in the profile,
uploads and completion need write; an outsider cannot even learn that the profile exists."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx

from tests.attachments.conftest import PDF, PNG, declared, put
from tests.attachments.conftest import settings as settings
from tests.operations import operation
from tests.people.conftest import Person, device_of, reason
from tests.people.conftest import people_client as people_client
from tests.people.conftest import people_clock as people_clock
from tests.people.conftest import person as person
from tests.people.conftest import services as services
from tests.sync.conftest import at


def test_a_parent_reads_and_uploads_a_teacher_and_an_outsider_get_nothing(
    person: Callable[[str], Person],
) -> None:
    parent, teacher, outsider = person("parent"), person("teacher"), person("outsider")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    tablet = device_of(parent, "parent-tablet", learner)
    report, scan = declared(PDF), declared(PNG, "image/png", name="scan.png")
    tablet.change(at(0), saveAttachment=report)
    tablet.change(at(1), saveAttachment=scan)
    tablet.push()

    # The parent (who manages the learner's profile) uploads, completes and downloads its files.
    upload = parent.data(operation("AttachmentUploadUrl"), id=report["id"], profileId=learner)
    assert f"/users/{learner}/attachments/{report['id']}" in upload["attachmentUploadUrl"]["url"]
    assert put(upload["attachmentUploadUrl"], PDF).status_code == 200
    done = parent.data(operation("CompleteAttachment"), id=report["id"], profileId=learner)
    assert done["completeAttachment"]["status"] == "UPLOADED"
    link = parent.data(operation("AttachmentUrl"), id=report["id"], profileId=learner)["attachmentUrl"]["url"]
    assert httpx.get(link, timeout=30).content == PDF
    quota = parent.data(operation("AttachmentQuota"), profileId=learner)["attachmentQuota"]
    assert quota["usedBytes"] == len(PDF)
    # The parent's own profile has none of it.
    body = parent.gql(operation("AttachmentUrl"), {"id": report["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    # A teacher's role does not read (or write) attachments; an outsider cannot reach the profile.
    for who, expected in (
        (teacher, ("FORBIDDEN", "NOT_PERMITTED")),
        (outsider, ("FORBIDDEN", "PROFILE_UNREACHABLE")),
    ):
        for name, attachment in (
            ("AttachmentUrl", report),
            ("Attachment", report),
            ("AttachmentUploadUrl", scan),
            ("CompleteAttachment", scan),
        ):
            errors = who.errors(operation(name), id=attachment["id"], profileId=learner)
            assert reason(errors) == expected, (who.id, name)
        assert reason(who.errors(operation("AttachmentQuota"), profileId=learner)) == expected
    # Nothing the teacher tried changed the file it could not reach.
    waiting = parent.data(operation("Attachment"), id=scan["id"], profileId=learner)["attachment"]
    assert waiting["status"] == "PENDING_UPLOAD"
