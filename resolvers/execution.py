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

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLString,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList, FragmentDetails
from graphql.execution.executor import default_field_resolver, default_type_resolver
from graphql.execution.middleware import MiddlewareManager
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type import assert_valid_schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat

from resolvers.syncable import RECORD_ATTRIBUTES, Getter, RecordList, record_fields, record_getters
from resolvers.variable_plan import VariablePlan
from resolvers.variable_plan import plan as variable_plan
from tether.model.collector import collection_paused
from tether.model.record import Record

_MISSING = object()
_FAILED = object()  # a value the plan cannot complete as graphql-core would: let graphql-core decide
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
    # A list of synced records (a RecordList), written by this writer (None: only when empty).
    records: _Writer | None = None
    record_list: bool = False
    abstract: _Abstract | None = None  # an object of a union (e.g. SyncMutationResult.record)


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
                if leaf.record_list:
                    value = _records(value, leaf.records, info)
                elif leaf.abstract is not None and value is not _MISSING:
                    value = leaf.abstract.value(value, info)
                elif value is _MISSING:
                    return None
                else:
                    value = _leaf_value(value, leaf)
                if value is _FAILED:
                    return None
                completed[leaf.key] = value
        except Exception:
            return None
        return completed


@dataclass(frozen=True, slots=True)
class _Abstract:
    """A field of a union type: its runtime type resolved as graphql-core resolves it (the union's
    own `resolve_type`, given the field's info), then completed by that type's plan."""

    key: str
    parent: GraphQLObjectType
    union: GraphQLUnionType
    non_null: bool
    nodes: list[FieldNode]
    plans: dict[str, _Plan]  # the plan of each possible type (absent: graphql-core completes it)

    def value(self, value: Any, info: GraphQLResolveInfo[Any]) -> Any:
        if value is None or value is Undefined:
            return _FAILED if self.non_null else None
        resolve_type = self.union.resolve_type
        if resolve_type is None or isinstance(value, Exception):
            return _FAILED
        field_info = info._replace(
            field_name=self.nodes[0].name.value,
            field_nodes=self.nodes,
            return_type=self.union,
            parent_type=self.parent,
            path=info.path.add_key(self.key),
        )
        name = resolve_type(value, field_info, self.union)
        plan = self.plans.get(name) if isinstance(name, str) else None
        if plan is None:
            return _FAILED  # (an awaitable, an invalid or unplanned type: graphql-core's)
        completed = plan.complete(value, field_info)
        return _FAILED if completed is None else completed


@dataclass(frozen=True, slots=True)
class _Nested:
    """A field of plain objects (or a list of them) inside a synced record, e.g. a thread's context."""

    plan: _Plan
    non_null: bool
    is_list: bool
    item_non_null: bool

    def value(self, value: Any, info: GraphQLResolveInfo[Any]) -> Any:
        if value is None or value is Undefined:
            return _FAILED if self.non_null else None
        if not self.is_list:
            completed = self.plan.complete(value, info)
            return _FAILED if completed is None else completed
        if not isinstance(value, (list, tuple)):
            return _FAILED
        items: list[Any] = []
        for item in value:
            if item is None or item is Undefined:
                if self.item_non_null:
                    return _FAILED
                items.append(None)
                continue
            completed = self.plan.complete(item, info)
            if completed is None:
                return _FAILED
            items.append(completed)
        return items


