"""Devices that queue changes offline and sync through the real GraphQL operations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ulid import ULID

from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tether.collections import COLLECTIONS
from tether.sync.engine import SyncEngine

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def new_id() -> str:
    return str(ULID())


def at(seconds: float) -> str:
    """An ISO time `seconds` after T0 (a fixed morning in the past)."""
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


class Device:
    """One app installation: a queue of offline changes, a mutation counter and a pull cursor."""

    follows: tuple[str, ...] = ("pieces", "sessions")  # the SyncPullPayload lists it keeps

    def __init__(self, gql: GraphQLClient, client_id: str) -> None:
        self.gql = gql
        self.client_id = client_id
        self.next_mutation_id = 1
        self.queue: list[dict[str, Any]] = []
        self.cursor: str | None = None
        self.local: dict[str, dict[str, Any]] = {}

    def change(self, changed_at: str, **change: Any) -> int:
        """Queue one change (e.g. savePiece={...}); returns its mutation id."""
        mutation_id = self.next_mutation_id
        self.next_mutation_id += 1
        self.queue.append({"mutationId": mutation_id, "changedAt": changed_at, "change": change})
        return mutation_id

    def save_piece(self, changed_at: str, **fields: Any) -> int:
        return self.change(changed_at, savePiece=fields)

    def save_session(self, changed_at: str, **fields: Any) -> int:
        return self.change(changed_at, saveSession=fields)

    def push_raw(self, mutations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        body = self.gql(
            operation("SyncPush"),
            {
                "input": {
                    "clientId": self.client_id,
                    "mutations": self.queue if mutations is None else mutations,
                }
            },
        )
        return body

    def push(self) -> dict[str, Any]:
        """Send the queue; drop what the server has processed (as a real client does)."""
        body = self.push_raw()
        assert "errors" not in body, body["errors"]
        payload: dict[str, Any] = body["data"]["syncPush"]
        self.queue = [m for m in self.queue if m["mutationId"] > payload["lastMutationId"]]
        return payload

    def pull(self, **extra: Any) -> dict[str, Any]:
        """One pull: applies the records (forgetting everything first on a reset), keeps the cursor."""
        body = self.gql(
            operation("SyncPull"), {"input": {"clientId": self.client_id, "cursor": self.cursor, **extra}}
        )
        assert "errors" not in body, body["errors"]
        payload: dict[str, Any] = body["data"]["syncPull"]
        if payload["resetRequired"]:
            self.forget()
        self.receive(payload)
        self.cursor = payload["cursor"]
        return payload

    def forget(self) -> None:
        self.local.clear()

    def receive(self, payload: dict[str, Any]) -> None:
        """Keep every record of the collections this device follows, tombstones included."""
        for name in self.follows:
            for record in payload[name]:
                self.local[record["id"]] = record

    def sync_all(self, **extra: Any) -> dict[str, dict[str, Any]]:
        """Pull until nothing more is waiting; the device's copy of every record."""
        while self.pull(**extra)["hasMore"]:
            pass
        return self.local


@pytest.fixture
def device(gql: GraphQLClient) -> Callable[[str], Device]:
    def make(client_id: str) -> Device:
        return Device(gql, client_id)

    return make


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def engine(settings: Any, clock: Clock) -> SyncEngine:
    """The engine on its own, with a clock the test controls and no real sleeping."""
    return SyncEngine(
        collections=COLLECTIONS,
        cursor_key=b"test-cursor-key",
        tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        clock=clock,
        sleep=lambda seconds: None,
    )


class Sleep:
    """The engine's sleep for a `Clock`: sleeping moves the clock at once (no real time passes).

    `meanwhile(seconds, action)` runs `action` (another device's write, say) inside the sleep that
    takes the clock `seconds` past the moment it was scheduled: what happens while a pull waits.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.slept: list[float] = []
        self._due: list[tuple[datetime, Callable[[], object]]] = []

    def meanwhile(self, seconds: float, action: Callable[[], object]) -> None:
        self._due.append((self.clock.now + timedelta(seconds=seconds), action))

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)
        due = [action for at, action in self._due if at <= self.clock.now]
        self._due = [(at, action) for at, action in self._due if at > self.clock.now]
        for action in due:
            action()
