"""The request context: built once per request, handed to every resolver as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field

from strawberry.types import Info as StrawberryInfo

from tether.auth import User
from tether.errors import Unauthenticated
from tether.request_budget import RequestBudget
from tether.services import Services
from tether.settings import Settings


@dataclass
class Context:
    services: Services
    request_id: str
    maybe_user: User | None
    # One per HTTP request, shared by its operations (a batch's too).
    budget: RequestBudget = field(default_factory=RequestBudget)
    client_ip: str | None = None  # what anonymous requests are rate-limited by

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