@dataclass(frozen=True, slots=True)
class _Column:
    """One selected field of a record: how from_record reads it (syncable.Getter; None for
    __typename), and its leaf step or its nested plain objects."""

    key: str
    get: Getter | None
    leaf: _Leaf | None
    nested: _Nested | None

    def complete(self, value: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return _leaf_value(value, self.leaf) if self.leaf is not None else self.nested.value(value, info)  # type: ignore[union-attr]


@dataclass(frozen=True, slots=True)
class _Writer:
    """Completes synced records of one type straight from the core records: the values
    `record_type.from_record` would give each attribute, completed as the plan completes them,
    without building an object per record or completing field by field.

    The loop is one function generated for this type and selection (see _writer_source) and
    compiled once: a row is one dict display of the values read inline, each checked by the test
    its column needs (a str is its own result, a UTC time is formatted later with the page's other
    times); anything else goes through the column's generic step (_step_value)."""

    record_type: type
    type_name: str
    columns: tuple[_Column, ...]
    # Per column, unpacked for the generated loop (see __post_init__).
    steps: tuple[_Step, ...] = ()
    rows_of: Callable[[Iterable[Record], GraphQLResolveInfo[Any]], list[dict[str, Any]] | None] | None = None

    def __post_init__(self) -> None:
        steps = []
        for column in self.columns:
            leaf = column.leaf
            plain = leaf is not None and not leaf.is_list
            get = column.get
            name, default, load, getter = (
                (get, None, None, None)
                if isinstance(get, str)
                else (get[0], get[1], get[2] if len(get) == 3 else None, None)
                if isinstance(get, tuple)
                else (None, None, None, get)
            )
            coerce = leaf.leaf.coerce_output_value if plain and leaf.passed is None else None  # type: ignore[union-attr]
            steps.append(
                _Step(
                    column.key,
                    name,
                    default,
                    load,
                    getter,
                    leaf.passed if plain else None,  # type: ignore[union-attr]
                    not (
                        leaf.non_null if leaf is not None else column.nested is None or column.nested.non_null
                    ),
                    coerce,
                    leaf.passed if leaf is not None and leaf.is_list and leaf.passed is not int else None,
                    column,
                    coerce is strawberry_isoformat,
                )
            )
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "rows_of", _compiled(self.type_name, self.steps))

    def write(self, records: Iterable[Record], info: GraphQLResolveInfo[Any]) -> list[dict[str, Any]] | None:
        """Every record's result, or None where graphql-core's own completion must decide.

        The common cases are _step_value's, inline: a value of the passed type is its own result,
        a null in a nullable field is null, a custom scalar (DateTime) is its serializer's result,
        a list of exactly the passed type (str, bool) is itself; the rest goes through the column.
        UTC times of Strawberry's date-time scalars are formatted all at once (see _iso_times).
        The rows hold no cycles: the collector is paused while they are built (tether/model/collector.py)."""
        with collection_paused():
            return self.rows_of(records, info)  # type: ignore[misc]


def _iso_times(times: list[Any]) -> list[str]:
    """`datetime.isoformat()` of each UTC datetime, all at once: orjson writes an aware UTC datetime
    exactly as isoformat does (tests/sync/test_record_writer.py compares them), about ten times
    faster than isoformat one by one."""
    texts: list[str] = orjson.loads(orjson.dumps(times))
    return texts


class _Step(NamedTuple):
    """A column as the writer's loop reads it."""

    key: str
    name: str | None  # a data field whose stored value is the value
    default: Callable[[], Any] | None  # ... and what the type gives when it is empty
    load: Callable[[Any], Any] | None  # ... or its load, for a stored value that is not None
    get: Callable[[Record], Any] | None  # else how the value is read (None with no name: __typename)
    passed: type | None  # values of exactly this type are their own result
    nullable: bool
    coerce: Callable[[Any], Any] | None  # a scalar's serializer (a non-list leaf not passed through)
    items: type | None  # a list of exactly this type (str, bool) is its own result
    column: _Column
    iso: bool  # the serializer is Strawberry's isoformat (DateTime): UTC times go to _iso_times


