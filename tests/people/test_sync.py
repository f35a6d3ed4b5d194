"""Sync per profile: the parent, the learner's profile and the teacher, through the real operations."""

from __future__ import annotations

from collections.abc import Callable

from tests.operations import operation
from tests.people.conftest import Person, device_of, reason
from tests.sync.conftest import at, new_id
from tether.storage.accounts import devices
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key


def test_parent_learner_and_teacher_end_to_end(person: Callable[[str], Person]) -> None:
    """The issue's Done-when scenario, step by step."""
    parent, teacher = person("parent"), person("teacher")
    # A parent creates a learner profile; the parent's tablet records the learner's practice.
    learner = parent.create_profile("Keala")
    tablet = device_of(parent, "parent-tablet", learner)
    piece, session, thread = new_id(), new_id(), new_id()
    tablet.save_piece(at(0), id=piece, title="Kawika")
    tablet.save_session(at(1), id=session, pieceId=piece, startedAt=at(1), durationSeconds=600)
    tablet.change(
        at(2), recordProgress={"trackId": "mele-01", "positionSeconds": 30, "listenedSecondsDelta": 30}
    )
    tablet.change(at(3), saveChatThread={"id": thread, "title": "Practice talk"})
    tablet.change(at(4), savePreferences={"dailyGoalMinutes": 15})
    assert {r["status"] for r in tablet.push()["results"]} == {"APPLIED"}
    # The learner's data is the learner's: the parent's own profile has none of it.
    own = device_of(parent, "parent-tablet")
    assert own.sync_all() == {}
    # A teacher accepts an invite; the teacher's first pull backfills progress and sessions.
    teacher.accept(parent.invite(learner, "TEACHER"))
    laptop = device_of(teacher, "teacher-laptop", learner)
    laptop.sync_all()
    assert laptop.lists()["progress"] == {"mele-01"}
    assert laptop.lists()["sessions"] == {session}
    assert laptop.lists()["pieces"] == {piece}
    assert laptop.kinds() == {"pieces", "sessions", "progress"}  # no chat, no preferences
    # The teacher assigns a piece; it arrives on the parent's device.
    assigned = new_id()
    laptop.save_piece(at(10), id=assigned, title="Aloha Oe", notes="Practise the first verse")
    assert [r["status"] for r in laptop.push()["results"]] == ["APPLIED"]
    tablet.sync_all()
    assert tablet.local[assigned]["title"] == "Aloha Oe"
    # The teacher's chat access is refused: a chat change is REJECTED (and blocks nothing), the
    # chat queries are FORBIDDEN.
    laptop.change(at(11), saveChatThread={"id": thread, "title": "hijacked"})
    laptop.save_session(at(12), id=new_id(), pieceId=assigned, startedAt=at(12), durationSeconds=60)
    results = laptop.push()["results"]
    assert [(r["status"], r["code"], r["record"]) for r in results[:1]] == [
        ("REJECTED", "NOT_PERMITTED", None)
    ]
    assert results[1]["status"] == "APPLIED"
    assert laptop.queue == []  # the rejection consumed its id
    body = teacher.gql(operation("ChatThreads"), {"profileId": learner})
    assert reason(body["errors"]) == ("FORBIDDEN", "NOT_PERMITTED")
    tablet.sync_all()
    assert tablet.local[thread]["title"] == "Practice talk"
    # The parent revokes the teacher; the teacher's next pull (and push) is ACCESS_REVOKED.
    parent.data(operation("RevokeAccess"), profileId=learner, accountId=teacher.id)
    assert reason(laptop.pull_raw()["errors"]) == ("FORBIDDEN", "ACCESS_REVOKED")
    laptop.save_piece(at(20), id=new_id(), title="after the revoke")
    assert reason(laptop.push_raw()["errors"]) == ("FORBIDDEN", "ACCESS_REVOKED")
    # Everything the teacher did is in the learner's access log, for the parent.
    log = parent.data(operation("AccessLog"), profileId=learner)["accessLog"]["nodes"]
    # (Refused requests read nothing, so they are not in it.)
    assert [(e["accountId"], e["operation"]) for e in reversed(log)] == [
        (teacher.id, "syncPull"),
        (teacher.id, "syncPush"),
        (teacher.id, "syncPush"),
    ]
    pushes = [e for e in log if e["operation"] == "syncPush"]
    assert {tuple(e["collections"]) for e in pushes} == {("pieces",), ("sessions",)}


