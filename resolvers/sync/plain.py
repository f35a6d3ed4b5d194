"""syncPull and syncPush as plain data on graphql-core's schema built from the SDL.

The trusted executor (resolvers/trusted.py) runs the manifest's SyncPull and SyncPush on
`sdl_schema()` (resolvers/lazy_schema.py), so a Lambda answering syncs never builds Strawberry's
schema. Strawberry's resolver wrapper (its Info, the arguments converted into input dataclasses,
the permission and extension machinery) is not on that path: the root fields' resolvers below take
graphql-core's coerced variables as they are (dicts keyed by the GraphQL names) and make the same
core calls as the Strawberry resolvers (resolvers/sync/queries.py `pull`, mutations.py `push`).

What the payloads' completion needs from Strawberry is attached to the SDL schema's types once
(`attach`): the Strawberry definition of each object type and field the payloads reach (the plan
and the record writer of resolvers/execution.py read them), the default resolver of each field
(Strawberry's `getattr` of the Python name), `is_type_of` of the types implementing an interface,
the `SyncRecord` union's type resolution and the enums' Python values, each as Strawberry's schema
converter makes them. tests/http/test_trusted.py compares both paths byte for byte.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
)
from strawberry.exceptions import WrongReturnTypeForUnion
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.base import (
    StrawberryContainer,
    StrawberryObjectDefinition,
    has_object_definition,
)
from strawberry.types.cast import get_strawberry_type_cast
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.union import StrawberryUnion
from strawberry.utils.str_converters import to_camel_case

from resolvers.input_plan import convert_input
from resolvers.lazy_schema import sdl_schema
from resolvers.sync.bindings import CHANGES
from resolvers.sync.queries import pull
from resolvers.sync.types import SyncPullInput, SyncPullPayload, SyncPushPayload
from tether.model.device import DeviceInfo

if TYPE_CHECKING:
    from resolvers.sync.mutations import Change

# Strawberry's converter with the schema's config (resolvers/schema.py: Strawberry's defaults, no
# scalar overrides, no exception handlers), for the fields' resolvers; it builds no schema.
CONVERTER = GraphQLCoreConverter(
    StrawberryConfig(), scalar_overrides={}, scalar_map={}, get_fields=lambda d: d.fields
)
NAMES = CONVERTER.config.name_converter


async def resolve_sync_pull(
    _root: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]
) -> SyncPullPayload:
    """Query.syncPull of graphql-core's coerced `input` (SyncPullInput, its defaults filled in)."""
    return await pull(
        info.context,
        input["clientId"],
        input["cursor"],
        input["limit"],
        input["waitSeconds"],
        _device(input["device"]),
        input["profileId"],
    )


async def resolve_sync_push(
    _root: Any, info: GraphQLResolveInfo[Any], input: dict[str, Any]
) -> SyncPushPayload:
    """Mutation.syncPush of graphql-core's coerced `input` (SyncPushInput)."""
    # Imported by the first push, not in init: a Lambda answering pulls never builds the push's
    # Strawberry input types (every domain's inputs.py, resolvers/sync/inputs.py), ~40-60 ms.
    from resolvers.sync.mutations import push

    changes = [_change(item) for item in input["mutations"]]
    return await push(info.context, input["clientId"], changes, _device(input["device"]), input["profileId"])


def _device(device: Mapping[str, Any] | None) -> DeviceInfo | None:
    """DeviceInput.to_core of the coerced value."""
    if device is None:
        return None
    return DeviceInfo(name=device["name"], platform=device["platform"], app_version=device["appVersion"])


def _change(item: Mapping[str, Any]) -> Change:
    """One SyncMutationInput: the @oneOf change's member (graphql-core checked there is one), its
    input converted as Strawberry converts it (resolvers/input_plan.py: `Maybe` fields, nested inputs)."""
    from resolvers.sync.mutations import Change  # (imported by the first push, resolve_sync_push)

    ((name, value),) = item["change"].items()
    member = MEMBERS[name]
    return Change(
        item["mutationId"], item["changedAt"], member, convert_input(change_inputs()[member], value)
    )


MEMBERS = {to_camel_case(name): name for name in CHANGES}  # SyncChangeInput's GraphQL name -> member


@functools.cache
def change_inputs() -> dict[str, type]:
    """Each SyncChangeInput member's input type (PieceInput, DeleteInput, ...)."""
    from resolvers.sync.inputs import SyncChangeInput  # (imported by the first push, resolve_sync_push)

    definition: StrawberryObjectDefinition = SyncChangeInput.__strawberry_definition__  # type: ignore[attr-defined]
    found = {}
    for field in definition.fields:
        (input_type,) = (named for named in _named(field.type) if has_object_definition(named))
        found[field.python_name] = input_type
    return found


_lock = threading.Lock()


