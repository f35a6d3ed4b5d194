"""Erasure with a grace period: `deleteMyAccount` locks the account and schedules its erasure,
`cancelAccountDeletion` restores it, and a scheduled job erases what is due (docs/accounts.md).

While pending, every operation but `me` and `cancelAccountDeletion` is FORBIDDEN (reason
DELETION_PENDING, with the date), and the Cognito user is disabled so no new tokens are issued.
Each container caches an account's state for `CACHE_SECONDS`: another warm Lambda may serve the
account for that long after the request (the one that served it knows at once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether import audit
from tether.accounts.directory import SignInDirectory
from tether.accounts.erasure import Erasure, ErasureResult
from tether.auth import User
from tether.errors import Forbidden, NotFound
from tether.storage import deletions
from tether.storage.deletions import Pending
from tether.sync.fields import format_time

CACHE_SECONDS = 30.0
MAX_CACHED = 50_000


@dataclass(frozen=True)
class Scheduled:
    """deleteMyAccount's answer when a grace period applies."""

    due_at: datetime


def deletion_pending(due_at: datetime) -> Forbidden:
    when = format_time(due_at)
    return Forbidden(
        f"This account is being deleted on {when}; cancelAccountDeletion restores it until then",
        reason="DELETION_PENDING",
        deletionAt=when,
    )


class DeletionGrace:
    def __init__(
        self,
        erasure: Erasure,
        directory: SignInDirectory,
        log: audit.AuditLog,
        *,
        grace: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.erasure, self.directory, self.audit, self.grace, self.clock = (
            erasure,
            directory,
            log,
            grace,
            clock,
        )
        self.monotonic = monotonic or time.monotonic
        self._cache: dict[str, tuple[float, Pending | None]] = {}
        self._lock = threading.Lock()

    def request(self, user: User) -> ErasureResult | Scheduled:
        """Erase now (no grace period) or lock the account and schedule its erasure; idempotent."""
        if not self.grace:
            return self.erasure.erase(user)
        pending = deletions.schedule(user.id, self.clock() + self.grace, user.username)
        self._remember(user.id, pending)
        if self.directory.configured:
            self.directory.disable(user.username or user.id)
        self.audit.record(audit.DELETION_REQUESTED, user.id, dueAt=format_time(pending.due_at))
        return Scheduled(pending.due_at)

    def cancel(self, user: User) -> None:
        """Restore a pending account (NOT_FOUND if none is pending)."""
        pending = deletions.read(user.id)
        if pending is None:
            raise NotFound("This account has no deletion pending", reason="NO_DELETION_PENDING")
        if self.directory.configured:
            self.directory.enable(user.username or user.id)
        deletions.cancel(pending)
        self._remember(user.id, None)
        self.audit.record(audit.DELETION_CANCELLED, user.id)

    def pending(self, user_id: str) -> Pending | None:
        """The account's pending deletion, read at most once per CACHE_SECONDS per container."""
        now = self.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = deletions.read(user_id)
        self._remember(user_id, found)
        return found

    def check(self, user_id: str) -> None:
        """FORBIDDEN (DELETION_PENDING) if the account is locked for deletion.

        Without a grace period nothing is ever pending, and nothing is read. With one, this costs
        one GetItem per account per CACHE_SECONDS per container, push and pull included (folding the
        flag into their BatchGetItem is still to do).
        """
        if not self.grace:
            return
        found = self.pending(user_id)
        if found is not None:
            raise deletion_pending(found.due_at)

    def run_due(self, limit: int = 100) -> list[tuple[str, ErasureResult]]:
        """Erase the accounts whose grace period is over (the scheduled job); idempotent."""
        done = []
        for pending in deletions.due(self.clock(), limit):
            result = self.erasure.erase(User(pending.user_id, username=pending.username))
            if result.complete:
                deletions.cancel(pending)  # the queue entry (the flag went with the partition)
                self._remember(pending.user_id, None)
            done.append((pending.user_id, result))
        return done

    def _remember(self, user_id: str, pending: Pending | None) -> None:
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[user_id] = (self.monotonic(), pending)
