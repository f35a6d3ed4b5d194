"""The class overview: 30 learners in at most 3 DynamoDB round trips, with what each may see."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Clock
from tests.operations import operation
from tests.people.conftest import Person, quick_profile
from tests.sync.conftest import new_id
from tether.people.roles import Role
from tether.services import Services
from tether.sessions import SESSIONS
from tether.storage.instrumentation import record_calls
from tether.sync.engine import Mutation


def test_a_class_of_30_learners_costs_at_most_3_round_trips(
    person: Callable[[str], Person], services: Services, people_clock: Clock
) -> None:
    school, teacher = person("school"), person("teacher")
    learners = sorted(
        quick_profile(school.id, (teacher.id, Role.TEACHER), name=f"Learner {n}") for n in range(30)
    )
    practised = learners[:5]
    start = people_clock.now.replace(minute=1)
    for minutes, learner in enumerate(practised, start=1):
        session = {"id": new_id(), "started_at": start, "duration_seconds": minutes * 60}
        services.sync.push(learner, "tablet", [Mutation(1, people_clock.now, SESSIONS, "save", session)])
    # The teacher's first request reads its account's sign-ins (the gate: one cached read per
    # container, tests/account/test_signout.py counts it); the overview's own cost comes after.
    teacher.data(operation("Me"))
    with record_calls() as calls:
        page = teacher.data(operation("ProfilesOverview"), timeZone="UTC", first=30)["profilesOverview"]
    assert calls.round_trips <= 3
    assert calls.operations == ["Query", "BatchGetItem", "TransactWriteItems"]
    rows = {row["profile"]["id"]: row for row in page["nodes"]}
    assert set(rows) == set(learners)
    assert page["hasNextPage"] is False
    for minutes, learner in enumerate(practised, start=1):
        assert rows[learner]["practicedMinutes"] == minutes
        assert rows[learner]["currentStreakDays"] == 1
        assert rows[learner]["lastActivityAt"] is not None
    idle = rows[learners[-1]]
    assert (idle["practicedMinutes"], idle["currentStreakDays"], idle["lastActivityAt"]) == (0, 0, None)
    # Each read is in the learner's access log, for its OWNER to see.
    log = school.data(operation("AccessLog"), profileId=learners[0])["accessLog"]["nodes"]
    assert [(e["accountId"], e["operation"], e["collections"]) for e in log] == [
        (teacher.id, "profilesOverview", ["statistics"])
    ]


def test_the_overview_shows_only_profiles_whose_statistics_the_caller_may_read(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, teacher = person("parent"), person("teacher")
    shown, narrowed, revoked = (parent.create_profile(name) for name in ("A", "B", "C"))
    for learner in (shown, narrowed, revoked):
        teacher.accept(parent.invite(learner, "TEACHER"))
    parent.data(
        operation("SetPermissions"),
        input={"profileId": narrowed, "accountId": teacher.id, "read": ["PIECES"], "write": []},
    )
    parent.data(operation("RevokeAccess"), profileId=revoked, accountId=teacher.id)
    page = teacher.gql.data(operation("ProfilesOverview"), {"timeZone": "Pacific/Honolulu"})[
        "profilesOverview"
    ]
    assert [row["profile"]["id"] for row in page["nodes"]] == [shown]
    mine = parent.data(operation("ProfilesOverview"), timeZone="UTC")["profilesOverview"]["nodes"]
    assert {row["profile"]["id"] for row in mine} == {shown, narrowed, revoked}
    assert (
        parent.data(operation("AccessLog"), profileId=shown)["accessLog"]["nodes"][0]["operation"]
        == "profilesOverview"
    )
