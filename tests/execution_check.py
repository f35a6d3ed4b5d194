"""The whole suite checks the plain-fields fast path (resolvers/execution.py) and the compiled
variable coercion (resolvers/variable_plan.py) against graphql-core, and runs the trusted-operation
executor (resolvers/trusted.py) on the SyncPull and SyncPush texts tests send (graphql/operations/
without the manifest's `__typename`s) as well as on the manifest's: every sync test of the suite
then goes through it (tests/http/test_trusted.py compares it with Strawberry's execute).

While installed, every object the fast path completes, and every list of synced records it writes
straight from the core records (every syncPull's pieces, sessions, ...), is completed by
graphql-core's normal execution too, and the two JSON texts must be identical (values, key order,
nulls); an object or list the normal path errors on, or completes asynchronously, must not be taken
by the fast path. What
differs is collected in `DIVERGENCES`, which tests/conftest.py requires empty after each test.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLList, GraphQLObjectType, GraphQLOutputType, GraphQLResolveInfo
from graphql.execution import get_variable_values
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import resolvers.trusted
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.trusted import TRUSTED_OPERATIONS, trusted_texts
from resolvers.variable_plan import VariablePlan
from tests.operations import operation
from tether.persisted import Manifest

DIVERGENCES: list[str] = []
FAST_PATH = PlainFieldsExecutionContext.complete_object_value  # the real one, unchecked
FAST_LISTS = PlainFieldsExecutionContext.complete_list_value
FAST_OBJECTS = [0]  # how many objects the fast path completed (and were checked)
FAST_RECORDS = [0]  # how many records the record writer wrote (and were checked)
FAST_VARIABLES = [0]  # how many requests' variables the compiled plan coerced (and were checked)
PLANNED_COERCE = VariablePlan.coerce


def checked_coerce(self: VariablePlan, inputs: dict[str, Any]) -> Any:
    """The plan's coercion, compared with graphql-core's `get_variable_values` of the same inputs:
    equal values (and sources) where the plan answers, errors where it answers None."""
    fast = PLANNED_COERCE(self, inputs)
    normal = get_variable_values(self.schema, self.operation.variable_definitions or (), inputs)
    if fast is None:
        return None
    FAST_VARIABLES[0] += 1
    if isinstance(normal, list):
        DIVERGENCES.append(f"variables: the plan coerced {inputs!r}, graphql-core refused: {normal!r}")
    elif repr(fast) != repr(normal) or fast.coerced != normal.coerced:  # (types: wrappers are new)
        DIVERGENCES.append(f"variables: the plan gave {fast!r} != graphql-core {normal!r}")
    return fast


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
    if fast is not None:
        FAST_OBJECTS[0] += 1
    completed: AwaitableOrValue[dict[str, Any]] = _checked(
        "fast path",
        path,
        fast,
        lambda: StrawberryGraphQLCoreExecutionContext.complete_object_value(
            self, return_type, field_details_list, info, path, result, position_context
        ),
    )
    return completed


def checked_complete_list_value(
    self: PlainFieldsExecutionContext,
    return_type: GraphQLList[GraphQLOutputType],
    field_details_list: FieldDetailsList,
    info: GraphQLResolveInfo[Any],
    path: Path,
    result: Any,
    position_context: Any,
) -> AwaitableOrValue[list[Any]]:
    fast = self.write_records(return_type, field_details_list, info, result)
    if fast is not None:
        FAST_RECORDS[0] += len(fast)
    written: AwaitableOrValue[list[Any]] = _checked(
        "record writer",
        path,
        fast,
        lambda: StrawberryGraphQLCoreExecutionContext.complete_list_value(
            self, return_type, field_details_list, info, path, result, position_context
        ),
    )
    return written


def _checked(what: str, path: Path, fast: Any, normal_completion: Callable[[], Any]) -> Any:
    """graphql-core's completion, with what `what` answered (None: nothing) compared to it."""
    try:
        normal = normal_completion()
    except Exception as error:
        if fast is not None:
            DIVERGENCES.append(f"{path.as_list()}: {what} gave {fast!r}, graphql-core raised {error!r}")
        raise
    if fast is None:
        return normal
    if inspect.isawaitable(normal):
        DIVERGENCES.append(f"{path.as_list()}: {what} completed a value graphql-core awaits")
        return normal
    ours, theirs = json.dumps(fast), json.dumps(normal)
    if ours != theirs:
        DIVERGENCES.append(f"{path.as_list()}: {what} {ours} != graphql-core {theirs}")
    return normal


def fields_executed(monkeypatch: Any) -> list[str]:
    """The parent type of every field graphql-core executes one by one from now on (the fast paths
    unchecked: the check completes everything the normal way too)."""
    executed: list[str] = []
    execute_field = StrawberryGraphQLCoreExecutionContext.execute_field

    def counted(self: Any, parent_type: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(parent_type.name)
        return execute_field(self, parent_type, *args, **kwargs)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_field", counted)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_object_value", FAST_PATH)
    monkeypatch.setattr(PlainFieldsExecutionContext, "complete_list_value", FAST_LISTS)
    return executed


def suite_trusted_texts(manifest: Manifest) -> list[str]:
    """The manifest's trusted texts and the same operations as the tests send them."""
    return [*trusted_texts(manifest), *(operation(name) for name in sorted(TRUSTED_OPERATIONS))]


def install() -> Any:
    """Replace the fast paths by the checked ones; returns what to restore."""
    original = (
        PlainFieldsExecutionContext.complete_object_value,
        PlainFieldsExecutionContext.complete_list_value,
        VariablePlan.coerce,
        resolvers.trusted.trusted_texts,
    )
    resolvers.trusted.trusted_texts = suite_trusted_texts
    PlainFieldsExecutionContext.complete_object_value = checked_complete_object_value  # type: ignore[method-assign]
    PlainFieldsExecutionContext.complete_list_value = checked_complete_list_value  # type: ignore[method-assign]
    VariablePlan.coerce = checked_coerce  # type: ignore[method-assign]
    return original


def uninstall(original: Any) -> None:
    objects, lists, coerce, texts = original
    resolvers.trusted.trusted_texts = texts
    VariablePlan.coerce = coerce  # type: ignore[method-assign]
    PlainFieldsExecutionContext.complete_object_value = objects  # type: ignore[method-assign]
    PlainFieldsExecutionContext.complete_list_value = lists  # type: ignore[method-assign]
