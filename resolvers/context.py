"""The request context: built once per request, handed to every resolver as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from tether.auth import User
from tether.errors import BadUserInput, Unauthenticated
from tether.services import Services
from tether.settings import Settings


@dataclass
class SyncBudget:
    """At most one waiting `syncPull` and one `syncPush` per HTTP request; a batch shares one budget."""

    pushes: int = 0
    waiting_pulls: int = 0

    def claim_push(self) -> None:
        if self.pushes:
            raise BadUserInput(
                "Send at most one syncPush per request (a batch counts as one request)",
                reason="ONE_SYNC_PUSH_PER_REQUEST",
            )
        self.pushes += 1

    def claim_pull(self, wait_seconds: int) -> None:
        if wait_seconds <= 0:
            return
        if self.waiting_pulls:
            raise BadUserInput(
                "Send at most one waiting syncPull (waitSeconds > 0) per request (a batch counts as one request)",
                reason="ONE_WAITING_PULL_PER_REQUEST",
            )
        self.waiting_pulls += 1


@dataclass
class Context:
    services: Services
    request_id: str
    maybe_user: User | None
    budget: SyncBudget = field(default_factory=SyncBudget)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def user(self) -> User:
        """The signed-in user; reading it from an anonymous request is UNAUTHENTICATED."""
        if self.maybe_user is None:
            raise Unauthenticated(
                "Sign in first: send `Authorization: Bearer <token>`", reason="MISSING_TOKEN"
            )
        return self.maybe_user


Info = StrawberryInfo[Context, None]
