"""Each query text parsed and validated once per process, in place of Strawberry's ParserCache and
ValidationCache.

Strawberry's ValidationCache is an `lru_cache` keyed by the parsed document: every request hashes
the whole syntax tree again (graphql-core's nodes hash field by field), about as costly as the rest
of an idle pull's GraphQL work. Apps send the same few documents (the trusted-documents manifest
lists them), so this cache is keyed by the text itself: one dict lookup gives the document and its
validation errors. What the text is parsed with (the token limit) and validated against (the
schema and its rules) is fixed for the schema the cache belongs to.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document


@dataclass(frozen=True, slots=True)
class Prepared:
    document: DocumentNode
    errors: list[GraphQLError] | None = None  # None until validated


class PreparedDocuments:
    """The LRU of one schema: query text -> parsed document and its validation errors."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, query: str) -> Prepared | None:
        with self._lock:
            found = self._entries.get(query)
            if found is not None:
                self._entries.move_to_end(query)
            return found

    def put(self, query: str, prepared: Prepared) -> None:
        with self._lock:
            self._entries[query] = prepared
            self._entries.move_to_end(query)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)


class DocumentCache(SchemaExtension):
    """Parse (within the token limit) and validate a query text once; later requests reuse both."""

    def __init__(self, documents: PreparedDocuments) -> None:
        super().__init__()
        self.documents = documents

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            found = self.documents.get(query)
            if found is not None:
                context.graphql_document = found.document
            else:  # a syntax error (or too many tokens) raises here, and is not kept
                context.graphql_document = parse(query, **context.parse_options)
                self.documents.put(query, Prepared(context.graphql_document))
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query, document = context.query, context.graphql_document
        found = self.documents.get(query) if query is not None else None
        if found is not None and found.document is document and found.errors is not None:
            context.pre_execution_errors = found.errors
        elif document is not None:
            errors = validate_document(context.schema._schema, document, tuple(context.validation_rules))
            context.pre_execution_errors = errors
            if found is not None and found.document is document and query is not None:
                self.documents.put(query, Prepared(document, _detached(errors)))
        yield


def _detached(errors: list[GraphQLError]) -> list[GraphQLError]:
    """`errors` without the tracebacks graphql-core's validation leaves on some (it raises and
    catches while coercing a literal, e.g. an enum value's typo): a traceback holds the frames of the
    request that validated first, and through them its Context (the services, the caller), for as
    long as the text stays cached. What a client is told does not change."""
    seen: set[int] = set()
    pending: list[BaseException | None] = list(errors)
    while pending:
        exception = pending.pop()
        if exception is None or id(exception) in seen:
            continue
        seen.add(id(exception))
        exception.__traceback__ = None
        pending += [exception.__cause__, exception.__context__, getattr(exception, "original_error", None)]
    return errors
