"""Variables coerced by the compiled plan (resolvers/variable_plan.py) exactly as graphql-core coerces
them: the same values for valid inputs (checked suite-wide too: tests/execution_check.py), and for
every invalid input graphql-core's own errors, messages and locations."""

from __future__ import annotations

import asyncio
import copy
import importlib
import json
from typing import Any

import graphql.execution.values
import pytest
from graphql import OperationDefinitionNode, parse
from graphql.execution import get_variable_values
from ulid import ULID

from resolvers import execution
from resolvers.schema import build_schema
from resolvers.variable_plan import VariablePlan, plan
from tests import execution_check
from tests.conftest import GraphQLClient
from tests.operations import OPERATIONS, operation
from tether.settings import Settings

coercion = importlib.import_module("graphql.utilities.coerce_input_value")  # (the package shadows it)
CHANGED_AT = "2026-03-01T09:00:00+10:00"
MUTATION = {
    "mutationId": 1,
    "changedAt": CHANGED_AT,
    "change": {"savePiece": {"id": "01J0000000000000000000PIECE", "title": "Aloha", "tags": ["a", "b"]}},
}
PUSH: dict[str, Any] = {"input": {"clientId": "phone", "mutations": [MUTATION]}}
PULL: dict[str, Any] = {"input": {"clientId": "phone", "cursor": None, "limit": 50}}


