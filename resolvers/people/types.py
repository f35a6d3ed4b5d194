from datetime import datetime
from enum import Enum
from typing import Self

import strawberry

from tether.people import roles
from tether.people.directory import Invite as CoreInvite
from tether.people.directory import Member as CoreMember
from tether.people.directory import ProfileView
from tether.people.log import AccessEntry
from tether.people.overview import Summary

strawberry.enum(
    roles.Role,
    name="ProfileRole",
    description="What a member may do with a profile's data by default (docs/people.md has the table).",
)
ProfileRole = roles.Role


@strawberry.enum(description="A part of a profile's data that a grant names.")
class ProfileArea(Enum):
    PIECES = "PIECES"
    SESSIONS = "SESSIONS"
    PROGRESS = "PROGRESS"
    BOOKMARKS = "BOOKMARKS"
    STATISTICS = "STATISTICS"
    CHAT = "CHAT"
    PREFERENCES = "PREFERENCES"
    ATTACHMENTS = "ATTACHMENTS"


def to_areas(values: list[ProfileArea] | None) -> frozenset[roles.Area] | None:
    if values is None:
        return None
    return frozenset(roles.Area[value.value] for value in values)


def from_areas(areas: frozenset[roles.Area]) -> list[ProfileArea]:
    return [ProfileArea[area.name] for area in sorted(areas, key=lambda a: a.name)]


@strawberry.type(description="What a member may read and write.")
class ProfilePermissions:
    read: list[ProfileArea]
    write: list[ProfileArea]
    chat: bool

    @classmethod
    def from_core(cls, grant: roles.Grant) -> Self:
        return cls(read=from_areas(grant.read), write=from_areas(grant.write), chat=grant.chat)


@strawberry.type(
    description="A profile: the unit whose data syncs. Your own (id = your account id) or one you reach."
)
class Profile:
    id: strawberry.ID
    name: str | None = strawberry.field(
        description="A managed profile's name; null for an account's own profile."
    )
    managed: bool = strawberry.field(description="A learner profile without a sign-in of its own.")
    role: roles.Role
    permissions: ProfilePermissions

    @classmethod
    def from_core(cls, view: ProfileView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            managed=view.managed,
            role=view.role,
            permissions=ProfilePermissions.from_core(view.grant),
        )


@strawberry.type(description="An account that can reach a profile, with its role.")
class ProfileMember:
    account_id: strawberry.ID
    name: str | None
    role: roles.Role
    permissions: ProfilePermissions
    granted_at: datetime

    @classmethod
    def from_core(cls, member: CoreMember) -> Self:
        return cls(
            account_id=strawberry.ID(member.account_id),
            name=member.name,
            role=member.role,
            permissions=ProfilePermissions.from_core(member.grant),
            granted_at=member.granted_at,
        )


@strawberry.type(description="A one-time invite. The code is shown only here: pass it on to the invitee.")
class ProfileInvite:
    code: str = strawberry.field(
        description="12 characters in groups of 4; case, dashes and O/0, I/1 are forgiven."
    )
    profile_id: strawberry.ID
    role: roles.Role
    expires_at: datetime

    @classmethod
    def from_core(cls, invite: CoreInvite) -> Self:
        return cls(
            code=invite.code,
            profile_id=strawberry.ID(invite.profile_id),
            role=invite.role,
            expires_at=invite.expires_at,
        )


@strawberry.input
class CreateProfileInput:
    name: str = strawberry.field(description="1-100 characters, e.g. the learner's first name.")


@strawberry.input
class CreateInviteInput:
    profile_id: strawberry.ID
    role: roles.Role
    expires_in_hours: int = strawberry.field(default=72, description="1-168.")
    read: list[ProfileArea] | None = strawberry.field(
        default=None, description="Narrow what the role may read (null: the role's default)."
    )
    write: list[ProfileArea] | None = strawberry.field(
        default=None, description="Narrow what the role may write (null: the role's default)."
    )


@strawberry.input
class SetPermissionsInput:
    profile_id: strawberry.ID
    account_id: strawberry.ID
    read: list[ProfileArea] | None = None
    write: list[ProfileArea] | None = None


@strawberry.type(description="One read or write of a profile's data by someone other than its OWNER.")
class AccessLogEntry:
    account_id: strawberry.ID
    at: datetime
    operation: str = strawberry.field(description="e.g. syncPull, syncPush, pieces, progressStats.")
    collections: list[str]

    @classmethod
    def from_core(cls, entry: AccessEntry) -> Self:
        return cls(
            account_id=strawberry.ID(entry.account_id),
            at=entry.at,
            operation=entry.operation,
            collections=list(entry.collections),
        )


@strawberry.type
class AccessLogConnection:
    nodes: list[AccessLogEntry]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="One profile in the class overview.")
class ProfileOverview:
    profile: Profile
    last_activity_at: datetime | None = strawberry.field(
        description="The start of the latest 15-minute slot with listening or practice (in the last two weeks)."
    )
    listened_minutes: int = strawberry.field(description="Listened this week (Monday to now, in `timeZone`).")
    practiced_minutes: int = strawberry.field(description="Practised this week (sessions started this week).")
    current_streak_days: int = strawberry.field(
        description="Consecutive active days up to today, counted over the last two weeks (progressStats "
        "with the profileId has the whole history)."
    )

    @classmethod
    def from_core(cls, summary: Summary) -> Self:
        return cls(
            profile=Profile.from_core(summary.profile),
            last_activity_at=summary.last_activity_at,
            listened_minutes=summary.listened_minutes,
            practiced_minutes=summary.practiced_minutes,
            current_streak_days=summary.current_streak_days,
        )


@strawberry.type
class ProfileOverviewConnection:
    nodes: list[ProfileOverview]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="What deleteProfile erased (call again while `complete` is false).")
class ProfileErasure:
    complete: bool
    items_deleted: int
    objects_deleted: int
