"""Two accounts on one shared profile behave as two devices of one user: the same merge, the same
gap-free feed under concurrency, and a revocation never splits a push."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.faults import before_write
from tests.people.conftest import Person, device_of, quick_profile, reason
from tests.sync.conftest import at, new_id
from tests.sync.test_merge import KINDS, final_state, offline_edits
from tether.errors import Conflict
from tether.people.roles import Role
from tether.pieces import PIECES
from tether.services import Services
from tether.sessions import SESSIONS
from tether.sync.engine import Mutation


def shared_learner(services: Services, owner: Person, *members: tuple[Person, Role]) -> str:
    return quick_profile(owner.id, *((member.id, role) for member, role in members))


@pytest.mark.parametrize("name", ["pieces", "sessions"])
def test_three_accounts_editing_offline_converge_in_every_sync_order(
    person: Callable[[str], Person], services: Services, name: str
) -> None:
    """tests/sync/test_merge.py's convergence test, with the three devices in three accounts (the
    owner, a guardian and a teacher) on one profile, all with the same clientId."""
    parent, guardian, teacher = person("parent"), person("guardian"), person("teacher")
    kind = KINDS[name]
    queues = offline_edits(random.Random(f"20261201-{name}"), kind)
    finals = []
    for order in itertools.permutations(range(3)):
        learner = shared_learner(services, parent, (guardian, Role.GUARDIAN), (teacher, Role.TEACHER))
        record_id = new_id()
        creator = device_of(parent, "creator", learner)
        creator.change(at(0), **{kind.change: {**kind.initial, "id": record_id}})
        assert creator.push()["results"][0]["status"] == "APPLIED"
        devices = [device_of(account, "tablet", learner) for account in (parent, guardian, teacher)]
        for device, queue in zip(devices, queues, strict=True):
            for second, fields in queue:
                device.change(at(second), **{kind.change: {**fields, "id": record_id}})
        for index in order:
            assert all(r["status"] != "REJECTED" for r in devices[index].push()["results"])
        seen = [final_state(device_of(a, "reader", learner).sync_all()[record_id]) for a in (parent, teacher)]
        assert seen[0] == seen[1]
        finals.append(seen[0])
    assert all(final == finals[0] for final in finals), (name, finals)


def test_two_accounts_pushing_at_once_while_a_teacher_pulls_miss_nothing(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, guardian, teacher = person("parent"), person("guardian"), person("teacher")
    learner = shared_learner(services, parent, (guardian, Role.GUARDIAN), (teacher, Role.TEACHER))
    engine = services.sync
    pieces = [new_id() for _ in range(4)]
    now = datetime.now(UTC) - timedelta(minutes=1)
    engine.push(
        parent.id,
        "setup",
        [Mutation(i + 1, now, PIECES, "save", {"id": p, "title": "t"}) for i, p in enumerate(pieces)],
        profile_id=learner,
    )
    results: list[Any] = []
    errors: list[BaseException] = []
    done = threading.Event()
    observed: list[tuple[str, int]] = []

    def write(account: str, seed: int) -> None:
        rng = random.Random(seed)
        for push in range(6):
            batch = []
            for index in range(4):
                mutation_id = push * 4 + index + 1
                if rng.random() < 0.7:
                    payload: dict[str, Any] = {"id": rng.choice(pieces), "notes": f"{account} {mutation_id}"}
                    batch.append(Mutation(mutation_id, datetime.now(UTC), PIECES, "save", payload))
                else:
                    payload = {
                        "id": new_id(),
                        "started_at": datetime.now(UTC),
                        "piece_id": rng.choice(pieces),
                    }
                    batch.append(Mutation(mutation_id, datetime.now(UTC), SESSIONS, "save", payload))
            while True:
                try:
                    result = engine.push(account, "phone", batch, profile_id=learner)
                    break
                except Conflict:
                    continue
            results.extend(result.results)

    def read() -> None:
        try:
            cursor = None
            while True:
                finished = done.is_set()
                while True:
                    page = engine.pull(teacher.id, "laptop", cursor, limit=5, profile_id=learner)
                    cursor = page.cursor
                    observed.extend((r.id, r.version) for r in page.records)
                    if not page.has_more:
                        break
                if finished:
                    return
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [
        threading.Thread(target=write, args=(account.id, n)) for n, account in enumerate((parent, guardian))
    ]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert not errors, errors
    assert len(results) == 2 * 6 * 4
    assert {r.status for r in results} <= {"APPLIED", "MERGED"}
    assert len(observed) == len(set(observed))
    last: dict[str, int] = {}
    for record_id, version in observed:
        assert version > last.get(record_id, 0)
        last[record_id] = version
    final: dict[str, int] = {}
    cursor = None
    while True:
        page = engine.pull(parent.id, "fresh", cursor, limit=1000, profile_id=learner)
        final.update({r.id: r.version for r in page.records})
        cursor = page.cursor
        if not page.has_more:
            break
    assert last == final


def test_a_revocation_during_a_push_refuses_all_of_it(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = shared_learner(services, parent, (teacher, Role.TEACHER))
    laptop = device_of(teacher, "laptop", learner)
    for index in range(5):
        laptop.save_piece(at(index), id=new_id(), title=f"assigned {index}")

    def revoke() -> None:
        services.people.directory.revoke(parent.id, learner, teacher.id)

    with before_write("TransactWriteItems", revoke) as injection:
        body = laptop.push_raw()
    assert injection.fired == 1
    assert reason(body["errors"]) == ("FORBIDDEN", "ACCESS_REVOKED")
    assert device_of(parent, "tablet", learner).sync_all() == {}  # not one of the five


def test_a_push_committed_before_the_revocation_is_whole(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = shared_learner(services, parent, (teacher, Role.TEACHER))
    laptop = device_of(teacher, "laptop", learner)
    ids = [new_id() for _ in range(5)]
    for index, piece in enumerate(ids):
        laptop.save_piece(at(index), id=piece, title=f"assigned {index}")
    assert laptop.push()["lastMutationId"] == 5
    services.people.directory.revoke(parent.id, learner, teacher.id)
    assert set(device_of(parent, "tablet", learner).sync_all()) == set(ids)


def test_a_push_to_a_shared_profile_never_spans_two_transactions(
    person: Callable[[str], Person], services: Services
) -> None:
    parent, teacher = person("parent"), person("teacher")
    learner = shared_learner(services, parent, (teacher, Role.TEACHER))
    laptop = device_of(teacher, "laptop", learner)
    for index in range(100):
        laptop.save_piece(at(index), id=new_id(), title=f"piece {index}")
    errors = laptop.push_raw()["errors"]
    assert reason(errors) == ("BAD_USER_INPUT", "PUSH_TOO_LARGE")
    assert device_of(parent, "tablet", learner).sync_all() == {}  # nothing of it
    first, rest = laptop.queue[:50], laptop.queue[50:]
    laptop.push_raw(first)
    laptop.queue = rest
    laptop.push()
    assert len(device_of(parent, "tablet", learner).sync_all()) == 100