def _with(variables: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(variables)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


_DROP = object()
M = ("input", "mutations", 0)
VALID = [
    ("SyncPush", PUSH),
    ("SyncPush", _with(PUSH, ("input", "mutations"), MUTATION)),  # a lone value is a list of one
    ("SyncPush", _with(PUSH, ("input", "profileId"), None)),
    ("SyncPush", _with(PUSH, ("input", "clientId"), 7)),  # an ID may be sent as an integer
    ("SyncPush", _with(PUSH, (*M, "mutationId"), 2**31 - 1)),
    ("SyncPush", _with(PUSH, (*M, "change", "savePiece", "tags"), "one")),
    ("SyncPull", PULL),
    ("SyncPull", _with(PULL, ("input", "cursor"), _DROP)),
    ("SyncPull", _with(PULL, ("input", "limit"), 50.0)),  # an integral float is an Int
]
INVALID = [
    ("SyncPush", {}),  # the variable missing
    ("SyncPush", {"input": None}),
    ("SyncPush", {"input": "push"}),
    ("SyncPush", _with(PUSH, ("input", "clientId"), _DROP)),  # a required field missing
    ("SyncPush", _with(PUSH, ("input", "clientId"), None)),
    ("SyncPush", _with(PUSH, ("input", "clientId"), True)),  # a bool is no ID
    ("SyncPush", _with(PUSH, ("input", "extra"), 1)),  # an unknown field
    ("SyncPush", _with(PUSH, (*M, "mutationId"), 2**31)),  # beyond 32 bits
    ("SyncPush", _with(PUSH, (*M, "mutationId"), 1.5)),
    ("SyncPush", _with(PUSH, (*M, "mutationId"), "1")),
    ("SyncPush", _with(PUSH, (*M, "changedAt"), "yesterday")),
    ("SyncPush", _with(PUSH, (*M, "change"), {})),  # @oneOf: none set
    ("SyncPush", _with(PUSH, (*M, "change", "deletePiece"), {"id": "x"})),  # @oneOf: two set
    ("SyncPush", _with(PUSH, (*M, "change"), {"savePiece": None})),  # @oneOf: a null member
    ("SyncPush", _with(PUSH, (*M, "change", "savePiece", "tags"), [None])),
    ("SyncPush", _with(PUSH, ("input", "mutations"), [MUTATION, None])),
    ("SyncPull", _with(PULL, ("input", "limit"), "ten")),
    ("SyncPull", _with(PULL, ("input", "limit"), 2.5)),
]


@pytest.fixture
def schema(settings: Settings) -> Any:
    return build_schema(settings)


def _execute(schema: Any, name: str, variables: dict[str, Any]) -> Any:
    return asyncio.run(schema.execute(operation(name), variable_values=variables))


def _errors(schema: Any, name: str, variables: dict[str, Any]) -> str:
    result = _execute(schema, name, variables)
    assert result.data is None
    return json.dumps([error.formatted for error in result.errors or []])


def _operation(name: str) -> OperationDefinitionNode:
    return next(d for d in parse(operation(name)).definitions if isinstance(d, OperationDefinitionNode))


def test_every_operation_without_variable_defaults_is_planned(schema: Any) -> None:
    operations = [
        definition
        for path in sorted(OPERATIONS.glob("*.graphql"))
        for definition in parse(path.read_text()).definitions
        if isinstance(definition, OperationDefinitionNode) and definition.variable_definitions
    ]
    planned = {
        definition.name.value: plan(schema._schema, _operation(definition.name.value)) is not None  # type: ignore[union-attr]
        for definition in operations
    }
    assert planned["SyncPull"]
    assert planned["SyncPush"]
    # graphql-core coerces those with a default (`maybe_use_default_value`), the rest are planned
    assert planned == {
        d.name.value: not any(v.default_value for v in d.variable_definitions)  # type: ignore[union-attr]
        for d in operations
    }


@pytest.mark.parametrize(("name", "variables"), VALID)
def test_valid_variables_are_what_graphql_core_coerces(
    schema: Any, name: str, variables: dict[str, Any]
) -> None:
    operation_node = _operation(name)
    planned = plan(schema._schema, operation_node)
    assert planned is not None
    fast = execution_check.PLANNED_COERCE(planned, variables)
    normal = get_variable_values(schema._schema, operation_node.variable_definitions or (), variables)
    assert fast is not None
    assert not isinstance(normal, list)
    assert repr(fast) == repr(normal)
    assert fast.coerced == normal.coerced


@pytest.mark.parametrize(("name", "variables"), INVALID)
def test_invalid_variables_get_graphql_cores_own_errors(
    schema: Any, name: str, variables: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    operation_node = _operation(name)
    planned = plan(schema._schema, operation_node)
    assert planned is not None
    assert execution_check.PLANNED_COERCE(planned, variables) is None
    ours = _errors(schema, name, variables)
    monkeypatch.setattr(execution, "_prepared_build", lambda *_: None)  # graphql-core's build only
    assert ours == _errors(schema, name, variables)
    assert json.loads(ours)  # (and there are errors)


def test_a_push_of_100_is_coerced_without_graphql_cores_walk(
    schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graphql-core walks every value of the input (~1,800 calls for 100 mutations); the plan none."""
    calls = [0]
    walk = coercion.coerce_input_value

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return walk(*args)

    monkeypatch.setattr(coercion, "coerce_input_value", counted)  # (its recursion too)
    monkeypatch.setattr(graphql.execution.values, "coerce_input_value", counted)
    monkeypatch.setattr(VariablePlan, "coerce", execution_check.PLANNED_COERCE)  # unchecked
    mutations = [{**MUTATION, "mutationId": n + 1} for n in range(100)]
    variables = {"input": {"clientId": "phone", "mutations": mutations}}
    for _ in range(2):  # the first request compiles the plan, the second reuses it
        result = _execute(schema, "SyncPush", variables)
        assert result.errors  # the resolver ran (and found no request context, no user)
        assert result.errors[0].path == ["syncPush"]
    assert calls[0] == 0


def test_a_push_of_100_completes_its_results_without_graphql_cores_field_walk(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each result (mutationId, status, ..., and its record: a SyncRecord union) is completed by
    its plan in one step, not field by field (~700 field executions for 100 results)."""
    executed = execution_check.fields_executed(monkeypatch)
    mutations = [
        {**MUTATION, "mutationId": n + 1, "change": {"savePiece": {"id": str(ULID()), "title": f"Piece {n}"}}}
        for n in range(100)
    ]
    data = gql.data(operation("SyncPush"), {"input": {"clientId": "phone", "mutations": mutations}})
    results = data["syncPush"]["results"]
    assert [r["status"] for r in results] == ["APPLIED"] * 100
    assert {r["record"]["__typename"] for r in results} == {"Piece"}
    assert executed == ["Mutation", "SyncPushPayload", "SyncPushPayload"]
