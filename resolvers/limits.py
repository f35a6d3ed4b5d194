"""Admission of each operation before it executes: per-account rate limits (tether/ratelimit.py),
revoked sign-ins (tether/accounts/signout.py) and the lock of an account waiting for erasure
(tether/accounts/grace.py)."""

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

# What an account waiting for erasure may still do.
# (deleteMyAccount again answers the same schedule: a retry after a lost response is safe.)
WHILE_DELETION_PENDING = frozenset({"me", "cancelAccountDeletion", "deleteMyAccount", "__typename"})
# What admits its caller itself, with the first BatchGetItem it makes anyway (tether/sync/gate.py).
ADMITTED_BY_SYNC = frozenset({"syncPush", "syncPull", "__typename"})


class AdmissionExtension(SchemaExtension):
    """Charges the request's account once per operation class its root fields use (RATE_LIMITED if
    over), then refuses a revoked sign-in (UNAUTHENTICATED, SESSION_REVOKED) and a locked account's
    operations (FORBIDDEN, DELETION_PENDING): one cached read per account per container, none for
    an operation of only syncPush/syncPull (they read it with their own first BatchGetItem)."""

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
        fields = list(_fields(operation.selection_set, fragments))
        for operation_class in sorted({FIELD_CLASSES.get(name, OTHER) for name in fields}):
            limits.charge(f"USER#{user.id}", operation_class)
        if not ADMITTED_BY_SYNC.issuperset(fields):
            locked_too = not WHILE_DELETION_PENDING.issuperset(fields)
            context.services.accounts.gate.check(user, locked_too=locked_too)


def _fields(selection_set: SelectionSetNode, fragments: dict[str, SelectionSetNode]) -> Iterator[str]:
    """The root field names of an operation (through fragments)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments.pop(selection.name.value), fragments)
