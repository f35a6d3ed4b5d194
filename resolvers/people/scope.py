"""The profile a plain query reads: the caller's own, or one it reaches with the right to read."""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.context import Info
from resolvers.offload import offload
from tether.people.access import Access, own
from tether.people.roles import Area, area_of
from tether.services import Services
from tether.sync.collection import APPLIED, MERGED
from tether.sync.engine import PullResult, PushResult

ProfileId = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="A profile you reach (see `profiles`); default: your own. FORBIDDEN when your role may not read this."
    ),
]


async def readable(info: Info, profile_id: strawberry.ID | None, area: Area, operation: str) -> str:
    """The id of the profile to read (its partition), after checking the caller may read `area`
    there; a read by anyone but the OWNER goes to the profile's access log. Free for one's own."""
    return (await reaching(info, profile_id, operation, read=(area,))).profile_id


async def writable(info: Info, profile_id: strawberry.ID | None, area: Area, operation: str) -> str:
    """Like `readable`, for a change: the caller's role must let it write `area` there."""
    return (await reaching(info, profile_id, operation, write=(area,))).profile_id


async def reaching(
    info: Info,
    profile_id: strawberry.ID | None,
    operation: str,
    *,
    read: tuple[Area, ...] = (),
    write: tuple[Area, ...] = (),
) -> Access:
    """The caller's access to the profile (its own by default), after checking it may read and
    write these areas there; a member's use goes to the profile's access log."""
    account = info.context.user.id
    people = info.context.services.people
    if profile_id is None or str(profile_id) == account:
        return own(account)

    def check() -> Access:
        access = people.directory.access(account, str(profile_id))
        for area in read:
            access.require_read(area)
        for area in write:
            access.require_write(area)
        people.access_log.record(access, operation, sorted({area.value for area in (*read, *write)}))
        return access

    return await offload(check)


ManagedProfileId = Annotated[
    strawberry.ID | None,
    strawberry.argument(description="A profile you are OWNER or GUARDIAN of; default: your own."),
]


async def managed(info: Info, profile_id: strawberry.ID | None) -> str:
    """The id of a profile the caller manages (OWNER or GUARDIAN): its own, by default."""
    account = info.context.user.id
    if profile_id is None or str(profile_id) == account:
        return account
    people = info.context.services.people

    def check() -> str:
        return people.directory.access(account, str(profile_id)).require_manager().profile_id

    return await offload(check)


def log_push(services: Services, result: PushResult) -> None:
    """A member's push that changed something goes to the profile's access log (the people
    services are built only then)."""
    access = result.access
    changed = {_area(r.collection.name) for r in result.results if r.status in (APPLIED, MERGED)}
    if access is not None and access.logged and changed:
        services.people.access_log.record(access, "syncPush", changed)


def log_pull(services: Services, result: PullResult) -> None:
    """A member's pull that returned records goes to the log; an idle poll costs nothing."""
    access = result.access
    if access is not None and access.logged and result.records:
        areas = {_area(record.collection) for record in result.records}
        services.people.access_log.record(access, "syncPull", areas)


def _area(collection: str) -> str:
    area = area_of(collection)
    return area.value if area is not None else collection