def test_a_caregiver_reads_but_writes_nothing(person: Callable[[str], Person]) -> None:
    owner, caregiver = person("owner"), person("caregiver")
    phone = device_of(owner, "phone")  # the owner's own profile: no profileId at all
    session = new_id()
    phone.save_session(at(0), id=session, startedAt=at(0), durationSeconds=300)
    phone.save_piece(at(1), id=new_id(), title="private repertoire")
    phone.push()
    caregiver.accept(owner.invite(owner.id, "CAREGIVER"))
    watcher = device_of(caregiver, "watcher", owner.id)
    watcher.sync_all()
    assert watcher.kinds() == {"sessions"}
    watcher.save_session(at(5), id=session, rating=1)
    watcher.save_piece(at(6), id=new_id(), title="not mine to add")
    payload = watcher.push()
    assert [(r["status"], r["code"]) for r in payload["results"]] == [("REJECTED", "NOT_PERMITTED")] * 2
    assert payload["results"][0]["record"]["id"] == session  # what it may read, it is shown
    assert payload["results"][1]["record"] is None
    phone.sync_all()
    assert phone.local[session].get("rating") is None


def test_cursors_are_bound_to_profile_and_account(person: Callable[[str], Person]) -> None:
    parent, teacher, other = person("parent"), person("teacher"), person("other")
    learner = parent.create_profile("Keala")
    tablet = device_of(parent, "tablet", learner)
    tablet.save_piece(at(0), id=new_id(), title="a")
    tablet.push()
    teacher.accept(parent.invite(learner, "TEACHER"))
    other.accept(parent.invite(learner, "TEACHER"))
    laptop = device_of(teacher, "laptop", learner)
    laptop.sync_all()
    # The teacher's cursor, sent by another member of the same profile: refused.
    stolen = device_of(other, "laptop", learner)
    stolen.cursor = laptop.cursor
    assert reason(stolen.pull_raw()["errors"]) == ("BAD_USER_INPUT", None)
    # The teacher's cursor for the learner, sent for the teacher's own profile: refused.
    own = device_of(teacher, "laptop")
    own.cursor = laptop.cursor
    assert reason(own.pull_raw()["errors"]) == ("BAD_USER_INPUT", None)
    # The parent's cursor for its own profile, sent for the learner's: refused.
    mine = device_of(parent, "tablet")
    mine.sync_all()
    tablet.cursor = mine.cursor
    assert reason(tablet.pull_raw()["errors"]) == ("BAD_USER_INPUT", None)


def test_exactly_once_per_profile_and_client(person: Callable[[str], Person]) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    # The same clientId on two profiles and for two accounts: four separate positions.
    mine, theirs = device_of(teacher, "shared-id", learner), device_of(parent, "shared-id", learner)
    piece = new_id()
    mine.save_piece(at(0), id=piece, title="from the teacher")
    batch = list(mine.queue)
    assert mine.push()["lastMutationId"] == 1
    assert theirs.push()["lastMutationId"] == 0  # another account's device keeps its own position
    theirs.save_piece(at(1), id=new_id(), title="from the parent")
    assert [r["status"] for r in theirs.push()["results"]] == ["APPLIED"]
    again = mine.push_raw(batch)["data"]["syncPush"]
    assert [r["status"] for r in again["results"]] == ["DUPLICATE"]
    own = device_of(teacher, "shared-id")
    assert own.push()["lastMutationId"] == 0


