"""The account gate: whether a signed-in caller may go on, by what its account refuses (revoked
sign-ins, `signOutEverywhere`) and whether the account is locked for deletion.

Both live on one item of the account's partition (`SIGNINS`: tether/storage/signins.py), one key
and one read unit:
- push and pull read them in their own first BatchGetItem (`for_sync`): no round trip of their own,
  and always fresh (strongly consistent);
- every other operation through this container's cache: one GetItem per account per
  `CACHE_SECONDS`. A push or pull refreshes it.

So a revocation reaches the container that served it at once, every push and pull at once, and
every other operation in every other warm container within `CACHE_SECONDS` (docs/security.md).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from tether.auth import User
from tether.errors import Forbidden, Unauthenticated
from tether.storage import deletions, signins
from tether.storage.base import TetherModel
from tether.storage.deletions import Pending
from tether.storage.signins import SignIns
from tether.sync.fields import format_time

CACHE_SECONDS = 30.0  # how stale another container's view of an account may be
MAX_CACHED = 20_000  # accounts per container (least recently used dropped first)


@dataclass(frozen=True)
class AccountState:
    sign_ins: SignIns
    pending: Pending | None


def session_revoked(message: str) -> Unauthenticated:
    return Unauthenticated(message, reason="SESSION_REVOKED")


def refuse_sign_in(user: User, sign_ins: SignIns) -> None:
    """UNAUTHENTICATED (SESSION_REVOKED) if the token's sign-in was revoked or is older than the
    account's last signOutEverywhere (by `auth_time`, else `iat`)."""
    if user.origin_jti is not None and user.origin_jti in sign_ins.revoked:
        raise session_revoked("This device was signed out; sign in again")
    cutoff = sign_ins.signed_out_at
    if cutoff is not None and (user.authenticated_at is None or user.authenticated_at <= cutoff):
        raise session_revoked("This account was signed out everywhere; sign in again")


def deletion_pending(due_at: datetime) -> Forbidden:
    when = format_time(due_at)
    return Forbidden(
        f"This account is being deleted on {when}; cancelAccountDeletion restores it until then",
        reason="DELETION_PENDING",
        deletionAt=when,
    )


class AccountGate:
    """Per container (built once in Services): the cached state of the accounts it served."""

    def __init__(
        self,
        *,
        deletion_lock: bool,
        monotonic: Callable[[], float] = time.monotonic,
        ttl: float = CACHE_SECONDS,
        max_cached: int = MAX_CACHED,
    ) -> None:
        self.deletion_lock = deletion_lock  # False without a grace period: the flag is never read
        self.monotonic, self.ttl, self.max_cached = monotonic, ttl, max_cached
        self._cache: OrderedDict[str, tuple[float, AccountState]] = OrderedDict()
        self._lock = threading.Lock()

    def keys(self, user_id: str) -> list[tuple[str, str]]:
        """What the account's state is read from: its gate item, sign-ins and deletion lock."""
        return [signins.key(user_id)]

    def state(self, user_id: str) -> AccountState:
        """The account's state: cached for `ttl` seconds, else one GetItem."""
        cached = self.cached(user_id)
        if cached is not None:
            return cached
        return self.observe(user_id, signins.read_items(self.keys(user_id)))

    def cached(self, user_id: str) -> AccountState | None:
        """The account's state if this container read it less than `ttl` seconds ago (no read)."""
        now = self.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        return cached[1] if cached is not None and now - cached[0] < self.ttl else None

    def observe(self, user_id: str, items: Sequence[TetherModel]) -> AccountState:
        """The state the items show (read now, strongly consistent), remembered for `ttl`."""
        pending = deletions.pending_from(items, user_id) if self.deletion_lock else None
        found = AccountState(signins.from_items(items, user_id), pending)
        self.remember(user_id, found)
        return found

    def remember(self, user_id: str, state: AccountState) -> None:
        with self._lock:
            self._cache[user_id] = (self.monotonic(), state)
            self._cache.move_to_end(user_id)
            while len(self._cache) > self.max_cached:
                self._cache.popitem(last=False)

    def learn_pending(self, user_id: str, pending: Pending | None) -> None:
        """The deletion lock as this container just set it (the cached sign-ins stay as they were)."""
        with self._lock:
            cached = self._cache.get(user_id)
            if cached is not None:
                self._cache[user_id] = (cached[0], replace(cached[1], pending=pending))

    def forget(self, user_id: str) -> None:
        """Read the account again next time (this container just changed it)."""
        with self._lock:
            self._cache.pop(user_id, None)

    def check(self, user: User, *, locked_too: bool = True) -> None:
        """Refuse a revoked sign-in (UNAUTHENTICATED) and, with `locked_too`, an account locked
        for deletion (FORBIDDEN, DELETION_PENDING)."""
        self.refuse(user, self.state(user.id), locked_too=locked_too)

    @staticmethod
    def refuse(user: User, state: AccountState, *, locked_too: bool = True) -> None:
        """`check` against a state already known (e.g. `cached`)."""
        refuse_sign_in(user, state.sign_ins)
        if locked_too and state.pending is not None:
            raise deletion_pending(state.pending.due_at)

    def for_sync(self, user: User) -> SyncGate:
        """What a push or pull admits the caller by, read with its own first BatchGetItem."""
        return SyncGate(self, user)


@dataclass(frozen=True)
class SyncGate:
    """The engine's gate (tether/sync/gate.py) for one caller: the account's items in the sync's
    first read, checked there; the device is bound to the caller's sign-in."""

    gate: AccountGate
    user: User

    @property
    def keys(self) -> Sequence[tuple[str, str]]:
        return self.gate.keys(self.user.id)

    @property
    def sign_in(self) -> str | None:
        return self.user.origin_jti

    def admit(self, items: Sequence[TetherModel]) -> None:
        state = self.gate.observe(self.user.id, items)
        refuse_sign_in(self.user, state.sign_ins)
        if state.pending is not None:
            raise deletion_pending(state.pending.due_at)
