"""People tests: several accounts on one app, a clock the test moves, the real operations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device
from tether.audit import AuditLog
from tether.people.people import People
from tether.people.roles import Role
from tether.secrets import audit_key
from tether.services import Services
from tether.settings import Settings


@pytest.fixture
def people_clock() -> Clock:
    return Clock(datetime.now(UTC).replace(minute=5, second=0, microsecond=0))


@pytest.fixture
def services(settings: Settings, people_clock: Clock) -> Services:
    built = Services.build(settings, clock=people_clock)
    # An audit chain of its own (a partition per test): the tests read it back whole.
    log = AuditLog(audit_key(settings), partition=f"AUDIT#{ULID()}")
    built.people = People(log, audit_key(settings), built.media, clock=people_clock)
    return built


@pytest.fixture
def people_client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as test_client:
        yield test_client


class Person:
    """One signed-in account: its GraphQL client and the operations an app sends."""

    def __init__(self, gql: GraphQLClient, account_id: str) -> None:
        self.gql = gql
        self.id = account_id

    def data(self, document: str, **variables: Any) -> dict[str, Any]:
        return self.gql.data(document, variables)

    def errors(self, document: str, **variables: Any) -> list[dict[str, Any]]:
        body = self.gql(document, variables)
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors

    def create_profile(self, name: str) -> str:
        return str(self.data(operation("CreateProfile"), input={"name": name})["createProfile"]["id"])

    def invite(self, profile_id: str, role: str, **extra: Any) -> str:
        invite = self.data(operation("CreateInvite"), input={"profileId": profile_id, "role": role, **extra})
        return str(invite["createInvite"]["code"])

    def accept(self, code: str) -> dict[str, Any]:
        accepted: dict[str, Any] = self.data(operation("AcceptInvite"), code=code)["acceptInvite"]
        return accepted

    def profiles(self) -> dict[str, dict[str, Any]]:
        return {p["id"]: p for p in self.data(operation("Profiles"))["profiles"]}


@pytest.fixture
def person(people_client: TestClient, make_token: Callable[..., str]) -> Callable[[str], Person]:
    def make(name: str) -> Person:
        account_id = f"{name}-{ULID()}"
        return Person(
            GraphQLClient(people_client, make_token(account_id, extra={"name": name.title()})), account_id
        )

    return make


def reason(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    extensions = errors[0]["extensions"]
    return extensions["code"], extensions.get("reason")


class ProfileDevice(Device):
    """One app installation syncing one profile: its own queue and cursor (docs/people.md)."""

    follows = ("pieces", "sessions", "progress", "bookmarks", "chatThreads", "chatMessages", "preferences")

    def __init__(self, gql: GraphQLClient, client_id: str, profile_id: str | None) -> None:
        super().__init__(gql, client_id)
        self.profile_id = profile_id

    def push_raw(self, mutations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = self.gql(
            operation("SyncPush"),
            {
                "input": {
                    "clientId": self.client_id,
                    "mutations": self.queue if mutations is None else mutations,
                    "profileId": self.profile_id,
                }
            },
        )
        return body

    def pull(self, **extra: Any) -> dict[str, Any]:
        return super().pull(profileId=self.profile_id, **extra)

    def pull_raw(self, **extra: Any) -> dict[str, Any]:
        body: dict[str, Any] = self.gql(
            operation("SyncPull"),
            {
                "input": {
                    "clientId": self.client_id,
                    "cursor": self.cursor,
                    "profileId": self.profile_id,
                    **extra,
                }
            },
        )
        return body

    def kinds(self) -> set[str]:
        """Which lists the local copy holds records of."""
        return {kind for kind, records in self.lists().items() if records}

    def lists(self) -> dict[str, set[str]]:
        return {
            name: {rid for rid, r in self.local.items() if r.get("__list") == name} for name in self.follows
        }

    def receive(self, payload: dict[str, Any]) -> None:
        for name in self.follows:
            for record in payload[name]:
                self.local[record["id"]] = {**record, "__list": name}


def device_of(person: Person, client_id: str, profile_id: str | None = None) -> ProfileDevice:
    return ProfileDevice(person.gql, client_id, profile_id)


def quick_profile(owner_id: str, *members: tuple[str, Role], name: str = "Learner") -> str:
    """A managed profile with members, written straight to the table in one transaction (no
    invites, no audit entries): for tests about what members do, not about how they joined."""
    from pynamodb.transactions import TransactWrite

    from tether.people.roles import ROLES
    from tether.storage import people as store
    from tether.storage.base import TetherModel

    profile_id = str(ULID())
    now = datetime.now(UTC)
    ops = [store.put_info(profile_id, name, owner_id, owner_id, now)]
    for account_id, role in ((owner_id, Role.OWNER), *members):
        grant = ROLES[role]
        ops += store.put_member(
            profile_id,
            account_id,
            role=role.value,
            read=[a.value for a in grant.read],
            write=[a.value for a in grant.write],
            grant=1,
            previous_grant=None,
            granted_by=owner_id,
            now=now,
            name=None,
            profile_name=name,
            managed=True,
        )
    transaction = TransactWrite(connection=TetherModel._get_connection().connection)
    for op in ops:
        op(transaction)
    transaction._commit()
    return profile_id
