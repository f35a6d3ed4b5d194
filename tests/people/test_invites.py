"""Managed profiles, invites (once, expiring, rate-limited guesses), members, revoke and leave."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Clock
from tests.operations import operation
from tests.people.conftest import Person, reason
from tether.audit import AuditLog
from tether.people import codes
from tether.services import Services


def test_a_parent_creates_a_learner_and_a_teacher_joins_with_an_invite(
    person: Callable[[str], Person],
) -> None:
    parent, teacher = person("parent"), person("teacher")
    created = parent.data(operation("CreateProfile"), input={"name": "  Keala "})["createProfile"]
    learner = created["id"]
    assert (created["name"], created["role"], created["managed"]) == ("Keala", "OWNER", True)
    assert reason(parent.errors(operation("CreateProfile"), input={"name": "   "})) == (
        "BAD_USER_INPUT",
        None,
    )
    mine = {p["id"]: p for p in parent.data(operation("Profiles"))["profiles"]}
    assert list(mine) == [parent.id, learner]  # the own profile (id = account id) first
    assert mine[parent.id]["role"] == "OWNER"
    assert mine[parent.id]["managed"] is False
    assert mine[learner] == {
        "id": learner,
        "name": "Keala",
        "managed": True,
        "role": "OWNER",
        "permissions": {
            "read": [
                "ATTACHMENTS",
                "BOOKMARKS",
                "CHAT",
                "PIECES",
                "PREFERENCES",
                "PROGRESS",
                "SESSIONS",
                "STATISTICS",
            ],
            "write": [
                "ATTACHMENTS",
                "BOOKMARKS",
                "CHAT",
                "PIECES",
                "PREFERENCES",
                "PROGRESS",
                "SESSIONS",
                "STATISTICS",
            ],
            "chat": True,
        },
    }
    code = parent.invite(learner, "TEACHER", expiresInHours=48)
    joined = teacher.accept(code.lower().replace("-", " "))  # typed by a person: case and separators forgiven
    assert joined["role"] == "TEACHER"
    assert joined["permissions"] == {
        "read": ["BOOKMARKS", "PIECES", "PROGRESS", "SESSIONS", "STATISTICS"],
        "write": ["PIECES", "SESSIONS"],
        "chat": False,
    }
    assert set(teacher.profiles()) == {teacher.id, learner}
    members = parent.data(operation("Members"), profileId=learner)["members"]
    assert [(m["accountId"], m["role"], m["name"]) for m in members] == [
        (parent.id, "OWNER", "Parent"),
        (teacher.id, "TEACHER", "Teacher"),
    ]
    assert reason(teacher.errors(operation("Members"), profileId=learner)) == ("FORBIDDEN", "NOT_PERMITTED")


def test_an_invite_code_is_typeable_and_carries_at_least_50_bits() -> None:
    code = codes.new_code()
    canonical = codes.normalize(code)
    assert canonical is not None
    assert len(canonical) * 5 >= 50
    assert len(codes.ALPHABET) == 32
    assert codes.normalize(canonical.replace("0", "o").lower()) == canonical
    assert codes.normalize("ABC") is None


def test_an_invite_works_once(person: Callable[[str], Person]) -> None:
    parent, teacher, other = person("parent"), person("teacher"), person("other")
    learner = parent.create_profile("Keala")
    code = parent.invite(learner, "CAREGIVER")
    teacher.accept(code)
    assert reason(other.errors(operation("AcceptInvite"), code=code)) == ("CONFLICT", "INVITE_USED")
    assert set(other.profiles()) == {other.id}


def test_an_invite_expires(person: Callable[[str], Person], people_clock: Clock) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    code = parent.invite(learner, "TEACHER", expiresInHours=2)
    people_clock.advance(hours=2)
    assert reason(teacher.errors(operation("AcceptInvite"), code=code)) == ("FORBIDDEN", "INVITE_EXPIRED")
    assert reason(
        parent.errors(
            operation("CreateInvite"), input={"profileId": learner, "role": "TEACHER", "expiresInHours": 169}
        )
    ) == (
        "BAD_USER_INPUT",
        None,
    )


def test_guessing_codes_is_rate_limited_per_account(
    person: Callable[[str], Person], people_clock: Clock
) -> None:
    parent, guesser, honest = person("parent"), person("guesser"), person("honest")
    learner = parent.create_profile("Keala")
    real = parent.invite(learner, "TEACHER")
    for _attempt in range(10):
        assert reason(guesser.errors(operation("AcceptInvite"), code=codes.new_code())) == (
            "NOT_FOUND",
            "INVITE_NOT_FOUND",
        )
    errors = guesser.errors(operation("AcceptInvite"), code=real)  # even the right code, once over the limit
    assert reason(errors) == ("RATE_LIMITED", "TOO_MANY_GUESSES")
    assert errors[0]["extensions"]["retryAfterSeconds"] > 0
    assert set(guesser.profiles()) == {guesser.id}
    honest.accept(real)  # the limit is the guesser's, not the invite's
    people_clock.advance(hours=1)
    assert reason(guesser.errors(operation("AcceptInvite"), code=codes.new_code())) == (
        "NOT_FOUND",
        "INVITE_NOT_FOUND",
    )


def test_only_managers_invite_and_an_unreachable_profile_reveals_nothing(
    person: Callable[[str], Person],
) -> None:
    parent, teacher, stranger = person("parent"), person("teacher"), person("stranger")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    assert reason(
        teacher.errors(operation("CreateInvite"), input={"profileId": learner, "role": "TEACHER"})
    ) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    existing = stranger.errors(operation("Members"), profileId=learner)
    missing = stranger.errors(operation("Members"), profileId="01JNOSUCHPROFILE0000000000")
    someone = stranger.errors(operation("Members"), profileId=parent.id)  # another account's own profile
    assert reason(existing) == reason(missing) == reason(someone) == ("FORBIDDEN", "PROFILE_UNREACHABLE")
    assert existing[0]["message"] == missing[0]["message"]
    # A TEACHER grant cannot be widened beyond its role (only the private areas may be added).
    errors = parent.errors(
        operation("CreateInvite"), input={"profileId": learner, "role": "CAREGIVER", "write": ["PIECES"]}
    )
    assert reason(errors) == ("BAD_USER_INPUT", None)


def test_revoke_and_leave_end_access_and_are_audited(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, teacher, caregiver = person("parent"), person("teacher"), person("caregiver")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    caregiver.accept(parent.invite(learner, "CAREGIVER"))
    assert (
        parent.data(operation("RevokeAccess"), profileId=learner, accountId=teacher.id)["revokeAccess"]
        is True
    )
    assert (
        parent.data(operation("RevokeAccess"), profileId=learner, accountId=teacher.id)["revokeAccess"]
        is False
    )  # idempotent
    assert caregiver.data(operation("LeaveProfile"), profileId=learner)["leaveProfile"] is True
    assert set(teacher.profiles()) == {teacher.id}
    assert reason(teacher.errors(operation("Members"), profileId=learner)) == ("FORBIDDEN", "ACCESS_REVOKED")
    assert reason(parent.errors(operation("LeaveProfile"), profileId=learner)) == (
        "FORBIDDEN",
        "OWNER_CANNOT_LEAVE",
    )
    assert [m["accountId"] for m in parent.data(operation("Members"), profileId=learner)["members"]] == [
        parent.id
    ]
    log: AuditLog = services.people.directory.audit
    subject = log.subject(learner)
    kinds = [e.kind for e in log.entries() if e.details.get("profile") == subject]
    assert kinds == [
        "profile.created",
        "profile.invite_created",
        "profile.invite_accepted",
        "profile.invite_created",
        "profile.invite_accepted",
        "profile.access_revoked",
        "profile.left",
    ]
    assert log.verify().ok
    # A re-invited member joins again.
    teacher.accept(parent.invite(learner, "TEACHER"))
    assert set(teacher.profiles()) == {teacher.id, learner}


def test_a_managed_profile_is_handed_over_to_its_own_account(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, learner_account, guardian = person("parent"), person("learner"), person("guardian")
    learner = parent.create_profile("Keala")
    guardian.accept(parent.invite(learner, "GUARDIAN"))
    assert reason(guardian.errors(operation("TransferProfile"), profileId=learner)) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    assert reason(parent.errors(operation("TransferProfile"), profileId=parent.id)) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    transfer = parent.data(operation("TransferProfile"), profileId=learner, expiresInHours=24)[
        "transferProfile"
    ]
    assert transfer["role"] == "OWNER"
    taken = learner_account.accept(transfer["code"])
    assert (taken["id"], taken["role"], taken["managed"]) == (learner, "OWNER", True)
    roles = {
        m["accountId"]: m["role"]
        for m in learner_account.data(operation("Members"), profileId=learner)["members"]
    }
    assert roles == {learner_account.id: "OWNER", parent.id: "GUARDIAN", guardian.id: "GUARDIAN"}
    assert parent.profiles()[learner]["role"] == "GUARDIAN"
    assert parent.data(operation("LeaveProfile"), profileId=learner)["leaveProfile"] is True
    assert reason(learner_account.errors(operation("LeaveProfile"), profileId=learner)) == (
        "FORBIDDEN",
        "OWNER_CANNOT_LEAVE",
    )
    kinds = [
        e.kind
        for e in services.people.directory.audit.entries()
        if e.details.get("profile") == services.people.directory.audit.subject(learner)
    ]
    assert "profile.transferred" in kinds
