"""Batched requests: a JSON array of operations, run in order, answered as an array (BatchHttpLink)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from resolvers.refused import RequestRefused

# One operation's response body and count of internal errors.
Runner = Callable[[Mapping[str, Any]], Awaitable[tuple[dict[str, Any], int]]]


async def run_batch(payload: list[Any], run: Runner, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Run each operation of a batch in order, each against every limit, with the request's one
    sync budget (one waiting syncPull, one syncPush); a refused operation gets its error in place."""
    if not payload:
        raise RequestRefused(400, "A batch must hold at least one operation", reason="EMPTY_BATCH")
    if len(payload) > limit:
        raise RequestRefused(
            400,
            f"A batch may hold at most {limit} operations, not {len(payload)}",
            reason="BATCH_TOO_LARGE",
            limit=limit,
        )
    bodies: list[dict[str, Any]] = []
    internal_errors = 0
    for entry in payload:
        if not isinstance(entry, dict):
            message = "Each operation of a batch must be a JSON object"
            bodies.append({"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]})
            continue
        body, errors = await run(entry)
        bodies.append(body)
        internal_errors += errors
    return bodies, internal_errors
