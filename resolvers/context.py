"""The request context: built once per request, handed to every resolver as `info.context`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from strawberry.types import Info as StrawberryInfo

from resolvers.offload import offload
from tether.accounts.gate import SyncGate
from tether.auth import User
from tether.errors import Unauthenticated
from tether.request_budget import RequestBudget
from tether.services import Services
from tether.settings import Settings

if TYPE_CHECKING:  # entitlements are built (and imported) on first use (tether/services.py)
    from tether.entitlements.service import Access


@dataclass
class Context:
    services: Services
    request_id: str
    maybe_user: User | None
    # One per HTTP request, shared by its operations (a batch's too).
    budget: RequestBudget = field(default_factory=RequestBudget)
    client_ip: str | None = None  # what anonymous requests are rate-limited by
    _access: asyncio.Future[Access] | None = field(default=None, repr=False)

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

    def sync_gate(self) -> SyncGate:
        """What the user's push or pull admits them by, in its own first read (tether/accounts/gate.py)."""
        return self.services.gate.for_sync(self.user)

    async def access(self) -> Access:
        """What the signed-in user may use (their entitlements), read at most once per request."""
        if self._access is None:
            future: asyncio.Future[Access] = asyncio.get_running_loop().create_future()
            self._access = future
            try:
                future.set_result(await offload(self.services.entitlements.access, self.user.id))
            except Exception as error:
                self._access = None  # a later resolver tries again
                future.set_exception(error)
                future.exception()  # marked as retrieved: it is raised right here
                raise
            except BaseException:
                self._access = None
                future.cancel()
                raise
        return await asyncio.shield(self._access)


Info = StrawberryInfo[Context, None]
