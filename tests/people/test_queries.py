"""Plain queries with `profileId`: the same permission rules as sync, logged for non-owners."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Clock
from tests.operations import operation
from tests.people.conftest import Person, reason
from tests.sync.conftest import new_id
from tether.pieces import PIECES
from tether.services import Services
from tether.sessions import SESSIONS
from tether.sync.engine import Mutation

CHAT_THREADS = operation("ChatThreads")


def seed(services: Services, profile_id: str, clock: Clock) -> tuple[str, str]:
    """A piece and a practice session in the profile (as the learner's own tablet pushed them)."""
    piece, session = new_id(), new_id()
    services.sync.push(
        profile_id,
        "learner-tablet",
        [
            Mutation(1, clock.now, PIECES, "save", {"id": piece, "title": "Kawika"}),
            Mutation(
                2,
                clock.now,
                SESSIONS,
                "save",
                {
                    "id": session,
                    "piece_id": piece,
                    "started_at": clock.now.replace(minute=1),
                    "duration_seconds": 900,
                },
            ),
        ],
    )
    return piece, session


def test_a_teacher_reads_the_learners_pieces_and_sessions_and_it_is_logged(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    piece, session = seed(services, learner, people_clock)
    teacher.accept(parent.invite(learner, "TEACHER"))
    pieces = teacher.gql.data(operation("Pieces"), {"profileId": learner})["pieces"]["nodes"]
    assert [p["id"] for p in pieces] == [piece]
    assert (
        teacher.gql.data(operation("Piece"), {"id": piece, "profileId": learner})["piece"]["title"]
        == "Kawika"
    )
    sessions = teacher.gql.data(operation("Sessions"), {"profileId": learner})["sessions"]["nodes"]
    assert [s["id"] for s in sessions] == [session]
    assert teacher.gql.data(operation("Pieces"), {})["pieces"]["nodes"] == []  # the teacher's own profile
    # The parent's own reads of its managed profile are the OWNER's: not logged.
    parent.gql.data(operation("Pieces"), {"profileId": learner})
    log = parent.data(operation("AccessLog"), profileId=learner)["accessLog"]["nodes"]
    assert [(e["accountId"], e["operation"], e["collections"]) for e in log] == [
        (teacher.id, "sessions", ["sessions"]),
        (teacher.id, "piece", ["pieces"]),
        (teacher.id, "pieces", ["pieces"]),
    ]
    assert reason(teacher.errors(operation("AccessLog"), profileId=learner)) == ("FORBIDDEN", "NOT_PERMITTED")


def test_every_profile_query_refuses_what_the_role_may_not_read(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher, caregiver, stranger = (
        person("parent"),
        person("teacher"),
        person("caregiver"),
        person("stranger"),
    )
    learner = parent.create_profile("Keala")
    piece, _ = seed(services, learner, people_clock)
    teacher.accept(parent.invite(learner, "TEACHER"))
    caregiver.accept(parent.invite(learner, "CAREGIVER"))
    day = people_clock.now.date().isoformat()
    stats = {"range": {"from": day, "to": day}, "timeZone": "UTC", "profileId": learner}
    # Chat is private to OWNER and GUARDIAN.
    assert reason(teacher.gql(CHAT_THREADS, {"profileId": learner})["errors"]) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    assert parent.gql.data(CHAT_THREADS, {"profileId": learner})["chatThreads"]["nodes"] == []
    # A caregiver reads progress, sessions and statistics, not pieces or bookmarks.
    assert reason(caregiver.gql(operation("Pieces"), {"profileId": learner})["errors"]) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    assert reason(caregiver.gql(operation("Piece"), {"id": piece, "profileId": learner})["errors"]) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    found = caregiver.gql.data(operation("ProgressStats"), stats)["progressStats"]
    assert found["practiceMinutes"] == 15
    caregiver.gql.data(operation("ProgressList"), {"profileId": learner})
    # Someone with no membership learns nothing, whether or not the profile exists.
    for query, variables in (
        (operation("Pieces"), {}),
        (operation("Piece"), {"id": piece}),
        (operation("ProgressStats"), stats),
        (CHAT_THREADS, {}),
    ):
        answers = []
        for profile in (learner, new_id(), parent.id):
            body = stranger.gql(query, {**variables, "profileId": profile})
            assert reason(body["errors"]) == ("FORBIDDEN", "PROFILE_UNREACHABLE"), (query, profile)
            answers.append((body["data"], body["errors"][0]["message"], body["errors"][0]["extensions"]))
        assert answers[0] == answers[1] == answers[2]  # the same answer, existing or not
    # A narrowed grant narrows the queries at once.
    parent.data(
        operation("SetPermissions"),
        input={"profileId": learner, "accountId": teacher.id, "read": ["PIECES"], "write": ["PIECES"]},
    )
    assert reason(teacher.gql(operation("Sessions"), {"profileId": learner})["errors"]) == (
        "FORBIDDEN",
        "NOT_PERMITTED",
    )
    teacher.gql.data(operation("Pieces"), {"profileId": learner})
    people_clock.advance(minutes=1)
    parent.data(operation("RevokeAccess"), profileId=learner, accountId=teacher.id)
    body = teacher.gql(operation("Pieces"), {"profileId": learner})
    assert reason(body["errors"]) == ("FORBIDDEN", "ACCESS_REVOKED")


def test_a_lookup_by_id_only_looks_inside_the_checked_profile(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = parent.create_profile("Keala")
    piece, session = seed(services, learner, people_clock)
    teacher.accept(parent.invite(learner, "TEACHER"))
    # Knowing a record's id is not enough: without the profile it is looked up in one's own.
    assert teacher.gql.data(operation("Piece"), {"id": piece})["piece"] is None
    assert teacher.gql.data(operation("Session"), {"id": session})["session"] is None
    assert (
        teacher.gql.data(operation("Session"), {"id": session, "profileId": learner})["session"]["id"]
        == session
    )
    # A page cursor of one profile cannot open another's.
    first = teacher.gql.data(operation("Pieces"), {"profileId": learner, "first": 1})["pieces"]
    stranger = person("stranger")
    body = stranger.gql(operation("Pieces"), {"profileId": learner, "after": first["pageInfo"]["endCursor"]})
    assert reason(body["errors"]) == ("FORBIDDEN", "PROFILE_UNREACHABLE")
