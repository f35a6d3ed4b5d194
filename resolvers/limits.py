"""Admission of each operation before it executes: per-account rate limits (tether/ratelimit.py),
revoked sign-ins (tether/accounts/signout.py) and the lock of an account waiting for erasure
(tether/accounts/grace.py)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence

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
from resolvers.offload import offload
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
    an operation of only syncPush/syncPull (they read it with their own first BatchGetItem).

    What is in memory is decided on the event loop; what must reach DynamoDB (a rate limit's
    settle, the gate's read on a cache miss) runs in a worker thread, in one hand-off."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        document = self.execution_context.graphql_document
        if isinstance(context, Context) and document is not None:
            operation = get_operation_ast(document, self.execution_context.operation_name)
            if operation is not None:
                await admit(context, operation, document.definitions)
        yield


async def admit(
    context: Context, operation: OperationDefinitionNode, definitions: Iterable[DefinitionNode]
) -> None:
    """Admit one operation of the request (what AdmissionExtension does before it executes)."""
    await admit_fields(context, root_fields(operation, definitions))


async def admit_fields(context: Context, fields: Sequence[str]) -> None:
    """Admit an operation of these root fields (`root_fields`: a prepared document's are known)."""
    blocking = _admit(context, fields)
    if blocking:
        await offload(_run_all, blocking)


def root_fields(operation: OperationDefinitionNode, definitions: Iterable[DefinitionNode]) -> list[str]:
    """The root field names of an operation, through its fragments."""
    fragments = {d.name.value: d.selection_set for d in definitions if isinstance(d, FragmentDefinitionNode)}
    return list(_fields(operation.selection_set, fragments))


def _admit(context: Context, fields: Sequence[str]) -> list[Callable[[], None]]:
    """Charge and check what memory can decide; the steps that need DynamoDB, in order."""
    limits = context.services.limits
    user = context.maybe_user
    if user is None:
        settle = limits.admit(f"ANON#{context.client_ip or 'unknown'}", ANONYMOUS)
        return [settle] if settle else []
    blocking = []
    for operation_class in sorted({FIELD_CLASSES.get(name, OTHER) for name in fields}):
        settle = limits.admit(f"USER#{user.id}", operation_class)
        if settle is not None:
            blocking.append(settle)
    if not ADMITTED_BY_SYNC.issuperset(fields):
        locked_too = not WHILE_DELETION_PENDING.issuperset(fields)
        gate = context.services.gate
        state = gate.cached(user.id)
        if state is None:
            blocking.append(functools.partial(gate.check, user, locked_too=locked_too))
        else:
            gate.refuse(user, state, locked_too=locked_too)
    return blocking


def _run_all(steps: list[Callable[[], None]]) -> None:
    for step in steps:
        step()


def _fields(selection_set: SelectionSetNode, fragments: dict[str, SelectionSetNode]) -> Iterator[str]:
    """The root field names of an operation (through fragments)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments.pop(selection.name.value), fragments)
