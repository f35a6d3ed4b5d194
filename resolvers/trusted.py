"""The manifest's SyncPull and SyncPush, executed without Strawberry's `Schema.execute` around them.

Apps send these two documents on every sync, each exactly as the trusted-documents manifest lists
it. For each, what Strawberry's execute does per request (an ExecutionContext, the extension
runner entering and leaving four extensions' hooks in five phases, parse and validation cache
lookups, `process_errors`, the result's conversion) and what graphql-core's `execute` adds around
the one root field (the Executor's build, the root's field collection, the operation's wrappers)
gives the same answer every time. So it is done once per process, the first time a text is seen:
the text is parsed with the schema's token limit and validated with the schema's rules; a document
with an error, several operations, a directive or variables the compiled plan cannot coerce is
not taken, and goes the normal way.

Per request, this executor checks the operation name and the method, coerces the variables with
the compiled plan (resolvers/variable_plan.py), admits the operation as AdmissionExtension does
(rate limits; the sync gate is the resolver's own first read), then runs the root field through
graphql-core's own `execute_field` of the plain-fields execution context (resolvers/execution.py):
the same resolver, the same resolve info, the same completion (the record writer) and the same
error handling (located errors, a non-null root nulling `data`). Anything it does not answer
exactly (an unknown operation name, a mutation over GET, variables the plan refuses, a text that
is not the manifest's) returns None before anything ran: `Schema.execute` answers it.

It needs only graphql-core's schema of the SDL, with the sync root fields resolved as plain data
(resolvers/sync/plain.py): neither Strawberry's schema nor its resolver wrapper or input types.
tests/http/test_trusted.py runs both paths over the operations, bad inputs and faults and compares
the responses byte for byte.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Visitor,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql.execution.collect_fields import FieldDetails, FieldDetailsList, FragmentDetails
from graphql.execution.executor import default_field_resolver, default_type_resolver
from graphql.pyutils import Path
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from resolvers.context import Context
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.lazy_schema import bundled_documents
from resolvers.limits import admit_fields, root_fields
from resolvers.validation import hide_suggestions
from resolvers.variable_plan import VariablePlan
from resolvers.variable_plan import plan as variable_plan
from tether.persisted import Manifest

TRUSTED_OPERATIONS = frozenset({"SyncPull", "SyncPush"})


def trusted_texts(manifest: Manifest) -> list[str]:
    """The texts the executor takes: the manifest's SyncPull and SyncPush."""
    return [op.body for op in manifest.operations.values() if op.name in TRUSTED_OPERATIONS]


@dataclass(frozen=True, slots=True)
class TrustedOperation:
    """One trusted document, prepared: what graphql-core's build and collect_fields find in it."""

    name: str
    mutation: bool
    document: DocumentNode
    operation: OperationDefinitionNode
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]
    variables: VariablePlan
    root_type: GraphQLObjectType
    key: str  # the root field's response name
    field: FieldDetailsList
    root_fields: tuple[str, ...]  # what admission charges (resolvers/limits.py), known once