def _step_value(step: _Step, value: Any, info: GraphQLResolveInfo[Any]) -> Any:
    """A column's result for a value read from a record (_FAILED where graphql-core must decide):
    the generic step, for whatever the generated loop's inline test does not answer."""
    kind = type(value)
    if kind is step.passed and (kind is not int or _INT_LOW <= value <= _INT_HIGH):
        return value
    if value is None:
        return None if step.nullable else _FAILED
    coerce = step.coerce
    if coerce is not None and not isinstance(value, Exception) and value is not Undefined:
        coerced = coerce(value)
        return _FAILED if coerced is None or coerced is Undefined else coerced
    if step.items is not None and kind is list and all(type(item) is step.items for item in value):
        return list(value)
    return step.column.complete(value, info)


def _compiled(
    type_name: str, steps: tuple[_Step, ...]
) -> Callable[[Iterable[Record], GraphQLResolveInfo[Any]], list[dict[str, Any]] | None]:
    """The generated loop of a writer (see _writer_source), compiled."""
    source, names = _writer_source(type_name, steps)
    namespace: dict[str, Any] = {
        "FAILED": _FAILED,
        "UTC": UTC,
        "datetime": datetime,
        "int_": int,
        "list_": list,
        "LOW": _INT_LOW,
        "HIGH": _INT_HIGH,
        "iso_times": _iso_times,
        **names,
    }
    exec(compile(source, f"<record writer of {type_name}>", "exec"), namespace)
    write: Callable[[Iterable[Record], GraphQLResolveInfo[Any]], list[dict[str, Any]] | None] = namespace[
        "write"
    ]
    return write


def _writer_source(type_name: str, steps: tuple[_Step, ...]) -> tuple[str, dict[str, Any]]:
    """The source of one writer's loop and the objects it names. Nothing of a request's text is
    in the source: response keys, field names, getters and steps are passed in as K<n>, N<n>, ...
    (a GraphQL alias could be any name)."""
    names: dict[str, Any] = {"TYPENAME": type_name}
    body: list[str] = []
    times: list[str] = []  # the keys whose UTC times are formatted after the loop
    entries: list[str] = []
    for n, step in enumerate(steps):
        names[f"K{n}"] = step.key
        if step.name is None and step.get is None:
            entries.append(f"K{n}: TYPENAME")
            continue
        names[f"S{n}"] = functools.partial(_step_value, step)
        entries.append(f"K{n}: v{n}")
        body += _read_lines(n, step, names)
        slow = [f"v{n} = S{n}(v{n}, info)", f"if v{n} is FAILED:", "    return None"]
        guard = "" if not step.nullable else f" and v{n} is not None"
        if step.iso:
            times.append(f"K{n}")
            body += [f"if type(v{n}) is datetime and v{n}.tzinfo is UTC:", f"    times_append(v{n})"]
            body += [f"elif v{n} is not None:" if step.nullable else "else:", *_indent(slow)]
        elif step.passed is int:
            body += [f"if not (type(v{n}) is int_ and LOW <= v{n} <= HIGH){guard}:", *_indent(slow)]
        elif step.passed is not None:
            names[f"P{n}"] = step.passed
            body += [f"if type(v{n}) is not P{n}{guard}:", *_indent(slow)]
        elif step.items is not None:
            names[f"T{n}"] = step.items
            body += [
                f"if type(v{n}) is list_:",
                f"    for item in v{n}:",
                f"        if type(item) is not T{n}:",
                *_indent(slow, 3),
                "            break",
                "    else:",
                f"        v{n} = v{n}.copy()",
                f"elif v{n} is not None:" if step.nullable else "else:",
                *_indent(slow),
            ]
        elif step.nullable:
            body += [f"if v{n} is not None:", *_indent(slow)]
        else:
            body += slow
    lines = [
        "def write(records, info):",
        "    rows = []",
        "    rows_append = rows.append",
        "    times = []",
        "    times_append = times.append",
        "    try:",
        "        for record in records:",
        "            data = record.data",
        *_indent(body, 3),
        f"            rows_append({{{', '.join(entries)}}})",
    ]
    if times:
        # A key holds a datetime only where its UTC time was put aside, in the same order.
        checks = [f"if type(row[{key}]) is datetime:\n    row[{key}] = next(texts)" for key in times]
        lines += [
            "        if times:",
            "            texts = iter(iso_times(times))",
            "            for row in rows:",
            *_indent("\n".join(checks).split("\n"), 4),
        ]
    lines += ["    except Exception:", "        return None", "    return rows"]
    return "\n".join(lines) + "\n", names


