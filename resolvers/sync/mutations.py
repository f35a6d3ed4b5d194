import re
import time
from datetime import datetime
from typing import Any, NamedTuple

import strawberry
from strawberry.utils.str_converters import to_camel_case

from resolvers.context import Context, Info
from resolvers.offload import offload
from resolvers.people.scope import log_push
from resolvers.sync.bindings import CHANGES, RECORDS
from resolvers.sync.inputs import SyncMutationInput, SyncPushInput
from resolvers.sync.types import SyncMutationResult, SyncPushPayload, SyncStatus
from resolvers.syncable import patch
from tether.errors import BadUserInput, TetherError
from tether.model.device import DeviceInfo
from tether.request_budget import PUSH
from tether.services import Services
from tether.sync.engine import Mutation, MutationResult, PushResult


@strawberry.type
class SyncMutation:
    @strawberry.mutation(
        description="Apply a device's queued changes in order, each exactly once (retries are safe)."
    )
    async def sync_push(self, info: Info, input: SyncPushInput) -> SyncPushPayload:
        changes = [Change(item.mutation_id, item.changed_at, *_member(item)) for item in input.mutations]
        return await push(
            info.context,
            str(input.client_id),
            changes,
            input.device.to_core() if input.device is not None else None,
            str(input.profile_id) if input.profile_id is not None else None,
        )


class Change(NamedTuple):
    """One queued mutation as sent: its id, time, SyncChangeInput member (snake_case) and input."""

    mutation_id: int
    changed_at: datetime
    member: str
    value: Any


async def push(
    context: Context, client_id: str, changes: list[Change], device: DeviceInfo | None, profile_id: str | None
) -> SyncPushPayload:
    """Apply a device's changes (the resolver of both paths: Strawberry's and resolvers/sync/plain.py)."""
    user = context.user
    context.budget.spend(PUSH)
    started = time.monotonic()
    mutations = [_mutation(index, change) for index, change in enumerate(changes)]
    result = await offload(
        _push_and_follow_up,
        context.services,
        [change.member for change in changes],
        started,
        user.id,
        client_id,
        mutations,
        device,
        profile_id,
        context.sync_gate(),
    )
    return SyncPushPayload(
        last_mutation_id=result.last_mutation_id,
        results=[_result(item) for item in result.results],
    )


def _push_and_follow_up(
    services: Services, members: list[str], started: float, user_id: str, *push: Any
) -> PushResult:
    """The push, then what follows it once it is durable, in one hand-off to a worker thread."""
    try:
        # A sent chat message's PENDING reply is committed with it (waiting pulls then poll fast).
        result = services.sync.push(user_id, *push)
    except TetherError as error:
        raise in_api_terms(error, members) from None
    profile = result.access.profile_id if result.access is not None else user_id
    log_push(services, result)
    # Deleted attachments' files, chat replies (each domain built only when the push needs it).
    services.follow_up_push(profile, result, started)
    return result


def _mutation(index: int, change: Change) -> Mutation:
    if change.changed_at.tzinfo is None or change.changed_at.utcoffset() is None:
        where = f"mutations[{index}].changedAt"
        raise BadUserInput(
            f"{where} {change.changed_at.isoformat()} has no time-zone offset; send the device's time with "
            "its offset (2026-03-01T09:00:00+10:00) or in UTC (2026-03-01T09:00:00Z)",
            field=where,
        )
    binding = CHANGES[change.member]
    return Mutation(
        mutation_id=change.mutation_id,
        changed_at=change.changed_at,
        collection=binding.collection,
        operation=binding.operation,
        payload=patch(change.value),
    )


def _member(item: SyncMutationInput) -> tuple[str, Any]:
    """The one SyncChangeInput member set (snake_case) and its input."""
    for name in CHANGES:
        value = getattr(item.change, name, None)
        if value is not None and value is not strawberry.UNSET:
            return name, value
    raise AssertionError("@oneOf guarantees one change")  # pragma: no cover


CHANGE_PATH = re.compile(r"^mutations\[(\d+)\]\.change(?=\.|$)")


def in_api_terms(error: TetherError, members: list[str]) -> TetherError:
    """The core names a mutation's fields by their stored names (`mutations[0].change.daily_goal_minutes`);
    the client sent them as `mutations[0].change.savePreferences.dailyGoalMinutes`. Rename the path
    (in `extensions.field` and in the message) for every collection at once."""
    internal = error.extensions.get("field")
    found = CHANGE_PATH.match(internal) if isinstance(internal, str) else None
    if internal is None or found is None or int(found.group(1)) >= len(members):
        return error
    member = members[int(found.group(1))]
    rest = internal[found.end() :].split(".")[1:]
    public = ".".join([found.group(0), to_camel_case(member), *(_camel(part) for part in rest)])
    error.extensions["field"] = public
    error.message = error.message.replace(internal, public)
    error.args = (error.message,)
    return error


def _camel(part: str) -> str:
    """`daily_goal_minutes` -> `dailyGoalMinutes`; an index or key in brackets is kept as it is."""
    name, bracket, tail = part.partition("[")
    return to_camel_case(name) + bracket + tail


def _result(result: MutationResult) -> SyncMutationResult:
    record = None
    if result.record is not None:
        record_type, _ = RECORDS[result.collection.name]
        record = record_type.from_record(result.record)
    return SyncMutationResult(
        mutation_id=result.mutation_id,
        status=SyncStatus(result.status),
        code=result.code,
        message=result.message,
        conflicting_fields=[to_camel_case(name) for name in result.conflicting_fields],
        record=record,  # type: ignore[arg-type]
    )