class TrustedOperations:
    """The trusted documents of a schema, by text, prepared on first sight."""

    def __init__(
        self,
        schema: GraphQLSchema,
        texts: Iterable[str],
        *,
        max_tokens: int,
        rules: Sequence[type[ASTValidationRule]],
        suggestions: bool,
    ) -> None:
        self.schema = schema
        self.max_tokens = max_tokens
        self.rules = (*specified_rules, *rules)
        self.limits = tuple(rules)  # a bundled text's (resolvers/lazy_schema.py bundled_documents)
        self.suggestions = suggestions
        self._texts = frozenset(texts)
        self._prepared: dict[str, TrustedOperation | None] = {}  # filled on first use
        self._lock = threading.Lock()

    def get(self, query: str) -> TrustedOperation | None:
        """The prepared operation of a trusted text (None for any other text, or one not taken)."""
        if query not in self._texts:
            return None
        found = self._prepared.get(query, _UNSEEN)
        if found is _UNSEEN:
            with self._lock:
                found = self._prepared.get(query, _UNSEEN)
                if found is _UNSEEN:
                    rules = self.limits if query in bundled_documents() else self.rules
                    found = prepare(self.schema, query, self.max_tokens, rules)
                    self._prepared[query] = found
        prepared: TrustedOperation | None = found
        return prepared

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
        context: Context,
        *,
        mutations_allowed: bool,
    ) -> ExecutionResult | None:
        """The result `Schema.execute` would give, or None (before anything ran) where it must run."""
        trusted = self.get(query)
        if trusted is None:
            return None
        if operation_name is not None and operation_name != trusted.name:
            return None  # (an unknown operation name: graphql-core's error)
        if trusted.mutation and not mutations_allowed:
            return None  # (405: the endpoint's answer)
        values = trusted.variables.coerce(dict(variables or {}))
        if values is None:
            return None  # (graphql-core's own coercion errors)
        try:
            await admit_fields(context, trusted.root_fields)
        except Exception as error:  # as Schema.execute answers an extension's error
            refused = (
                error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
            )
            self._process([refused])
            return PreExecutionError(data=None, errors=[refused])
        executor = PlainFieldsExecutionContext(
            self.schema,
            dict(trusted.fragment_definitions),
            dict(trusted.fragments),
            None,
            context,
            trusted.operation,
            values,
            default_field_resolver,
            default_type_resolver,
            default_field_resolver,
            False,
            None,
            optimized_is_awaitable,
            None,
            operation_extensions=extensions,
        )
        data: dict[str, Any] | None
        try:
            completed = executor.execute_field(
                trusted.root_type,
                None,
                trusted.field,
                Path(None, trusted.key, trusted.root_type.name),
                None,
            )
            if optimized_is_awaitable(completed):
                completed = await completed  # type: ignore[misc]
            data = {trusted.key: completed}
        except GraphQLError as error:  # a null in the non-null root: no data (execute_operation's rule)
            executor.collected_errors.add(error, None)
            data = None
        result = executor.build_response(data)
        _release(executor)
        assert isinstance(result, GraphQLExecutionResult)  # (no @defer, no @stream: see prepare)
        if result.errors:
            self._process(result.errors)
        return ExecutionResult(data=result.data, errors=result.errors, extensions={})

    def _process(self, errors: list[GraphQLError]) -> None:
        """TetherSchema.process_errors."""
        if not self.suggestions:
            hide_suggestions(errors)


_UNSEEN: Any = object()


def _release(executor: PlainFieldsExecutionContext) -> None:
    """The executor freed by its last reference once the answer is built, not by the cyclic
    collector: its resolve-info helpers are its own bound methods (a cycle), which held it, the
    request's Context and ~35 objects a pull until a gen-0 collection, ~0.5-1 ms every ~12 idle
    pulls (tests/http/test_trusted.py). Nothing runs on it after the answer (no @defer, no
    @stream: see prepare; the resolve infos keep their own reference to the helpers)."""
    del executor.async_helpers


def prepare(
    schema: GraphQLSchema, text: str, max_tokens: int, rules: Sequence[type[ASTValidationRule]]
) -> TrustedOperation | None:
    """A trusted text prepared as Strawberry and graphql-core would find it on every request, or None
    where anything about it is not answered the same way each time (the normal path then runs)."""
    try:
        document = parse(text, max_tokens=max_tokens)
    except GraphQLError:
        return None  # (a syntax error or over the token limit: the normal path's answer)
    if validate(schema, document, rules) or _has_directives(document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) != 1 or any(f.variable_definitions for f in fragments.values()):
        return None
    operation = operations[0]
    if operation.name is None or operation.name.value not in TRUSTED_OPERATIONS:
        return None
    root_type = schema.get_root_type(operation.operation)
    selections = operation.selection_set.selections
    if root_type is None or len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    variables = variable_plan(schema, operation)
    if variables is None:
        return None
    return TrustedOperation(
        name=operation.name.value,
        mutation=operation.operation == OperationType.MUTATION,
        document=document,
        operation=operation,
        fragment_definitions=fragments,
        fragments={name: FragmentDetails(definition, None) for name, definition in fragments.items()},
        variables=variables,
        root_type=root_type,
        key=(node.alias or node.name).value,
        field=[FieldDetails(node, None)],
        root_fields=tuple(root_fields(operation, document.definitions)),
    )


class _Directives(Visitor):
    found = False

    def enter_directive(self, *_: object) -> None:
        self.found = True


def _has_directives(document: DocumentNode) -> bool:
    visitor = _Directives()
    visit(document, visitor)
    return visitor.found