def test_a_narrowed_grant_resets_the_members_devices(person: Callable[[str], Person]) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    tablet = device_of(parent, "tablet", learner)
    tablet.save_piece(at(0), id=new_id(), title="a")
    tablet.save_session(at(1), id=new_id(), startedAt=at(1), durationSeconds=60)
    tablet.push()
    teacher.accept(parent.invite(learner, "TEACHER"))
    laptop = device_of(teacher, "laptop", learner)
    laptop.sync_all()
    assert laptop.kinds() == {"pieces", "sessions"}
    parent.data(
        operation("SetPermissions"),
        input={"profileId": learner, "accountId": teacher.id, "read": ["PIECES"], "write": ["PIECES"]},
    )
    first = laptop.pull()
    assert first["resetRequired"] is True
    laptop.sync_all()
    assert laptop.kinds() == {"pieces"}  # the sessions are gone from the device


def test_an_idle_pull_of_a_shared_profile_is_one_round_trip(person: Callable[[str], Person]) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    tablet = device_of(parent, "tablet", learner)
    tablet.save_piece(at(0), id=new_id(), title="a")
    tablet.push()
    teacher.accept(parent.invite(learner, "TEACHER"))
    laptop = device_of(teacher, "laptop", learner)
    laptop.sync_all()
    laptop.pull()
    with record_calls() as calls:
        idle = laptop.pull()
    assert idle["pieces"] == []
    assert calls.operations == ["BatchGetItem"]
    keys = set(calls.keys_read())
    assert (f"USER#{learner}", f"MEMBER#{teacher.id}") in keys  # the membership, in that same request
    with record_calls() as pushing:
        laptop.save_piece(at(5), id=new_id(), title="b")
        laptop.push()
    assert pushing.operations == ["BatchGetItem", "TransactWriteItems", "PutItem"]  # + the access log


def test_a_device_signed_out_of_the_account_is_refused_for_every_profile(
    person: Callable[[str], Person],
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    device_of(teacher, "laptop").pull()  # the laptop is one of the teacher's devices
    laptop = device_of(teacher, "laptop", learner)
    laptop.pull()
    teacher.gql.data(operation("RevokeDevice"), {"clientId": "laptop"})
    assert reason(laptop.pull_raw()["errors"]) == ("FORBIDDEN", "DEVICE_REVOKED")
    laptop.save_piece(at(0), id=new_id(), title="from a lost laptop")
    assert reason(laptop.push_raw()["errors"]) == ("FORBIDDEN", "DEVICE_REVOKED")
    assert device_of(parent, "tablet", learner).sync_all() == {}
    # The learner's devices list shows the learner's own devices only.
    assert parent.gql.data(operation("Devices"))["devices"] == []


def test_a_device_that_only_syncs_a_shared_profile_can_be_signed_out(
    person: Callable[[str], Person],
) -> None:
    """A teacher's classroom tablet that never opened the teacher's own profile is still theirs to
    revoke: it is found in the profiles the account reaches, listed as revoked, and refused."""
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    teacher.accept(parent.invite(learner, "TEACHER"))
    tablet = device_of(teacher, "classroom-tablet", learner)
    tablet.pull()
    revoked = teacher.gql.data(operation("RevokeDevice"), {"clientId": "classroom-tablet"})["revokeDevice"]
    assert (revoked["clientId"], revoked["revoked"]) == ("classroom-tablet", True)
    assert reason(tablet.pull_raw()["errors"]) == ("FORBIDDEN", "DEVICE_REVOKED")
    tablet.save_piece(at(0), id=new_id(), title="from a lost tablet")
    assert reason(tablet.push_raw()["errors"]) == ("FORBIDDEN", "DEVICE_REVOKED")
    assert revoked["signInBound"] is True  # so the teacher's own sign-in there is refused everywhere
    assert [(d.client_id, d.revoked) for d in devices(user_key(teacher.id))] == [("classroom-tablet", True)]
    # Another account's device of the same clientId in the same profile is not theirs to revoke.
    own_tablet = device_of(parent, "classroom-tablet", learner)
    own_tablet.pull()
    assert "errors" not in own_tablet.pull_raw()
    assert reason(parent.errors(operation("RevokeDevice"), clientId="elsewhere"))[0] == "NOT_FOUND"
    assert reason(person("stranger").errors(operation("RevokeDevice"), clientId="classroom-tablet"))[0] == (
        "NOT_FOUND"
    )
