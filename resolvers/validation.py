"""Validation beyond graphql-core's rules: empty selection sets, a depth limiter that never crashes,
and error messages without "Did you mean ...?" where introspection is off."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterable

from graphql import (
    ASTValidationRule,
    FieldNode,
    GraphQLError,
    NoSchemaIntrospectionCustomRule,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.extensions.query_depth_limiter import IgnoreContext

_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


class NonEmptySelectionSetsRule(ValidationRule):
    """`{ me {} }`: the spec's grammar (`{ Selection+ }`) has no empty selection set; graphql-core 3.3 parses one."""

    def enter_selection_set(self, node: SelectionSetNode, *_args: object) -> None:
        if not node.selections:
            self.report_error(GraphQLError("A selection set must select at least one field.", node))


class OnePushPerDocumentRule(ValidationRule):
    """At most one `syncPush` per document (aliases included): refused before any mutation applies."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.pushes = 0

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        mutation_type = self.context.schema.mutation_type
        if node.name.value == "syncPush" and self.context.get_parent_type() is mutation_type:
            self.pushes += 1
            if self.pushes == 2:
                self.report_error(
                    GraphQLError(
                        "At most 1 syncPush per request; send the others in separate requests",
                        node,
                        extensions={"reason": "ONE_PER_REQUEST"},
                    )
                )


def tolerant(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """`rule` (a rule that does its work on construction, like Strawberry's depth limiter) made safe on
    invalid documents: it raises KeyError on `{ ...Nope }` and ValueError on `{ me {} }`, which the
    spec's rules (and NonEmptySelectionSetsRule) already report as validation errors."""

    class Tolerant(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            with contextlib.suppress(KeyError, ValueError, TypeError, RecursionError):
                rule(context)

    Tolerant.__name__ = f"Tolerant{rule.__name__}"
    return Tolerant


def hide_suggestions(errors: Iterable[GraphQLError]) -> None:
    """Strip "Did you mean ...?" (fields, arguments, types, enum values, input fields) in place."""
    for error in errors:
        error.message = _SUGGESTION.sub("", error.message)


@functools.cache
def schema_rules(
    max_query_depth: int, max_aliases: int, introspection: bool
) -> tuple[type[ASTValidationRule], ...]:
    """The rules every document is validated by beyond graphql-core's specified ones: the schema's
    (resolvers/schema.py) and the trusted operations' (resolvers/trusted.py).

    Built once per limits: the validation cache is keyed by the rule classes, and a limiter built
    per request would make a new class (and a cache miss) every time."""
    depth = QueryDepthLimiter(max_query_depth, should_ignore=_ignore_introspection)
    rules: list[type[ASTValidationRule]] = [
        NonEmptySelectionSetsRule,
        OnePushPerDocumentRule,
        *(tolerant(rule) for rule in depth.validation_rules),
        *(tolerant(rule) for rule in MaxAliasesLimiter(max_aliases).validation_rules),
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


def _ignore_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")
