from typing import Any

import strawberry

from resolvers.context import Context, Info
from resolvers.offload import offload
from resolvers.people.scope import log_pull
from resolvers.sync.bindings import RECORDS
from resolvers.sync.types import SyncPullInput, SyncPullPayload
from resolvers.syncable import RecordList
from tether.model.device import DeviceInfo
from tether.request_budget import WAITING_PULL
from tether.services import Services
from tether.sync.engine import PullResult


@strawberry.type
class SyncQuery:
    @strawberry.field(
        description="Changes since the cursor, oldest first, each record at its latest state. "
        "Poll it (optionally with waitSeconds) for subscription-like updates."
    )
    async def sync_pull(self, info: Info, input: SyncPullInput) -> SyncPullPayload:
        return await pull(
            info.context,
            str(input.client_id),
            input.cursor,
            input.limit,
            input.wait_seconds,
            input.device.to_core() if input.device is not None else None,
            str(input.profile_id) if input.profile_id is not None else None,
        )


async def pull(
    context: Context,
    client_id: str,
    cursor: str | None,
    limit: int,
    wait_seconds: int,
    device: DeviceInfo | None,
    profile_id: str | None,
) -> SyncPullPayload:
    """One page of changes (the resolver of both paths: Strawberry's and resolvers/sync/plain.py)."""
    user = context.user
    if wait_seconds and not context.budget.try_spend(WAITING_PULL):
        wait_seconds = 0  # the request already has its waiting pull (tether/request_budget.py)
    result = await offload(
        _pull_and_log,
        context.services,
        user.id,
        client_id,
        cursor,
        limit,
        wait_seconds,
        device,
        profile_id,
        context.sync_gate(),
    )
    # Each list keeps the core records: its GraphQL objects are built only if graphql-core
    # completes the list item by item; else resolvers/execution.py writes it from the records.
    lists: dict[str, Any] = {field: RecordList(record_type) for record_type, field in RECORDS.values()}
    for record in result.records:
        binding = RECORDS.get(record.collection)
        if binding is not None:
            lists[binding[1]].records.append(record)
    return SyncPullPayload(
        cursor=result.cursor,
        has_more=result.has_more,
        reset_required=result.reset_required,
        last_mutation_id=result.last_mutation_id,
        **lists,
    )


def _pull_and_log(services: Services, *args: Any) -> PullResult:
    """The pull and its access-log entry, in one hand-off to a worker thread."""
    result = services.sync.pull(*args)
    log_pull(services, result)
    return result
