"""What an account's erasure and export reach beyond its own partition: the managed profiles it
owns, the memberships it holds, and the memberships it granted (docs/people.md#erasure)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tether import audit
from tether.errors import BadUserInput, Forbidden
from tether.media import Media, s3_errors, user_prefix
from tether.model.deadline import Deadline
from tether.people.access import check_profile_id, resolve, revoked
from tether.people.roles import Role
from tether.storage import partition
from tether.storage import people as store

CONFIRMATION = "DELETE"
PROFILE_DELETED = "profile.deleted"
BUDGET_SECONDS = 20.0


@dataclass(frozen=True)
class ProfileErasure:
    complete: bool
    items_deleted: int
    objects_deleted: int


def owned_profiles(account_id: str) -> list[store.StoredReach]:
    """The managed profiles the account owns (as its marks say; each checked against the profile)."""
    owned = []
    for reach in store.reaches(account_id):
        if reach.revoked or not reach.managed or reach.role != Role.OWNER.value:
            continue
        info = store.info(reach.profile_id)
        if info is not None and info.owner_id == account_id:
            owned.append(reach)
    return owned


class Estate:
    def __init__(
        self,
        log: audit.AuditLog,
        media: Media | None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        budget_seconds: float = BUDGET_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.audit = log
        self.media = media
        self.clock = clock
        self.budget = budget_seconds
        self.monotonic = monotonic

    def delete_profile(self, account_id: str, profile_id: str, confirm: str) -> ProfileErasure:
        """Erase one managed profile completely (its OWNER only). Idempotent: a call cut short by
        the time budget (`complete: false`) is finished by the next one."""
        if confirm != CONFIRMATION:
            raise BadUserInput(f'confirm must be exactly "{CONFIRMATION}"', field="confirm")
        check_profile_id(profile_id)
        if profile_id == account_id:
            raise BadUserInput(
                "Your own profile goes with your account: use deleteMyAccount", field="profileId"
            )
        try:
            if resolve(account_id, profile_id).role is not Role.OWNER:
                raise Forbidden("Only the profile's OWNER can delete it", reason="NOT_PERMITTED")
        except Forbidden as refused:
            # A deletion cut short has already removed the OWNER's membership; its mark remains.
            mark = next((r for r in store.reaches(account_id) if r.profile_id == profile_id), None)
            continuing = (
                refused.extensions.get("reason") == revoked().extensions["reason"]
                and mark is not None
                and mark.managed
                and mark.role == Role.OWNER.value
            )
            if not continuing:
                raise
        deadline = Deadline.after(self.budget, self.monotonic)
        result = self.erase_profile(profile_id, deadline)
        if result.complete:
            self.audit.record(PROFILE_DELETED, account_id, profile=self.audit.subject(profile_id))
        return result

    def erase_profile(self, profile_id: str, deadline: Deadline) -> ProfileErasure:
        """Every item of the profile's partition, its open invites and files; its members (the
        owner too) keep only a mark, so their devices see ACCESS_REVOKED and drop their copy."""
        now = self.clock()
        for member in store.members(profile_id):
            store.mark_revoked(member.account_id, profile_id, now)
        for digest in store.invite_refs(profile_id):
            store.delete_invite(digest)
        items, emptied = partition.delete_all(store.user_key(profile_id), deadline=deadline)
        if not emptied:
            return ProfileErasure(False, items, 0)
        objects = 0
        if self.media is not None and self.media.configured:
            with s3_errors("erasure"):
                objects, cleared = self.media.delete_prefix(user_prefix(profile_id), deadline)
            if not cleared:
                return ProfileErasure(False, items, objects)
        return ProfileErasure(True, items, objects)

    def release_account(self, account_id: str, deadline: Deadline) -> tuple[int, bool]:
        """Before an account's own partition is erased: erase the managed profiles it owns, end
        the memberships it holds, and mark revoked the members of its own profile.
        Returns (items deleted, whether all of it is done)."""
        now = self.clock()
        deleted = 0
        owned = {reach.profile_id for reach in owned_profiles(account_id)}
        for profile_id in sorted(owned):
            result = self.erase_profile(profile_id, deadline)
            deleted += result.items_deleted
            if not result.complete:
                return deleted, False
            self.audit.record(PROFILE_DELETED, account_id, profile=self.audit.subject(profile_id))
        for reach in store.reaches(account_id):
            if reach.profile_id not in owned and not reach.revoked:
                store.delete_member(reach.profile_id, account_id)
                deleted += 1
        for member in store.members(account_id):
            store.mark_revoked(member.account_id, account_id, now)
        return deleted, True