def _read_lines(n: int, step: _Step, names: dict[str, Any]) -> list[str]:
    """How the generated loop reads a column's value into v<n> (as syncable.Getter says)."""
    if step.name is not None:
        names[f"N{n}"] = step.name
        lines = [f"v{n} = data.get(N{n})"]
        if step.load is not None:
            names[f"L{n}"] = step.load
            lines += [f"if v{n} is not None:", f"    v{n} = L{n}(v{n})"]
        if step.default is not None:
            constant = _immutable(step.default)
            names[f"D{n}"] = step.default if constant is _MISSING else constant
            lines += [
                f"if v{n} is None:",
                f"    v{n} = D{n}()" if constant is _MISSING else f"    v{n} = D{n}",
            ]
        return lines
    attribute = next((name for name, get in RECORD_ATTRIBUTES.items() if get is step.get), None)
    if attribute is not None:
        return [f"v{n} = record.{attribute}"]  # (one of Record's own attributes, a fixed name)
    names[f"G{n}"] = step.get
    return [f"v{n} = G{n}(record)"]


def _immutable(default: Callable[[], Any]) -> Any:
    """The value a field's default gives where it is an immutable constant (a bool, number or
    text: the same value every time, so the writer uses it without calling the default), else
    _MISSING (a default factory such as `list`: called for each record, as from_record does)."""
    value = default()
    return value if type(value) in (bool, int, float, str) else _MISSING


def _indent(lines: list[str], depth: int = 1) -> list[str]:
    return [" " * (4 * depth) + line for line in lines]


def _leaf_value(value: Any, leaf: _Leaf) -> Any:
    """A leaf field's result, as graphql-core completes it; _FAILED where graphql-core must decide."""
    if value is None or value is Undefined:
        return _FAILED if leaf.non_null else None
    if isinstance(value, Exception):
        return _FAILED
    if leaf.is_list:
        items = _list(value, leaf)
        return _FAILED if items is None else items
    if _passes(value, leaf.passed):
        return value
    coerced = leaf.leaf.coerce_output_value(value)  # type: ignore[union-attr]
    if coerced is None or coerced is Undefined:
        return _FAILED
    return coerced


def _records(value: Any, writer: _Writer | None, info: GraphQLResolveInfo[Any]) -> Any:
    """A field holding a RecordList, written whole; _FAILED for anything else."""
    if type(value) is not RecordList:
        return _FAILED
    if not value.records:
        return []
    if writer is None or writer.record_type is not value.record_type:
        return _FAILED
    rows = writer.write(value.records, info)
    return _FAILED if rows is None else rows


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


def record_writer(
    item_type: GraphQLObjectType,
    grouped: Mapping[str, FieldDetailsList],
    nested: Callable[[GraphQLOutputType, FieldDetailsList], _Nested | None],
) -> _Writer | None:
    """The writer of a list of synced records of `item_type` for this selection (its fields grouped
    by response key, as graphql-core's collect_subfields gives them; `nested` plans a field of
    plain objects), or None where graphql-core must complete the list.

    Built from graphql-core's types and the core's collection declarations only (the record class
    found by the type's name, its fields by their GraphQL names: resolvers/syncable.py), so that a
    schema built from the SDL, whose types carry no Strawberry extension, is written the same way."""
    record_type = record_class(item_type)
    getters = record_getters(record_type) if record_type is not None else None
    if record_type is None or getters is None:
        return None
    attributes = record_fields(record_type)
    columns: list[_Column] = []
    for response_key, group in grouped.items():
        node = group[0].node
        name = node.name.value
        if name == "__typename":
            columns.append(_Column(response_key, None, None, None))
            continue
        field = item_type.fields.get(name)
        attribute = attributes.get(name)
        get = getters.get(attribute) if attribute is not None else None
        if field is None or field.args or node.arguments or get is None or not _reads_attribute(field):
            return None
        leaf = _leaf(response_key, attribute, field.type)  # type: ignore[arg-type]
        nested_step = nested(field.type, group) if leaf is None else None
        if leaf is None and nested_step is None:
            return None
        columns.append(_Column(response_key, get, leaf, nested_step))
    return _Writer(record_type, item_type.name, tuple(columns))


