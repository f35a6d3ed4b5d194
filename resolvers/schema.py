"""The root schema, assembled by inheritance from each domain's Query and Mutation classes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension

from resolvers.account.mutations import AccountMutation
from resolvers.account.queries import AccountQuery
from resolvers.attachments.mutations import AttachmentsMutation
from resolvers.attachments.queries import AttachmentsQuery
from resolvers.bookmarks.queries import BookmarksQuery
from resolvers.chat.mutations import ChatMutation
from resolvers.chat.queries import ChatQuery
from resolvers.content.mutations import ContentMutation
from resolvers.content.queries import ContentQuery
from resolvers.document_cache import DocumentCache, PreparedDocuments
from resolvers.entitlements.mutations import EntitlementsMutation
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.lazy_schema import SCHEMA_RULES, bundled_documents
from resolvers.limits import AdmissionExtension
from resolvers.people.mutations import PeopleMutation
from resolvers.people.queries import PeopleQuery
from resolvers.pieces.queries import PiecesQuery
from resolvers.progress.queries import ProgressQuery
from resolvers.sessions.queries import SessionsQuery
from resolvers.sync.mutations import SyncMutation
from resolvers.sync.queries import SyncQuery
from resolvers.validation import hide_suggestions, schema_rules
from tether.settings import Settings


@strawberry.type
class Query(
    AccountQuery,
    SyncQuery,
    PiecesQuery,
    SessionsQuery,
    ProgressQuery,
    BookmarksQuery,
    ChatQuery,
    ContentQuery,
    PeopleQuery,
    AttachmentsQuery,
):
    pass


@strawberry.type
class Mutation(
    SyncMutation,
    ChatMutation,
    AccountMutation,
    ContentMutation,
    PeopleMutation,
    EntitlementsMutation,
    AttachmentsMutation,
):
    pass


class TetherSchema(strawberry.Schema):
    suggestions = True  # "Did you mean ...?" in errors; off where introspection is (they leak the schema)

    def process_errors(self, errors: list[GraphQLError], execution_context: object = None) -> None:
        # resolvers.errors.translate logs what needs logging (unexpected errors, with the
        # request id); client mistakes are not server errors and must not flood the logs.
        if not self.suggestions:
            hide_suggestions(errors)


class TrustedDocumentCache(DocumentCache):
    """The document cache, with a bundled manifest document's first validation left to the rules a
    deployment sets (depth, aliases, introspection) and ours: graphql-core's own rules would check
    what its tests already proved for this schema (resolvers/trusted.py does the same for the
    manifest's SyncPull and SyncPush)."""

    def __init__(self, documents: PreparedDocuments, trusted: frozenset[str]) -> None:
        super().__init__(documents)
        self.trusted = trusted

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query in self.trusted:
            context.validation_rules = tuple(
                rule for rule in context.validation_rules if rule not in SCHEMA_RULES
            )
        yield from super().on_validate()


@dataclass(frozen=True)
class SchemaOptions:
    """The settings a schema is built from: equal options give the same (immutable) schema."""

    max_query_depth: int
    max_aliases: int
    max_tokens: int
    introspection: bool

    @classmethod
    def of(cls, settings: Settings) -> SchemaOptions:
        return cls(
            max_query_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            introspection=settings.introspection_enabled,
        )


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with this deployment's limits, caches and introspection setting."""
    return _schema(SchemaOptions.of(settings))


# One schema per process and options: building one converts every type (~0.15 s), and every app of
# a process with the same options (a Lambda container has one; the test suite builds hundreds) can
# share it, with its document cache, since a schema holds nothing per request or per user.
@functools.cache
def _schema(options: SchemaOptions) -> strawberry.Schema:
    rules = list(schema_rules(options.max_query_depth, options.max_aliases, options.introspection))
    documents = PreparedDocuments(maxsize=256)  # each text parsed and validated once
    trusted = bundled_documents()
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=options.max_tokens),
        lambda: AddValidationRules(rules),
        lambda: TrustedDocumentCache(documents, trusted),
        AdmissionExtension,
    ]
    schema = TetherSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        execution_context_class=PlainFieldsExecutionContext,
    )
    schema.suggestions = options.introspection
    return schema
