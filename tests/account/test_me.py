"""`me`: the signed-in user from the token's claims, with the profile the server keeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tether import audit
from tether.accounts.profiles import Profiles
from tether.audit import AuditLog
from tether.services import Services
from tether.storage.instrumentation import record_calls


def first_sign_ins(log: AuditLog, user_id: str) -> list[audit.Entry]:
    subject = log.subject(user_id)
    return [e for e in log.entries() if e.subject == subject and e.kind == audit.FIRST_SIGN_IN]


def test_me_answers_from_the_token_and_the_profile(
    clocked: GraphQLClient, server_clock: Clock, user_id: str
) -> None:
    gql = clocked
    me = gql.data(operation("Me"))["me"]
    assert {key: me[key] for key in ("id", "email", "name", "isAdmin")} == {
        "id": user_id,
        "email": f"{user_id}@example.test",
        "name": user_id.capitalize(),
        "isAdmin": False,
    }
    assert datetime.fromisoformat(me["createdAt"]) == server_clock()  # the first request
    assert me["lastSeenAt"] == me["createdAt"]
    # Preferences nobody saved yet: every field unset, version 0.
    assert me["preferences"] == {
        "id": "me",
        "version": 0,
        "updatedAt": me["createdAt"],
        "deleted": False,
        "language": None,
        "contentLanguage": None,
        "timeZone": None,
        "notifications": None,
        "dailyGoalMinutes": None,
        "custom": [],
    }
    again = gql.data(operation("Me"))["me"]
    assert again["createdAt"] == me["createdAt"]


def test_admins_are_members_of_the_admin_group(client: Any, make_token: Callable[..., str]) -> None:
    editor = GraphQLClient(client, make_token("editor", groups=["admin", "staff"]))
    assert editor.data(operation("Me"))["me"]["isAdmin"] is True


def test_me_refuses_anonymous_callers(anonymous: GraphQLClient) -> None:
    body = anonymous(operation("Me"))
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_last_seen_is_written_at_most_once_per_interval(settings: Any, user_id: str) -> None:
    log = Services.build(settings).audit
    clock = Clock(datetime.now(UTC))
    profiles = Profiles(log, timedelta(minutes=5), clock)
    first = profiles.seen(user_id)
    clock.advance(minutes=4)
    with record_calls() as calls:
        soon = profiles.seen(user_id)
    assert calls.operations == ["BatchGetItem"]  # one read, no write
    assert soon.last_seen_at == first.last_seen_at
    clock.advance(minutes=2)
    with record_calls() as calls:
        later = profiles.seen(user_id)
    assert calls.operations == ["BatchGetItem", "UpdateItem"]
    assert later.last_seen_at == clock.now
    assert later.created_at == first.created_at
    stored = profiles.seen(user_id)
    assert abs(stored.last_seen_at - clock.now) < timedelta(milliseconds=1)


def test_a_returning_users_me_costs_one_round_trip(gql: GraphQLClient) -> None:
    gql.data(operation("Me"))
    with record_calls() as calls:
        gql.data(operation("Me"))
    assert calls.round_trips == 1


def test_the_first_sign_in_is_audited_exactly_once_under_concurrent_first_requests(
    settings: Any, user_id: str
) -> None:
    services = Services.build(settings)
    profiles = [Profiles(services.audit, timedelta(minutes=5), lambda: datetime.now(UTC)) for _ in range(6)]
    start = threading.Barrier(len(profiles))
    seen: list[datetime] = []

    def first_request(profile_store: Profiles) -> None:
        start.wait()
        seen.append(profile_store.seen(user_id).created_at)

    threads = [threading.Thread(target=first_request, args=(p,)) for p in profiles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == len(profiles)
    assert len({moment.replace(microsecond=moment.microsecond // 1000 * 1000) for moment in seen}) == 1
    assert len(first_sign_ins(services.audit, user_id)) == 1
    profiles[0].seen(user_id)  # a later visit is not a first sign-in
    assert len(first_sign_ins(services.audit, user_id)) == 1
