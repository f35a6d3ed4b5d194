"""The access log of a profile: every read or write by someone other than its OWNER (who, when,
which operation and collections; never contents). OWNER and GUARDIAN read it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ulid import ULID

from tether.errors import BadUserInput, check_between
from tether.people.access import Access, check_profile_id, resolve
from tether.storage import people as store

MAX_PAGE = 100


AccessEntry = store.StoredAccess  # who, when, which operation and areas


@dataclass(frozen=True)
class AccessPage:
    entries: list[AccessEntry]
    next_key: str | None


class AccessLog:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.clock = clock

    def entry(self, access: Access, operation: str, collections: Iterable[str]) -> AccessEntry:
        now = self.clock()
        key = f"{now.strftime('%Y%m%dT%H%M%S.%fZ')}#{ULID()}"
        return AccessEntry(key, access.account_id, now, operation, tuple(sorted(set(collections))))

    def record(self, access: Access, operation: str, collections: Iterable[str]) -> None:
        """Log one operation of a non-owner (one PutItem); an owner's own work is not logged."""
        if access.logged:
            store.log_access(access.profile_id, self.entry(access, operation, collections))

    def page(self, account_id: str, profile_id: str, *, first: int, after: str | None) -> AccessPage:
        """Newest first; OWNER and GUARDIAN only."""
        check_between("first", first, 1, MAX_PAGE)
        if after is not None and not (0 < len(after) <= 80 and "#" in after):
            raise BadUserInput(
                "`after` is not a cursor of this list; pass the endCursor it returned", field="after"
            )
        resolve(account_id, check_profile_id(profile_id)).require_manager()
        entries, next_key = store.access_page(profile_id, first=first, after=after)
        return AccessPage(entries, next_key)
