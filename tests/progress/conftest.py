"""Players that report listening progress offline and sync through the real GraphQL operations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ulid import ULID

from tests.conftest import GraphQLClient
from tests.sync.conftest import Device

RECORD_LISTS = ("pieces", "sessions", "progress", "bookmarks")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Player(Device):
    """A device with a media player: it queues progress reports and keeps every synced record."""

    follows = RECORD_LISTS

    def report(self, changed_at: str, track: str, position: float, delta: float, **extra: Any) -> int:
        """Queue a recordProgress (extra: durationSeconds, completed)."""
        return self.change(
            changed_at,
            recordProgress={
                "trackId": track,
                "positionSeconds": position,
                "listenedSecondsDelta": delta,
                **extra,
            },
        )

    def reset(self, changed_at: str, track: str) -> int:
        return self.change(changed_at, resetProgress={"trackId": track})


@pytest.fixture
def player(gql: GraphQLClient) -> Callable[[str], Player]:
    def make(client_id: str) -> Player:
        return Player(gql, client_id)

    return make


@pytest.fixture
def new_user(client: Any, make_token: Callable[..., str]) -> Callable[[], GraphQLClient]:
    """A GraphQL client for another fresh user (e.g. one per sync order)."""

    def make() -> GraphQLClient:
        return GraphQLClient(client, make_token(f"user-{ULID()}"))

    return make


def statuses(payload: dict[str, Any]) -> list[str]:
    return [result["status"] for result in payload["results"]]


def codes(payload: dict[str, Any]) -> list[str | None]:
    return [result["code"] for result in payload["results"]]


def recent(minutes: float) -> datetime:
    """A time `minutes` before now, on a whole second (reports must not be in the future)."""
    return (datetime.now(UTC) - timedelta(minutes=minutes)).replace(microsecond=0)
