"""Whether an account may reach a profile, and what it may do there (checked on every operation)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tether.errors import BadUserInput, Forbidden
from tether.people.roles import EVERYTHING, MANAGERS, ROLES, Area, Grant, Role, area_of
from tether.storage import people as store

PROFILE_ID = re.compile(r"^[A-Za-z0-9._:@+-]{1,128}$")
NOT_PERMITTED = "NOT_PERMITTED"
ACCESS_REVOKED = "ACCESS_REVOKED"
UNREACHABLE = "PROFILE_UNREACHABLE"


@dataclass(frozen=True)
class Access:
    """An account's access to one profile, as read in the operation's own request."""

    profile_id: str
    account_id: str
    role: Role
    grant: Grant
    generation: int = 0  # the membership's grant counter; 0 for the account's own profile

    @property
    def own(self) -> bool:
        """The account's own profile: everything, exactly as before profiles existed."""
        return self.profile_id == self.account_id

    @property
    def logged(self) -> bool:
        """Reads and writes by anyone but the profile's OWNER go to its access log."""
        return self.role is not Role.OWNER

    @property
    def manages(self) -> bool:
        return self.role in MANAGERS

    def can_read(self, area: Area) -> bool:
        return area in self.grant.read

    def can_write(self, area: Area) -> bool:
        return area in self.grant.write

    def reads_collection(self, collection: str) -> bool:
        if self.own:
            return True
        area = area_of(collection)
        return area is not None and self.can_read(area)

    def writes_collection(self, collection: str) -> bool:
        if self.own:
            return True
        area = area_of(collection)
        return area is not None and self.can_write(area)

    def require_read(self, area: Area) -> Access:
        if not self.can_read(area):
            raise _not_permitted(self.role, "read", area)
        return self

    def require_write(self, area: Area) -> Access:
        if not self.can_write(area):
            raise _not_permitted(self.role, "change", area)
        return self

    def require_manager(self) -> Access:
        if not self.manages:
            raise Forbidden(
                "Only the profile's OWNER or a GUARDIAN may do this",
                reason=NOT_PERMITTED,
                role=self.role.value,
            )
        return self


def _not_permitted(role: Role, verb: str, area: Area) -> Forbidden:
    return Forbidden(
        f"Your role on this profile ({role.value}) does not let you {verb} its {area.value}",
        reason=NOT_PERMITTED,
        role=role.value,
        area=area.name,
    )


def own(account_id: str) -> Access:
    return Access(account_id, account_id, Role.OWNER, ROLES[Role.OWNER])


def check_profile_id(profile_id: str) -> str:
    if not PROFILE_ID.match(profile_id):
        raise BadUserInput("profileId is not a profile id (as `profiles` returns it)", field="profileId")
    return profile_id


def unreachable() -> Forbidden:
    """The same answer whether the profile does not exist or the caller is no member of it."""
    return Forbidden("You cannot reach this profile", reason=UNREACHABLE)


def revoked() -> Forbidden:
    return Forbidden(
        "Your access to this profile was revoked (or the profile was deleted): delete its local copy",
        reason=ACCESS_REVOKED,
    )


def decide(profile_id: str, account_id: str, read: store.AccessRead) -> Access:
    """The access the batch shows, or FORBIDDEN: ACCESS_REVOKED for a former member (the account
    keeps a mark of it), else PROFILE_UNREACHABLE, never saying whether the profile exists."""
    member = read.member
    if member is None:
        if read.reach is not None:
            raise revoked()
        raise unreachable()
    return Access(
        profile_id=profile_id,
        account_id=account_id,
        role=Role(member.role),
        grant=Grant(read=areas(member.read), write=areas(member.write)),
        generation=member.grant,
    )


def areas(names: Iterable[str]) -> frozenset[Area]:
    known = {area.value: area for area in EVERYTHING}
    return frozenset(known[name] for name in names if name in known)


def resolve(account_id: str, profile_id: str | None) -> Access:
    """The caller's access to `profile_id` (its own profile when None): free for the own profile,
    one BatchGetItem otherwise."""
    if profile_id is None or profile_id == account_id:
        return own(account_id)
    check_profile_id(profile_id)
    read, _ = store.read_access(profile_id, account_id)
    return decide(profile_id, account_id, read)
