"""Input objects converted by a plan compiled once per type, instead of Strawberry's walk.

Strawberry turns graphql-core's coerced input (a dict) into input dataclasses by looking at every
field of every value again: its GraphQL name (camel-casing it), its resolved type, whether that is
a list, a Maybe, a leaf... For a push of 100 mutations that is ~50,000 conversions, most of its
GraphQL time. The plan does the same conversion with all of that decided once per type: the same
values, `Some` for `Maybe` fields, UNSET kept, the same error for a null sent for a `Maybe[T]`.
What it does not know (an enum, a GlobalID, a type that builds itself) goes to Strawberry's own
`convert_argument`. Installed as the type's `from_input` hook (`use_plan`); graphql-core has
validated and coerced the value before (types, required fields, `@oneOf`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.lazy_type import LazyType
from strawberry.types.maybe import Some
from strawberry.types.unset import UNSET

Converter = Callable[[Any, InputContext], Any]
_OBJECTS: dict[type, Converter] = {}


def use_plan(*input_types: type) -> None:
    """Convert these input types (and the input objects inside them) by compiled plans."""
    for input_type in input_types:
        input_type.__strawberry_definition__.from_input = _from_input  # type: ignore[attr-defined]


# Converting outside a Strawberry resolver (resolvers/sync/plain.py): the schema's config (Strawberry's
# defaults, resolvers/schema.py) and scalars (Strawberry's own; the schema adds none).
PLAIN_CONTEXT = InputContext(
    info=None, config=StrawberryConfig(), scalar_registry=DEFAULT_SCALAR_REGISTRY, path=()
)


def convert_input(type_: type, value: Mapping[str, Any]) -> Any:
    """graphql-core's coerced value of an input object type as Strawberry's resolver converts it."""
    return _object(type_, PLAIN_CONTEXT)(value, PLAIN_CONTEXT)


def _from_input(type_: type, value: Mapping[str, Any], context: InputContext) -> Any:
    return _object(type_, context)(value, context)


def _object(type_: type, context: InputContext) -> Converter:
    """The converter of one input object type, compiled on first use."""
    found = _OBJECTS.get(type_)
    if found is not None:
        return found
    definition = type_.__strawberry_definition__  # type: ignore[attr-defined]
    missing = dataclasses.MISSING
    defaults = [
        f.python_name
        for f in definition.fields
        if f.default_value is missing and f.default_factory is missing
    ]
    fields: list[tuple[str, str, Converter]] = []

    def convert(value: Mapping[str, Any], context: InputContext) -> Any:
        kwargs: dict[str, Any] = dict.fromkeys(defaults)
        for graphql_name, python_name, converter in fields:
            if graphql_name in value:
                kwargs[python_name] = converter(value[graphql_name], context)
        return type_(**kwargs)

    _OBJECTS[type_] = convert  # before its fields: an input may contain itself
    for field in definition.fields:
        field_type = field.resolve_type(type_definition=definition)
        fields.append(
            (
                context.config.name_converter.from_field(field),
                field.python_name,
                _compile(field_type, context),
            )
        )
    return convert


def _compile(type_: StrawberryType | type, context: InputContext) -> Converter:
    """What converting a value of `type_` takes, decided once (convert_argument's cases, in order)."""
    if isinstance(type_, StrawberryMaybe):
        return _maybe(type_, context)
    if isinstance(type_, StrawberryOptional):
        return _compile(type_.of_type, context)
    if isinstance(type_, LazyType):
        return _compile(type_.resolve_type(), context)
    if isinstance(type_, StrawberryList):
        return _list(type_, context)
    if _is_leaf(type_, context):
        return _same
    if has_object_definition(type_) and type_.__strawberry_definition__.is_input:
        own = type_.__strawberry_definition__.from_input
        if own is None or own is _from_input:
            convert = _object(type_, context)
            return lambda value, context: (
                value if value is None or value is UNSET else convert(value, context)
            )
    return _strawberry(type_)


def _maybe(type_: StrawberryMaybe, context: InputContext) -> Converter:
    inner = type_.of_type
    if isinstance(inner, StrawberryOptional):
        nullable = _compile(inner, context)
        return lambda value, context: Some(nullable(value, context))
    required = _compile(inner, context)
    name = getattr(inner, "__name__", str(inner))

    def convert(value: Any, context: InputContext) -> Any:
        if value is None:
            raise StrawberryInputCoercionError(
                f"Expected value of type '{name}', found null. "
                f"Field of type 'Maybe[{name}]' cannot be explicitly set to null. "
                f"Use 'Maybe[{name} | None]' if you need to allow null values."
            )
        return Some(required(value, context))

    return convert


def _list(type_: StrawberryList, context: InputContext) -> Converter:
    item = type_.of_type
    if _is_leaf(item.of_type if isinstance(item, StrawberryOptional) else item, context):
        # copied: graphql-core gives one default object to every request that omits the value
        return lambda value, context: value if value is None or value is UNSET else list(value)
    convert = _compile(item, context)
    return lambda value, context: (
        value if value is None or value is UNSET else [convert(entry, context) for entry in value]
    )


def _is_leaf(type_: Any, context: InputContext) -> bool:
    """A scalar Strawberry passes on as graphql-core parsed it (not a GlobalID, not an enum)."""
    return (
        type_ is not GlobalID
        and not isinstance(type_, StrawberryType)
        and is_scalar(type_, context.scalar_registry)
    )


def _same(value: Any, context: InputContext) -> Any:
    return value


def _strawberry(type_: StrawberryType | type) -> Converter:
    def convert(value: Any, context: InputContext) -> Any:
        return convert_argument(value, type_, context.scalar_registry, context.config, context.info)

    return convert