def attach(schema: GraphQLSchema) -> GraphQLSchema:
    """`schema` (graphql-core's, of the SDL) with the sync root fields resolved as plain data and
    what the payloads' completion needs from Strawberry attached (once per schema object)."""
    with _lock:
        if schema.extensions.get("tether-sync-attached"):
            return schema
        query, mutation = schema.query_type, schema.mutation_type
        assert query is not None
        assert mutation is not None
        query.fields["syncPull"].resolve = resolve_sync_pull
        mutation.fields["syncPush"].resolve = resolve_sync_push
        # Not SyncPushInput: its types are imported by the first push, and it reaches no enum or union
        # that the payloads do not (tests/deploy/test_coldstart_domains.py), so nothing of it needs attaching.
        for named in _reached((SyncPullPayload, SyncPushPayload, SyncPullInput)):
            _attach(schema, named)
        schema.extensions = {**(schema.extensions or {}), "tether-sync-attached": True}
    return schema


def _attach(schema: GraphQLSchema, named: Any) -> None:
    if isinstance(named, StrawberryUnion):
        union = schema.type_map[NAMES.from_union(named)]
        assert isinstance(union, GraphQLUnionType)
        union.resolve_type = _union_resolver(frozenset(t.name for t in union.types))
    elif isinstance(named, StrawberryEnumDefinition):
        _attach_enum(schema, named)
    elif has_object_definition(named):
        definition: StrawberryObjectDefinition = named.__strawberry_definition__
        if not definition.is_input and not definition.is_interface:
            _attach_object(schema, definition)


def _attach_object(schema: GraphQLSchema, definition: StrawberryObjectDefinition) -> None:
    """Strawberry's from_object for one type: its definition, each field's resolver (Strawberry's own:
    a basic field's reads the attribute, e.g. Track.locked's runs its method), is_type_of."""
    object_type = schema.type_map[definition.name]
    assert isinstance(object_type, GraphQLObjectType)
    assert definition.concrete_of is None
    object_type.extensions = {**(object_type.extensions or {}), "strawberry-definition": definition}
    for field in definition.fields:
        found = object_type.fields[NAMES.from_field(field)]
        found.extensions = {**(found.extensions or {}), "strawberry-definition": field}
        found.resolve = CONVERTER.from_resolver(field)
    if definition.is_type_of is not None:
        object_type.is_type_of = definition.is_type_of
    elif definition.interfaces:
        possible = (*(interface.origin for interface in definition.interfaces), definition.origin)

        def is_type_of(obj: Any, _info: GraphQLResolveInfo[Any]) -> bool:
            if (type_cast := get_strawberry_type_cast(obj)) is not None:
                return type_cast in possible
            return isinstance(obj, possible)

        object_type.is_type_of = is_type_of


def _union_resolver(names: frozenset[str]) -> Callable[[Any, GraphQLResolveInfo[Any], Any], str]:
    """StrawberryUnion's type resolver, for the objects the sync payloads hold (Strawberry objects)."""

    def resolve(root: Any, info: GraphQLResolveInfo[Any], _union: Any) -> str:
        name = root.__strawberry_definition__.name if has_object_definition(root) else None
        if name not in names:
            raise WrongReturnTypeForUnion(info.field_name, str(type(root)))
        return str(name)

    return resolve


def _attach_enum(schema: GraphQLSchema, enum: StrawberryEnumDefinition) -> None:
    """The SDL's enum with Strawberry's values and coercion (Python enum members in and out)."""
    found = schema.type_map[enum.name]
    assert isinstance(found, GraphQLEnumType)
    strawberry_s = CustomGraphQLEnumType(
        enum=enum,
        name=enum.name,
        values={NAMES.from_enum_value(enum, item): GraphQLEnumValue(item.value) for item in enum.values},
    )
    for name, value in strawberry_s.values.items():
        found.values[name].value = value.value
    for method in (
        "serialize",
        "coerce_output_value",
        "parse_value",
        "coerce_input_value",
        "parse_literal",
        "coerce_input_literal",
    ):
        setattr(found, method, getattr(strawberry_s, method))
    found.__dict__.pop("_value_lookup", None)  # (graphql-core's cached lookup of the old values)


def _reached(roots: tuple[type, ...]) -> Iterator[Any]:
    """The object types, unions and enums reached from `roots` (each once)."""
    seen: set[int] = set()
    pending: list[Any] = list(roots)
    while pending:
        named = pending.pop()
        if id(named) in seen:
            continue
        seen.add(id(named))
        yield named
        if isinstance(named, StrawberryUnion):
            pending.extend(named.types)
        elif has_object_definition(named):
            for field in named.__strawberry_definition__.fields:
                pending.extend(_named(field.type))


def _named(type_: Any) -> list[Any]:
    """The named types inside a field's type (through lists, optionals and lazy types)."""
    if isinstance(type_, StrawberryContainer):
        return _named(type_.of_type)
    if isinstance(type_, LazyType):
        return _named(type_.resolve_type())
    if has_enum_definition(type_):
        return [type_.__strawberry_definition__]
    if isinstance(type_, StrawberryUnion | StrawberryEnumDefinition) or has_object_definition(type_):
        return [type_]
    return []


@functools.cache
def plain_sdl_schema() -> GraphQLSchema:
    """The SDL schema of the process with the sync root fields attached (resolvers/lazy_schema.py)."""
    return attach(sdl_schema())
