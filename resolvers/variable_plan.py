"""The variables of an operation coerced by a plan compiled once per parsed document.

graphql-core coerces a request's variables by walking the value and its type together
(`coerce_input_value`, one call per value: ~1,800 for a push of 100 mutations), after a walk of
its own checking the nesting depth (`input_is_nested_too_deeply`). Apps send the same few
documents (the manifest's SyncPull, SyncPush, ...), each parsed once (resolvers/document_cache.py),
so for each the variables' types are decided once: a converter per input type, the required
fields, the defaults, `@oneOf`, the scalars whose inputs are their own result. The plan
answers exactly what `coerce_input_value` answers for a value it coerces; for anything it refuses
(a wrong type, a missing field, a null where one is not allowed) it answers None and graphql-core
coerces the variables again, so errors, their messages and paths are graphql-core's own.

What the plan does not compile (a variable with a default, an input type deeper than graphql-core's
nesting bound or containing itself) is coerced by graphql-core as before (`plan` answers None).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    Undefined,
    is_required_input_field,
)
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.pyutils import is_iterable
from graphql.utilities.coerce_input_value import coerce_default_value

Coerce = Callable[[Any], Any]  # a value -> its coerced value, or Undefined where it is invalid
# graphql-core's own scalars answer an input of exactly these types with the input itself.
_OWN_RESULT: tuple[tuple[GraphQLLeafType, type], ...] = (
    (GraphQLString, str),
    (GraphQLID, str),
    (GraphQLBoolean, bool),
)
_INT_LOW, _INT_HIGH = -(2**31), 2**31 - 1


class VariablePlan:
    """The compiled coercion of one operation's variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        variables: list[tuple[GraphQLVariableSignature, bool, Coerce]],
    ) -> None:
        self.schema = schema
        self.operation = operation  # (what graphql-core would coerce: tests/execution_check.py)
        self.variables = variables  # (signature, non-null, converter) in definition order

    def coerce(self, inputs: dict[str, Any]) -> VariableValues | None:
        """`get_variable_values`'s answer for valid inputs; None where graphql-core must decide."""
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, non_null, convert in self.variables:
            name = signature.name
            value = inputs.get(name, Undefined)
            if value is Undefined:
                if non_null:
                    return None  # an error: graphql-core's
                sources[name] = VariableValueSource(signature)
                continue  # an omitted nullable variable (no default: see `plan`)
            sources[name] = VariableValueSource(signature, value)
            try:
                value = convert(value)
            except Exception:  # e.g. an input type's own check refusing it (Strawberry's @oneOf)
                return None
            if value is Undefined:
                return None
            coerced[name] = value
        return VariableValues(sources, coerced)


def plan(schema: GraphQLSchema, operation: OperationDefinitionNode) -> VariablePlan | None:
    """The operation's compiled variable coercion, or None where graphql-core keeps coercing."""
    variables = []
    compiled: dict[str, Coerce] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            return None
        signature = get_variable_signature(schema, definition)
        if isinstance(signature, GraphQLError) or signature.default is not None:
            return None
        if _depth(signature.type, ()) > MAX_NESTING_DEPTH:
            return None
        variables.append(
            (signature, isinstance(signature.type, GraphQLNonNull), _compile(signature.type, compiled))
        )
    return VariablePlan(schema, operation, variables)


def _depth(type_: GraphQLInputType, seen: Collection[str]) -> int:
    """How deep `input_is_nested_too_deeply` can walk a value of this type (lists and objects);
    beyond any bound for a type containing itself."""
    if isinstance(type_, GraphQLNonNull):
        return _depth(type_.of_type, seen)
    if isinstance(type_, GraphQLList):
        return 1 + _depth(type_.of_type, seen)
    if isinstance(type_, GraphQLInputObjectType):
        if type_.name in seen:
            return MAX_NESTING_DEPTH + 1
        inner = (*seen, type_.name)
        return 1 + max((_depth(field.type, inner) for field in type_.fields.values()), default=0)
    return 0


def _compile(type_: GraphQLInputType, compiled: dict[str, Coerce]) -> Coerce:
    """`coerce_input_value(value, type_)`, its cases decided once."""
    if isinstance(type_, GraphQLNonNull):
        inner = _compile(type_.of_type, compiled)
        return lambda value: Undefined if value is None or value is Undefined else inner(value)
    if isinstance(type_, GraphQLList):
        return _list(_compile(type_.of_type, compiled))
    if isinstance(type_, GraphQLInputObjectType):
        found = compiled.get(type_.name)
        return found if found is not None else _object(type_, compiled)
    return _scalar(type_)


def _nullable(convert: Coerce) -> Coerce:
    return lambda value: None if value is None or value is Undefined else convert(value)


def _list(item: Coerce) -> Coerce:
    def convert(value: Any) -> Any:
        if not is_iterable(value):  # a non-list value is a list of one
            one = item(value)
            return Undefined if one is Undefined else [one]
        items = []
        for entry in value:
            entry = item(entry)
            if entry is Undefined:
                return Undefined
            items.append(entry)
        return items

    return _nullable(convert)


def _object(type_: GraphQLInputObjectType, compiled: dict[str, Coerce]) -> Coerce:
    fields = type_.fields
    steps: list[tuple[str, str, bool, Any, Coerce]] = []
    one_of = type_.is_one_of
    out_type = type_.out_type

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            return Undefined
        defined = 0
        for name, entry in value.items():
            if entry is Undefined:
                continue
            defined += 1
            if name not in fields:
                return Undefined
        result: dict[str, Any] = {}
        for name, out_name, required, field, field_convert in steps:
            entry = value.get(name, Undefined)
            if entry is Undefined:
                if required:
                    return Undefined
                default = coerce_default_value(field)  # graphql-core's memoized default
                if default is not Undefined:
                    result[out_name] = default
                continue
            entry = field_convert(entry)
            if entry is Undefined:
                return Undefined
            result[out_name] = entry
        if one_of:
            keys = list(result)
            if defined != 1 or len(keys) != 1 or result[keys[0]] is None:
                return Undefined
        return out_type(result)

    coerce = _nullable(convert)
    compiled[type_.name] = coerce  # before its fields (see _depth: never reached for a cycle)
    for name, field in fields.items():
        steps.append(
            (
                name,
                field.out_name or name,
                is_required_input_field(field),
                field,
                _compile(field.type, compiled),
            )
        )
    return coerce


def _scalar(leaf: GraphQLLeafType) -> Coerce:
    own = next((kind for scalar, kind in _OWN_RESULT if scalar is leaf), None)
    parse = leaf.coerce_input_value
    is_int = leaf is GraphQLInt

    def convert(value: Any) -> Any:
        kind = type(value)
        if kind is own or (is_int and kind is int and _INT_LOW <= value <= _INT_HIGH):
            return value
        try:
            return parse(value)
        except Exception:
            return Undefined

    return _nullable(convert)
