from __future__ import annotations

import time

import strawberry
from strawberry.utils.str_converters import to_camel_case

from resolvers.context import Info
from resolvers.offload import offload
from resolvers.sync.bindings import CHANGES, RECORDS
from resolvers.sync.types import (
    SyncMutationInput,
    SyncMutationResult,
    SyncPushInput,
    SyncPushPayload,
    SyncStatus,
)
from resolvers.syncable import patch
from tether.sync.engine import Mutation, MutationResult


@strawberry.type
class SyncMutation:
    @strawberry.mutation(
        description="Apply a device's queued changes in order, each exactly once (retries are safe)."
    )
    async def sync_push(self, info: Info, input: SyncPushInput) -> SyncPushPayload:
        user = info.context.user
        started = time.monotonic()
        mutations = [_mutation(item) for item in input.mutations]
        device = input.device.to_core() if input.device is not None else None
        result = await offload(
            info.context.services.sync.push, user.id, str(input.client_id), mutations, device
        )
        # Assistant replies to sent chat messages (within a time budget; they arrive by pull).
        await offload(info.context.services.chat.after_push, user.id, result.results, started)
        return SyncPushPayload(
            last_mutation_id=result.last_mutation_id,
            results=[_result(item) for item in result.results],
        )


def _mutation(item: SyncMutationInput) -> Mutation:
    for name, binding in CHANGES.items():
        value = getattr(item.change, name, None)
        if value is not None and value is not strawberry.UNSET:
            return Mutation(
                mutation_id=item.mutation_id,
                changed_at=item.changed_at,
                collection=binding.collection,
                operation=binding.operation,
                payload=patch(value),
            )
    raise AssertionError("@oneOf guarantees one change")  # pragma: no cover


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
