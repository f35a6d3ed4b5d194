"""Per-account rate limits applied to each operation before it executes (tether/ratelimit.py counts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from graphql import (
    DefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from resolvers.context import Context
from tether.ratelimit import ANONYMOUS, FIELD_CLASSES, OTHER


class RateLimitExtension(SchemaExtension):
    """Charges the request's account once per operation class its root fields use (RATE_LIMITED if over)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(context, Context) and document is not None:
            operation = get_operation_ast(document, self.execution_context.operation_name)
            if operation is not None:
                self._charge(context, operation, document.definitions)
        yield

    @staticmethod
    def _charge(
        context: Context, operation: OperationDefinitionNode, definitions: Iterable[DefinitionNode]
    ) -> None:
        limits = context.services.limits
        user = context.maybe_user
        if user is None:
            limits.charge(f"ANON#{context.client_ip or 'unknown'}", ANONYMOUS)
            return
        fragments = {
            d.name.value: d.selection_set for d in definitions if isinstance(d, FragmentDefinitionNode)
        }
        for operation_class in sorted(set(_classes(operation.selection_set, fragments))):
            limits.charge(f"USER#{user.id}", operation_class)


def _classes(selection_set: SelectionSetNode, fragments: dict[str, SelectionSetNode]) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield FIELD_CLASSES.get(selection.name.value, OTHER)
        elif isinstance(selection, InlineFragmentNode):
            yield from _classes(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _classes(fragments.pop(selection.name.value), fragments)