def record_class(item_type: GraphQLObjectType) -> type | None:
    """The synced record class (resolvers/sync/bindings.py) of a GraphQL object type, by its name."""
    return _record_classes().get(item_type.name)


@functools.cache
def _record_classes() -> dict[str, type]:
    from resolvers.sync.bindings import RECORDS  # (the bindings import every domain's types)

    return {
        record_type.__strawberry_definition__.name: record_type  # type: ignore[attr-defined]
        for record_type, _ in RECORDS.values()
    }


def _reads_attribute(field: GraphQLField) -> bool:
    """Whether the field's value is its object's attribute: graphql-core's default resolver (a
    schema built from the SDL), or Strawberry's default resolver reading it with getattr."""
    if field.resolve is None:
        return True
    if not getattr(field.resolve, "_is_default", False):
        return False  # a resolver of its own
    definition = (field.extensions or {}).get("strawberry-definition")
    return definition is None or getattr(definition, "default_resolver", None) is getattr


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain-data objects (and lists of synced records)
    by a cached plan."""

    @classmethod
    def build(  # type: ignore[override]
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        field_resolver: Any = None,
        type_resolver: Any = None,
        subscribe_field_resolver: Any = None,
        max_coercion_errors: int = 50,
        enable_early_execution: bool = False,
        middleware: Any = None,
        is_awaitable: Any = None,
        is_async_iterable: Any = None,
        **kwargs: Any,
    ) -> Any:
        """graphql-core's `build`; for a document whose variables its compiled plan coerces (the
        same parsed document again: resolvers/document_cache.py), the executor built from what
        was prepared once (resolvers/variable_plan.py). Else, and for every invalid value,
        graphql-core's own `build`, so its errors are graphql-core's."""
        prepared = _prepared_build(schema, document, operation_name)
        if (
            prepared is not None
            and field_resolver is None
            and type_resolver is None
            and subscribe_field_resolver is None
            and (middleware is None or isinstance(middleware, MiddlewareManager))
        ):
            values = prepared.variables.coerce(raw_variable_values or {})
            if values is not None:
                assert_valid_schema(schema)
                return cls(
                    schema,
                    dict(prepared.fragment_definitions),
                    dict(prepared.fragments),
                    root_value,
                    context_value,
                    prepared.operation,
                    values,
                    default_field_resolver,
                    default_type_resolver,
                    default_field_resolver,
                    enable_early_execution,
                    middleware,
                    is_awaitable,
                    is_async_iterable,
                    **kwargs,
                )
        return super().build(
            schema,
            document,
            root_value,
            context_value,
            raw_variable_values,
            operation_name,
            field_resolver,
            type_resolver,
            subscribe_field_resolver,
            max_coercion_errors,
            enable_early_execution,
            middleware,
            is_awaitable,
            is_async_iterable,
            **kwargs,
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, GraphQLObjectType, int], tuple[FieldDetailsList, Any]] = {}
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

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        rows = self.write_records(return_type, field_details_list, info, result)
        if rows is not None:
            return rows
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def write_records(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        result: Any,
    ) -> list[Any] | None:
        """A list of synced records (a RecordList) written straight from the core records, or None
        where graphql-core completes it item by item (an error to report, a resolver to run)."""
        if type(result) is not RecordList or any(d.node.directives for d in field_details_list):
            return None  # (@stream and the like are graphql-core's)
        item_type = get_nullable_type(return_type.of_type)
        if not isinstance(item_type, GraphQLObjectType):
            return None
        if not result.records:
            return []
        writer = self._writer(item_type, field_details_list)
        if writer is None or writer.record_type is not result.record_type:
            return None
        return writer.write(result.records, info)

    def _plan(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Plan | None:
        plan: _Plan | None = self._cached("plan", return_type, field_details_list, self._build_plan)
        return plan

    def _writer(self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Writer | None:
        writer: _Writer | None = self._cached("writer", return_type, field_details_list, self._build_writer)
        return writer

    def _cached(
        self,
        kind: str,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        build: Callable[[GraphQLObjectType, FieldDetailsList], Any],
    ) -> Any:
        # Memoized like graphql-core's collect_subfields: on the identity of the field group,
        # kept alive with the plan so that its id cannot be reused during this execution.
        key = (kind, return_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        # Across requests: a selection that no directive or variable can change (the same parsed
        # document, resolvers/document_cache.py, gives the same nodes) has the same plan.
        nodes = tuple(details.node for details in field_details_list)
        shared_key = (kind, return_type, self._plain_resolution, tuple(map(id, nodes)))
        found = _SHARED.get(shared_key)
        if found is not None:
            built = found[1]
        else:
            built = build(return_type, field_details_list)
            if self._static(field_details_list):
                _SHARED.put(shared_key, (nodes, built))
        self._plans[key] = (field_details_list, built)
        return built

    def _static(self, field_details_list: FieldDetailsList) -> bool:
        """Whether no directive (nor @defer) appears in the selection below these fields: then its
        plan depends on nothing but the nodes and the type (field arguments are not planned)."""
        pending: list[SelectionSetNode | None] = []
        for details in field_details_list:
            if details.defer_usage is not None or details.node.directives:
                return False
            pending.append(details.node.selection_set)
        seen: set[str] = set()
        while pending:
            selection_set = pending.pop()
            if selection_set is None:
                continue
            for selection in selection_set.selections:
                if selection.directives:
                    return False
                if isinstance(selection, FieldNode | InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if (
                        fragment is None
                        or fragment.variable_signatures
                        or getattr(selection, "arguments", None)
                    ):
                        return False  # (fragment arguments are variables too)
                    if fragment.definition.directives:
                        return False
                    if name not in seen:
                        seen.add(name)
                        pending.append(fragment.definition.selection_set)
        return True

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
            if group[0].node.name.value == "__typename":
                leaves.append(_Leaf(response_key, None, None, True))
                continue
            plain = _plain_field(return_type, group[0].node)
            if plain is None:
                return None
            field, attribute = plain
            leaf = (
                _leaf(response_key, attribute, field.type)
                or self._records_leaf(response_key, attribute, field.type, group)
                or self._abstract_leaf(return_type, response_key, attribute, field.type, group)
            )
            if leaf is None:
                return None
            leaves.append(leaf)
        return _Plan(return_type.name, tuple(leaves), return_type.is_type_of)

    def _records_leaf(
        self, key: str, attribute: str, field_type: GraphQLOutputType, group: FieldDetailsList
    ) -> _Leaf | None:
        """The plan step of a list of synced records (e.g. SyncPullPayload.pieces), None otherwise."""
        inner = get_nullable_type(field_type)
        if not is_list_type(inner) or any(details.node.directives for details in group):
            return None
        item = get_nullable_type(inner.of_type)
        if not isinstance(item, GraphQLObjectType) or record_class(item) is None:
            return None
        return _Leaf(
            key,
            attribute,
            None,
            is_non_null_type(field_type),
            records=self._writer(item, group),
            record_list=True,
        )

    def _abstract_leaf(
        self,
        parent: GraphQLObjectType,
        key: str,
        attribute: str,
        field_type: GraphQLOutputType,
        group: FieldDetailsList,
    ) -> _Leaf | None:
        """The plan step of a field of a union of plain objects, None otherwise."""
        union = get_nullable_type(field_type)
        if not isinstance(union, GraphQLUnionType) or any(details.node.directives for details in group):
            return None
        plans = {}
        for member in self.schema.get_possible_types(union):
            plan = self._build_plan(member, group)
            if plan is not None:
                plans[member.name] = plan
        abstract = _Abstract(key, parent, union, is_non_null_type(field_type), [d.node for d in group], plans)
        return _Leaf(key, attribute, None, abstract.non_null, abstract=abstract)

    def _build_writer(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> _Writer | None:
        if not self._plain_resolution or record_class(return_type) is None:
            return None
        grouped, new_defer_usages, forbidden = self.collect_subfields(return_type, field_details_list)
        if new_defer_usages or forbidden:
            return None
        return record_writer(return_type, grouped, self._nested)

    def _nested(self, field_type: GraphQLOutputType, group: FieldDetailsList) -> _Nested | None:
        """The step of a field of plain objects (or a list of them), None for any other field."""
        non_null = is_non_null_type(field_type)
        inner = get_nullable_type(field_type)
        is_list = is_list_type(inner)
        item_non_null = is_list and is_non_null_type(inner.of_type)  # type: ignore[union-attr]
        item = get_nullable_type(inner.of_type) if is_list else inner  # type: ignore[union-attr]
        if not isinstance(item, GraphQLObjectType):
            return None
        plan = self._build_plan(item, group)
        return None if plan is None else _Nested(plan, non_null, is_list, item_non_null)


def _plain_field(return_type: GraphQLObjectType, node: FieldNode) -> tuple[GraphQLField, str] | None:
    """The field a node selects and its Python attribute, where Strawberry's default resolver reads
    it (no arguments, no resolver of its own); None otherwise."""
    field = return_type.fields.get(node.name.value)
    if field is None or field.args or node.arguments:
        return None
    if field.resolve is None or not getattr(field.resolve, "_is_default", False):
        return None  # a resolver of its own (or graphql-core's dict-or-attribute default)
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or getattr(definition, "default_resolver", None) is not getattr:
        return None  # a configured default resolver: let it read the value
    attribute = str(definition.python_name)
    return (field, attribute) if attribute else None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What graphql-core's `build` finds in a document, found once, and its variable plan."""

    operation: OperationDefinitionNode
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]
    variables: VariablePlan


