"""Erasure with a grace period: `deleteMyAccount` locks the account and schedules its erasure,
`cancelAccountDeletion` restores it, and a scheduled job erases what is due (docs/accounts.md).

While pending, every operation but `me` and `cancelAccountDeletion` is FORBIDDEN (reason
DELETION_PENDING, with the date), and the Cognito user is disabled so no new tokens are issued.
The flag is read by the account gate (tether/accounts/gate.py): with the push's or pull's first
BatchGetItem, else cached per container for `CACHE_SECONDS` together with the account's sign-ins;
another warm Lambda may serve the account for that long after the request (the one that served it
knows at once, and so does every push and pull).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether import audit
from tether.accounts.directory import SignInDirectory
from tether.accounts.erasure import Erasure, ErasureResult
from tether.accounts.gate import CACHE_SECONDS, AccountGate, deletion_pending
from tether.auth import User
from tether.errors import NotFound
from tether.storage import deletions
from tether.storage.deletions import Pending
from tether.sync.fields import format_time

__all__ = ["CACHE_SECONDS", "DeletionGrace", "Scheduled", "deletion_pending"]


@dataclass(frozen=True)
class Scheduled:
    """deleteMyAccount's answer when a grace period applies."""

    due_at: datetime


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
        gate: AccountGate | None = None,
    ) -> None:
        self.erasure, self.directory, self.audit, self.grace, self.clock = (
            erasure,
            directory,
            log,
            grace,
            clock,
        )
        # The one cache of this container's account state (sign-ins and this lock): the services'
        # (built before the accounts, tether/services.py), else one of its own.
        self.gate = gate or AccountGate(deletion_lock=bool(grace), monotonic=monotonic or time.monotonic)

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
        return self.gate.state(user_id).pending if self.grace else None

    def run_due(self, limit: int = 100) -> list[tuple[str, ErasureResult]]:
        """Erase the accounts whose grace period is over (the scheduled job); idempotent."""
        done = []
        for pending in deletions.due(self.clock(), limit):
            result = self.erasure.erase(User(pending.user_id, username=pending.username))
            if result.complete:
                deletions.dequeue(pending)  # the queue entry (the lock went with the partition)
                self._remember(pending.user_id, None)
            done.append((pending.user_id, result))
        return done

    def move_legacy_locks(self) -> int:
        """The one-off job after the lock moved onto the gate item (tether/storage/deletions.py):
        locks written as items of their own move there. Other containers see them within
        CACHE_SECONDS, every push and pull at once."""
        return deletions.move_legacy_locks()

    def _remember(self, user_id: str, pending: Pending | None) -> None:
        """This container knows the new state at once."""
        self.gate.learn_pending(user_id, pending)
