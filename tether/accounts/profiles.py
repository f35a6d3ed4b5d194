"""The profile: when the user was first and last seen. The first sign-in is audited exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tether import audit
from tether.model.record import Record
from tether.preferences import PREFERENCES, PREFERENCES_ID
from tether.storage import accounts as store
from tether.storage.audit import Operation
from tether.storage.keys import user_key


@dataclass(frozen=True)
class Profile:
    created_at: datetime
    last_seen_at: datetime
    preferences: Record | None  # None until a device saves preferences


class Profiles:
    """`lastSeenAt` is written at most once per `interval`; reading the profile costs one BatchGetItem."""

    def __init__(self, log: audit.AuditLog, interval: timedelta, clock: Callable[[], datetime]) -> None:
        self.audit = log
        self.interval = interval
        self.clock = clock

    def seen(self, user_id: str) -> Profile:
        """The user's profile and preferences, recording that the user is here.

        One strongly consistent BatchGetItem; plus one conditional UpdateItem when `lastSeenAt`
        is older than the interval; plus, on the very first sign-in, one transaction that creates
        the profile and appends the `first_sign_in` audit entry together.
        """
        pk = user_key(user_id)
        now = self.clock()
        preferences_key = PREFERENCES.sort_key(PREFERENCES_ID)
        stored, records = store.read_profile(pk, preferences_key)
        if stored is None:
            stored = self._first_sign_in(user_id, pk, now)
        elif stored.last_seen_at < now - self.interval and store.touch_profile(pk, now, now - self.interval):
            stored = store.StoredProfile(stored.created_at, now)
        return Profile(stored.created_at, stored.last_seen_at, records.get(preferences_key))

    def _first_sign_in(self, user_id: str, pk: str, now: datetime) -> store.StoredProfile:
        def prepare(attempt: int) -> Sequence[Operation] | None:
            if attempt > 0 and store.profile_exists(pk):
                return None  # a concurrent first request created it (and audited it)
            return [store.create_profile(pk, now)]

        if self.audit.append(audit.FIRST_SIGN_IN, user_id, {}, prepare) is not None:
            return store.StoredProfile(now, now)
        profile, _ = store.read_profile(pk)
        assert profile is not None
        return profile