def _prepared_build(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> _Prepared | None:
    """The prepared build of a document (None where graphql-core's `build` must see it)."""
    key = ("build", id(schema), id(document), operation_name)
    found = _SHARED.get(key)
    if found is not None:
        prepared: _Prepared | None = found[1]
        return prepared
    prepared = _prepare(schema, document, operation_name)
    _SHARED.put(key, ((schema, document), prepared))  # (held: their ids cannot be reused)
    return prepared


def _prepare(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> _Prepared | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) != 1 or any(f.variable_definitions for f in fragments.values()):
        return None  # (several operations, fragment variables: build's own cases)
    operation = operations[0]
    if operation_name is not None and (operation.name is None or operation.name.value != operation_name):
        return None
    variables = variable_plan(schema, operation)
    if variables is None:
        return None
    details = {name: FragmentDetails(definition, None) for name, definition in fragments.items()}
    return _Prepared(operation, fragments, details, variables)


class _SharedPlans:
    """Plans of static selections, shared by the requests of a process (bounded, least recently used)."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> tuple[Any, Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Any, value: tuple[Any, Any]) -> None:
        # The entry holds the nodes: their ids cannot be reused by other nodes while it is kept.
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)


_SHARED = _SharedPlans(1024)


def _probe(*_: Any, **__: Any) -> None:  # pragma: no cover - only compared, never called
    return None
