"""The whole suite checks the plain-fields fast path (resolvers/execution.py) against graphql-core.

While installed, every object the fast path completes is completed by graphql-core's normal
execution too, and the two JSON texts must be identical (values, key order, nulls); an object the
normal path errors on, or completes asynchronously, must not be taken by the fast path. What
differs is collected in `DIVERGENCES`, which tests/conftest.py requires empty after each test.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.execution import PlainFieldsExecutionContext

DIVERGENCES: list[str] = []
FAST_PATH = PlainFieldsExecutionContext.complete_object_value  # the real one, unchecked
FAST_OBJECTS = [0]  # how many objects the fast path completed (and were checked)


def checked_complete_object_value(
    self: PlainFieldsExecutionContext,
    return_type: GraphQLObjectType,
    field_details_list: FieldDetailsList,
    info: GraphQLResolveInfo[Any],
    path: Path,
    result: Any,
    position_context: Any,
) -> AwaitableOrValue[dict[str, Any]]:
    plan = self._plan(return_type, field_details_list)
    fast = plan.complete(result, info) if plan is not None else None
    try:
        normal = StrawberryGraphQLCoreExecutionContext.complete_object_value(
            self, return_type, field_details_list, info, path, result, position_context
        )
    except Exception as error:
        if fast is not None:
            DIVERGENCES.append(f"{path.as_list()}: fast path gave {fast!r}, graphql-core raised {error!r}")
        raise
    if fast is None:
        return normal
    FAST_OBJECTS[0] += 1
    if inspect.isawaitable(normal):
        DIVERGENCES.append(f"{path.as_list()}: fast path completed an object graphql-core awaits")
        return normal
    ours, theirs = json.dumps(fast), json.dumps(normal)
    if ours != theirs:
        DIVERGENCES.append(f"{path.as_list()}: fast {ours} != graphql-core {theirs}")
    return normal


def install() -> Any:
    """Replace the fast path by the checked one; returns what to restore."""
    original = PlainFieldsExecutionContext.complete_object_value
    PlainFieldsExecutionContext.complete_object_value = checked_complete_object_value  # type: ignore[method-assign]
    return original


def uninstall(original: Any) -> None:
    PlainFieldsExecutionContext.complete_object_value = original  # type: ignore[method-assign]
