"""Who may do what with a profile's data: the roles table, as data (docs/people.md).

A profile's data is divided into *areas*; each synced collection belongs to one. A role grants
read and write per area; an owner may narrow a grant further, and may grant the private areas
(chat, preferences) explicitly. The engine and every query check an `Access` against this table,
so no collection has permission code of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tether.errors import BadUserInput


class Role(Enum):
    OWNER = "OWNER"
    GUARDIAN = "GUARDIAN"
    TEACHER = "TEACHER"
    CAREGIVER = "CAREGIVER"


class Area(Enum):
    """What a grant names: a part of a profile's data."""

    PIECES = "pieces"
    SESSIONS = "sessions"
    PROGRESS = "progress"
    BOOKMARKS = "bookmarks"
    STATISTICS = "statistics"
    CHAT = "chat"
    PREFERENCES = "preferences"
    ATTACHMENTS = "attachments"


# Synced collection (its `name`) -> the area it belongs to. A collection missing here belongs to
# no area: nobody but the profile's own account reads or writes it through a shared profile.
COLLECTION_AREAS: dict[str, Area] = {
    "piece": Area.PIECES,
    "session": Area.SESSIONS,
    "progress": Area.PROGRESS,
    "bookmark": Area.BOOKMARKS,
    "chat_thread": Area.CHAT,
    "chat_message": Area.CHAT,
    "chat_memory": Area.CHAT,
    "preferences": Area.PREFERENCES,
    "attachment": Area.ATTACHMENTS,
}

EVERYTHING = frozenset(Area)
# Never part of a role's default beyond OWNER/GUARDIAN; an owner may still grant them explicitly.
PRIVATE = frozenset({Area.CHAT, Area.PREFERENCES})


@dataclass(frozen=True)
class Grant:
    """What a member may read and write."""

    read: frozenset[Area]
    write: frozenset[Area]

    @property
    def chat(self) -> bool:
        return Area.CHAT in self.read and Area.CHAT in self.write


# The roles table (docs/people.md shows the same table; a test keeps them identical).
ROLES: dict[Role, Grant] = {
    Role.OWNER: Grant(read=EVERYTHING, write=EVERYTHING),
    Role.GUARDIAN: Grant(read=EVERYTHING, write=EVERYTHING),
    Role.TEACHER: Grant(
        read=frozenset({Area.PROGRESS, Area.SESSIONS, Area.STATISTICS, Area.BOOKMARKS, Area.PIECES}),
        write=frozenset({Area.PIECES, Area.SESSIONS}),
    ),
    Role.CAREGIVER: Grant(
        read=frozenset({Area.PROGRESS, Area.SESSIONS, Area.STATISTICS}),
        write=frozenset(),
    ),
}

# Who may manage a profile: invite, revoke, read the access log, record consents.
MANAGERS = frozenset({Role.OWNER, Role.GUARDIAN})


def grant_for(role: Role, read: frozenset[Area] | None = None, write: frozenset[Area] | None = None) -> Grant:
    """The role's default grant, narrowed to `read` / `write` when given.

    Only the private areas (chat, preferences) may be added beyond the role's default; anything
    else outside it is refused, so a grant never silently means more than its role.
    Writing needs reading: the written areas are always a subset of the read ones.
    """
    default = ROLES[role]
    wanted_read = default.read if read is None else read
    wanted_write = default.write if write is None else write
    for name, wanted, base in (("read", wanted_read, default.read), ("write", wanted_write, default.write)):
        extra = wanted - base - PRIVATE
        if extra:
            names = ", ".join(sorted(area.name for area in extra))
            raise BadUserInput(f"A {role.value} grant cannot {name} {names}; choose another role", field=name)
    if not wanted_write <= wanted_read:
        names = ", ".join(sorted(area.name for area in wanted_write - wanted_read))
        raise BadUserInput(f"Writing needs reading: also grant read for {names}", field="write")
    return Grant(read=frozenset(wanted_read), write=frozenset(wanted_write))


def area_of(collection: str) -> Area | None:
    return COLLECTION_AREAS.get(collection)
