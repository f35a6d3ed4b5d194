"""GraphQL execution that completes objects of plain fields in one step.

graphql-core resolves every field of every object on its own (`execute_field` → resolver →
`complete_value` → `coerce_output_value`, with a resolve info built per field): for a page of
500 synced records that is 6,000 field executions, most of a pull's server time. Most objects we
return are plain data: every selected field is a leaf (scalar, enum, or list of them) read by
Strawberry's default resolver, with no arguments, no field extensions and no schema middleware.

For such an object this execution context builds a plan once per (type, selection), from
graphql-core's own field collection (fragments, `@skip`/`@include`, aliases and `__typename`
included), and completes each object by reading its attributes and coercing them with the same
`coerce_output_value` graphql-core would call, in the same order. Anything the plan does not
cover exactly (a missing attribute, a null in a non-null field, a value the scalar refuses, an
awaitable, `is_type_of` saying no) falls back to graphql-core's normal completion of that object,
so errors, their paths and messages are graphql-core's own. tests/http/test_execution.py runs
every operation of graphql/operations/ both ways and compares the JSON byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLString,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_MISSING = object()
# graphql-core's own scalars answer a value of exactly these types with the value itself (Int only
# within its 32 bits): the plan passes such values through without calling the scalar.
_PASSED_THROUGH: tuple[tuple[GraphQLLeafType, type], ...] = (
    (GraphQLString, str),
    (GraphQLID, str),
    (GraphQLBoolean, bool),
    (GraphQLInt, int),
)
_INT_LOW, _INT_HIGH = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One selected field: where its value is read from and how it is coerced."""

    key: str  # the response name (alias or field name)
    attribute: str | None  # the Python attribute; None for `__typename`
    leaf: GraphQLLeafType | None
    non_null: bool
    is_list: bool = False
    item_non_null: bool = False
    passed: type | None = None  # values of exactly this type are their own result (see _passes)


@dataclass(frozen=True, slots=True)
class _Plan:
    type_name: str
    leaves: tuple[_Leaf, ...]
    is_type_of: Callable[[Any, GraphQLResolveInfo[Any]], Any] | None

    def complete(self, source: Any, info: GraphQLResolveInfo[Any]) -> dict[str, Any] | None:
        """The object's result, or None where graphql-core's own completion must decide."""
        if self.is_type_of is not None and self.is_type_of(source, info) is not True:
            return None
        completed: dict[str, Any] = {}
        try:
            for leaf in self.leaves:
                if leaf.attribute is None:
                    completed[leaf.key] = self.type_name
                    continue
                value = getattr(source, leaf.attribute, _MISSING)
                if value is None or value is Undefined:
                    if leaf.non_null:
                        return None
                    completed[leaf.key] = None
                elif value is _MISSING or isinstance(value, Exception):
                    return None
                elif leaf.is_list:
                    items = _list(value, leaf)
                    if items is None:
                        return None
                    completed[leaf.key] = items
                elif _passes(value, leaf.passed):
                    completed[leaf.key] = value
                else:
                    coerced = leaf.leaf.coerce_output_value(value)  # type: ignore[union-attr]
                    if coerced is None or coerced is Undefined:
                        return None
                    completed[leaf.key] = coerced
        except Exception:
            return None
        return completed


def _list(value: Any, leaf: _Leaf) -> list[Any] | None:
    if not isinstance(value, (list, tuple)):
        return None
    assert leaf.leaf is not None
    coerce = leaf.leaf.coerce_output_value
    passed = leaf.passed
    items: list[Any] = []
    for item in value:
        if _passes(item, passed):
            items.append(item)
            continue
        if item is None:
            if leaf.item_non_null:
                return None
            items.append(None)
            continue
        coerced = coerce(item)
        if coerced is None or coerced is Undefined:
            return None
        items.append(coerced)
    return items


def _leaf(key: str, attribute: str, field_type: GraphQLOutputType) -> _Leaf | None:
    """The plan step of a leaf field (or list of leaves), None for any other type."""
    non_null = is_non_null_type(field_type)
    inner = get_nullable_type(field_type)
    if is_leaf_type(inner):
        return _Leaf(key, attribute, inner, non_null, passed=_passed(inner))
    if is_list_type(inner):
        item = inner.of_type
        item_non_null = is_non_null_type(item)
        item = get_nullable_type(item)
        if is_leaf_type(item):
            return _Leaf(key, attribute, item, non_null, True, item_non_null, _passed(item))
    return None


def _passed(leaf: GraphQLLeafType) -> type | None:
    """The type whose values `leaf` answers unchanged: only for graphql-core's own scalar objects
    (a custom scalar, even of the same name, may serialize differently)."""
    return next((kind for scalar, kind in _PASSED_THROUGH if scalar is leaf), None)


def _passes(value: Any, passed: type | None) -> bool:
    """`value` is its own result: exactly the passed type (not a subclass: bool is an int), an
    Int within 32 bits."""
    kind = type(value)
    return kind is passed and (kind is not int or _INT_LOW <= value <= _INT_HIGH)


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain-data objects by a cached plan."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Plan | None]] = {}
        self._plain_resolution = self.middleware_manager is None or (
            self.middleware_manager.get_field_resolver(_probe) is _probe
        )

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self._plan(return_type, field_details_list)
        if plan is not None:
            completed = plan.complete(result, info)
            if completed is not None:
                return completed
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Plan | None:
        # Memoized like graphql-core's collect_subfields: on the identity of the field group,
        # kept alive with the plan so that its id cannot be reused during this execution.
        key = (return_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            cached = (field_details_list, self._build_plan(return_type, field_details_list))
            self._plans[key] = cached
        return cached[1]

    def _build_plan(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Plan | None:
        if not self._plain_resolution:
            return None
        grouped, new_defer_usages, forbidden = self.collect_subfields(return_type, field_details_list)
        if new_defer_usages or forbidden:
            return None
        leaves = []
        for response_key, group in grouped.items():
            node = group[0].node
            name = node.name.value
            if name == "__typename":
                leaves.append(_Leaf(response_key, None, None, True))
                continue
            field = return_type.fields.get(name)
            if field is None or field.args or node.arguments:
                return None
            if field.resolve is None or not getattr(field.resolve, "_is_default", False):
                return None  # a resolver of its own (or graphql-core's dict-or-attribute default)
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is None or getattr(definition, "default_resolver", None) is not getattr:
                return None  # a configured default resolver: let it read the value
            attribute = str(definition.python_name)
            leaf = _leaf(response_key, attribute, field.type) if attribute else None
            if leaf is None:
                return None
            leaves.append(leaf)
        return _Plan(return_type.name, tuple(leaves), return_type.is_type_of)


def _probe(*_: Any, **__: Any) -> None:  # pragma: no cover - only compared, never called
    return None
