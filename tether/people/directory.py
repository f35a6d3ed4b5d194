"""Profiles and memberships: create a managed profile, invite, accept, narrow, revoke, leave.

Every change of a membership is written in one transaction with its audit entry (see
`tether.audit.AuditLog.append`), so the tamper-evident trail and the data never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ulid import ULID

from tether import audit
from tether.errors import BadUserInput, Conflict, Forbidden, NotFound, RateLimited, check_between
from tether.people import codes
from tether.people.access import Access, areas, check_profile_id, decide, resolve
from tether.people.roles import ROLES, Area, Grant, Role, grant_for
from tether.storage import people as store
from tether.storage.audit import Operation

PROFILE_CREATED = "profile.created"
INVITE_CREATED = "profile.invite_created"
INVITE_ACCEPTED = "profile.invite_accepted"
ACCESS_GRANTED = "profile.access_changed"
ACCESS_REVOKED = "profile.access_revoked"
PROFILE_LEFT = "profile.left"
PROFILE_TRANSFERRED = "profile.transferred"
PROFILE_DELETED = "profile.deleted"

MAX_INVITE_HOURS = 168
MAX_NAME = 100
MAX_FAILED_GUESSES = 10  # per account and clock hour


@dataclass(frozen=True)
class ProfileView:
    """A profile as one account reaches it."""

    id: str
    name: str | None
    managed: bool
    role: Role
    grant: Grant


@dataclass(frozen=True)
class Member:
    account_id: str
    name: str | None
    role: Role
    grant: Grant
    granted_at: datetime


@dataclass(frozen=True)
class Invite:
    code: str  # shown once, never stored
    profile_id: str
    role: Role
    expires_at: datetime


def _member(stored: store.StoredMember) -> Member:
    return Member(
        stored.account_id,
        stored.name,
        Role(stored.role),
        Grant(areas(stored.read), areas(stored.write)),
        stored.granted_at,
    )


def _names(grant: Grant) -> tuple[list[str], list[str]]:
    return sorted(a.value for a in grant.read), sorted(a.value for a in grant.write)


class Directory:
    def __init__(
        self,
        log: audit.AuditLog,
        invite_key: bytes,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.audit = log
        self.invite_key = invite_key
        self.clock = clock
        # Told the partitions a membership change concerns (the member's own, the profile's): the
        # poke (tether/poke.py) tells their open connections to pull (and the member's, to re-read
        # its profiles).
        self.on_grant: Callable[[Sequence[str]], object] = lambda partitions: None

    def _granted(self, profile_id: str, member_id: str) -> None:
        self.on_grant([store.user_key(member_id), store.user_key(profile_id)])

    # ---- reading

    def access(self, account_id: str, profile_id: str | None) -> Access:
        return resolve(account_id, profile_id)

    def profiles(self, account_id: str) -> list[ProfileView]:
        """The account's own profile first, then every profile it reaches, by id: one Query of its
        marks and one BatchGetItem of the memberships they point at."""
        found = [ProfileView(account_id, None, False, Role.OWNER, ROLES[Role.OWNER])]
        reaches = [reach for reach in store.reaches(account_id) if not reach.revoked]
        items = store.batch([store.access_keys(r.profile_id, account_id)[0] for r in reaches])
        for reach in reaches:
            member = store.access_from(items, reach.profile_id, account_id).member
            if member is None:
                continue
            access = decide(reach.profile_id, account_id, store.AccessRead(member, reach))
            found.append(ProfileView(reach.profile_id, reach.name, reach.managed, access.role, access.grant))
        return found

    def members(self, account_id: str, profile_id: str) -> list[Member]:
        """Who can reach the profile (managers only): its owner first."""
        access = resolve(account_id, profile_id).require_manager()
        found = [_member(stored) for stored in store.members(profile_id)]
        if access.own:
            found.insert(
                0, Member(account_id, None, Role.OWNER, ROLES[Role.OWNER], datetime.fromtimestamp(0, UTC))
            )
        return sorted(found, key=lambda m: (m.role is not Role.OWNER, m.account_id))

    # ---- managed profiles

    def create_profile(self, account_id: str, name: str, account_name: str | None = None) -> ProfileView:
        """A managed profile (a learner without a sign-in), owned by the account that makes it."""
        name = _check_name(name)
        profile_id = str(ULID())
        now = self.clock()
        grant = ROLES[Role.OWNER]
        read, write = _names(grant)
        ops: list[Operation] = [store.put_info(profile_id, name, account_id, account_id, now)]
        ops += store.put_member(
            profile_id,
            account_id,
            role=Role.OWNER.value,
            read=read,
            write=write,
            grant=1,
            previous_grant=None,
            granted_by=account_id,
            now=now,
            name=account_name,
            profile_name=name,
            managed=True,
        )
        self.audit.append(
            PROFILE_CREATED, account_id, {"profile": self.audit.subject(profile_id)}, lambda attempt: ops
        )
        return ProfileView(profile_id, name, True, Role.OWNER, grant)

    # ---- invites

    def create_invite(
        self,
        account_id: str,
        profile_id: str,
        role: Role,
        expires_in_hours: int,
        read: frozenset[Area] | None = None,
        write: frozenset[Area] | None = None,
    ) -> Invite:
        """A one-time code for `role` (narrowed to `read`/`write`), valid for at most 168 hours."""
        check_between("expiresInHours", expires_in_hours, 1, MAX_INVITE_HOURS)
        access = resolve(account_id, check_profile_id(profile_id)).require_manager()
        if role is Role.OWNER:
            if access.role is not Role.OWNER or access.own:
                raise Forbidden(
                    "Only the OWNER of a managed profile can hand it over (an account's own profile stays its own)",
                    reason="NOT_PERMITTED",
                )
            if read is not None or write is not None:
                raise BadUserInput("An OWNER invite carries every permission", field="read")
        grant_for(role, read, write)  # refuse an impossible grant now, not when it is accepted
        code = codes.new_code()
        canonical = codes.normalize(code)
        assert canonical is not None
        now = self.clock()
        valid_until = now + timedelta(hours=expires_in_hours)
        invite = store.StoredInvite(
            digest=codes.digest(self.invite_key, canonical),
            profile_id=profile_id,
            role=role.value,
            read=tuple(sorted(a.value for a in read)) if read is not None else None,
            write=tuple(sorted(a.value for a in write)) if write is not None else None,
            created_by=account_id,
            created_at=now,
            valid_until=valid_until,
            used_by=None,
        )
        self.audit.append(
            INVITE_CREATED,
            account_id,
            {"profile": self.audit.subject(profile_id), "role": role.value, "hours": expires_in_hours},
            lambda attempt: [store.put_invite(invite, valid_until + timedelta(days=1))],
        )
        return Invite(code, profile_id, role, valid_until)

    def accept_invite(self, account_id: str, code: str, account_name: str | None = None) -> ProfileView:
        """Join the profile the code was made for (once; before it expires). Failed tries are
        counted per account and hour: after 10, RATE_LIMITED until the hour is over."""
        now = self.clock()
        window = now.strftime("%Y%m%d%H")
        canonical = codes.normalize(code)
        digest = codes.digest(self.invite_key, canonical or code[:64])
        invite, failures = store.invite_and_guesses(digest, account_id, window)
        if failures >= MAX_FAILED_GUESSES:
            next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            raise RateLimited(
                f"Too many wrong invite codes; try again in {int((next_hour - now).total_seconds() // 60) + 1} minutes",
                reason="TOO_MANY_GUESSES",
                retryAfterSeconds=int((next_hour - now).total_seconds()) + 1,
            )
        problem = self._invite_problem(invite, canonical, account_id, now)
        if problem is not None:
            store.count_failure(account_id, window, now + timedelta(hours=2))
            raise problem
        assert invite is not None
        return self._join(account_id, invite, now, account_name)

    def _invite_problem(
        self, invite: store.StoredInvite | None, canonical: str | None, account_id: str, now: datetime
    ) -> Exception | None:
        if canonical is None or invite is None:
            return NotFound("No invite has this code; check it and type it again", reason="INVITE_NOT_FOUND")
        if invite.used_by is not None:
            return Conflict("This invite code was already used; ask for a new one", reason="INVITE_USED")
        if invite.valid_until <= now:
            return Forbidden("This invite code has expired; ask for a new one", reason="INVITE_EXPIRED")
        if invite.profile_id == account_id:
            return BadUserInput("This invite is for your own profile", field="code")
        return None

    def _join(
        self, account_id: str, invite: store.StoredInvite, now: datetime, name: str | None
    ) -> ProfileView:
        role = Role(invite.role)
        grant = grant_for(
            role,
            areas(invite.read) if invite.read is not None else None,
            areas(invite.write) if invite.write is not None else None,
        )
        profile_id = invite.profile_id
        result: dict[str, ProfileView] = {}

        def prepare(attempt: int) -> Sequence[Operation] | None:
            keys = [
                *store.access_keys(profile_id, invite.created_by),
                *store.access_keys(profile_id, account_id),
                (store.user_key(profile_id), store.INFO),
            ]
            items = store.batch(keys)
            inviter = store.access_from(items, profile_id, invite.created_by).member
            current = store.access_from(items, profile_id, account_id).member
            info = next((store._info(i) for i in items if isinstance(i, store.ProfileInfoItem)), None)
            if (
                attempt > 0
                and current is not None
                and current.granted_by == invite.created_by
                and current.granted_at == now
            ):
                return None  # an earlier attempt joined
            own_profile = profile_id == invite.created_by
            if not own_profile and (inviter is None or Role(inviter.role) not in (Role.OWNER, Role.GUARDIAN)):
                raise Forbidden(
                    "Whoever made this invite can no longer share this profile; ask for a new one",
                    reason="INVITE_REVOKED",
                )
            if current is not None and Role(current.role) is Role.OWNER:
                raise Conflict("You already own this profile", reason="ALREADY_OWNER")
            profile_name = info.name if info is not None else None
            ops: list[Operation] = [store.use_invite(invite.digest, account_id, now)]
            ops += self._grant_ops(
                profile_id, account_id, role, grant, current, invite.created_by, now, name, info
            )
            if role is Role.OWNER:
                assert info is not None
                assert inviter is not None
                ops.append(store.set_owner(profile_id, account_id, info.owner_id))
                # The previous owner stays, as a GUARDIAN, until it leaves.
                ops += self._grant_ops(
                    profile_id,
                    inviter.account_id,
                    Role.GUARDIAN,
                    ROLES[Role.GUARDIAN],
                    inviter,
                    inviter.account_id,
                    now,
                    inviter.name,
                    info,
                )
            result["view"] = ProfileView(profile_id, profile_name, info is not None, role, grant)
            return ops

        kind = PROFILE_TRANSFERRED if role is Role.OWNER else INVITE_ACCEPTED
        details = {
            "profile": self.audit.subject(profile_id),
            "role": role.value,
            "by": self.audit.subject(invite.created_by),
        }
        self.audit.append(kind, account_id, details, prepare)
        self._granted(profile_id, account_id)
        if "view" not in result:
            return ProfileView(profile_id, None, False, role, grant)
        return result["view"]

    @staticmethod
    def _grant_ops(
        profile_id: str,
        account_id: str,
        role: Role,
        grant: Grant,
        current: store.StoredMember | None,
        granted_by: str,
        now: datetime,
        name: str | None,
        info: store.StoredInfo | None,
    ) -> list[Operation]:
        read, write = _names(grant)
        return store.put_member(
            profile_id,
            account_id,
            role=role.value,
            read=read,
            write=write,
            # A new membership's counter starts at the time (ms): a cursor from an earlier
            # membership of the same account never matches it.
            grant=(current.grant + 1) if current is not None else int(now.timestamp() * 1000),
            previous_grant=current.grant if current is not None else None,
            granted_by=granted_by,
            now=now,
            name=name if name is not None else (current.name if current else None),
            profile_name=info.name if info is not None else None,
            managed=info is not None,
        )

    # ---- changing and ending memberships

    def set_permissions(
        self,
        account_id: str,
        profile_id: str,
        member_id: str,
        read: frozenset[Area] | None,
        write: frozenset[Area] | None,
    ) -> Member:
        """Narrow (or restore) a member's grant within its role. Its devices' next pull starts over."""
        resolve(account_id, check_profile_id(profile_id)).require_manager()
        holder: dict[str, Member] = {}

        def prepare(attempt: int) -> Sequence[Operation] | None:
            read_now, _ = store.read_access(profile_id, member_id)
            current = read_now.member
            if current is None:
                raise NotFound("This account is not a member of the profile", reason="NOT_A_MEMBER")
            role = Role(current.role)
            if role is Role.OWNER:
                raise Forbidden("The OWNER's permissions cannot be narrowed", reason="NOT_PERMITTED")
            grant = grant_for(role, read, write)
            info = store.info(profile_id)
            holder["member"] = Member(member_id, current.name, role, grant, self.clock())
            return self._grant_ops(
                profile_id, member_id, role, grant, current, account_id, self.clock(), current.name, info
            )

        self.audit.append(
            ACCESS_GRANTED,
            account_id,
            {"profile": self.audit.subject(profile_id), "member": self.audit.subject(member_id)},
            prepare,
        )
        self._granted(profile_id, member_id)
        return holder["member"]

    def revoke(self, account_id: str, profile_id: str, member_id: str) -> bool:
        """End a member's access (managers only; not the OWNER's). Idempotent."""
        resolve(account_id, check_profile_id(profile_id)).require_manager()
        if member_id == account_id:
            raise BadUserInput("To give up your own access use leaveProfile", field="accountId")
        return self._remove(account_id, profile_id, member_id, ACCESS_REVOKED)

    def leave(self, account_id: str, profile_id: str) -> bool:
        """Give up one's own access to a profile (an OWNER hands the profile over or deletes it)."""
        check_profile_id(profile_id)
        if profile_id == account_id:
            raise BadUserInput("You cannot leave your own profile", field="profileId")
        access = resolve(account_id, profile_id)
        if access.role is Role.OWNER:
            raise Forbidden(
                "The OWNER cannot leave: hand the profile over (transferProfile) or delete it",
                reason="OWNER_CANNOT_LEAVE",
            )
        return self._remove(account_id, profile_id, account_id, PROFILE_LEFT)

    def _remove(self, account_id: str, profile_id: str, member_id: str, kind: str) -> bool:
        def prepare(attempt: int) -> Sequence[Operation] | None:
            current, _ = store.read_access(profile_id, member_id)
            if current.member is None:
                if attempt == 0 and current.reach is None:
                    raise NotFound("This account is not a member of the profile", reason="NOT_A_MEMBER")
                return None
            if Role(current.member.role) is Role.OWNER:
                raise Forbidden("The OWNER's access cannot be revoked", reason="NOT_PERMITTED")
            return store.remove_member(profile_id, member_id, current.member.grant, self.clock())

        entry = self.audit.append(
            kind,
            account_id,
            {"profile": self.audit.subject(profile_id), "member": self.audit.subject(member_id)},
            prepare,
        )
        self._granted(profile_id, member_id)
        return entry is not None


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= MAX_NAME:
        raise BadUserInput(
            f"name must be 1-{MAX_NAME} characters (not only blanks)", field="name", limit=MAX_NAME
        )
    return cleaned
