"""The schema of a Lambda's init: graphql-core's, built from the committed SDL, with Strawberry's built
on first use.

Strawberry builds a type as its class is defined, so importing the GraphQL layer (every domain's types,
queries and mutations, and through them every module of the core) and converting it for graphql-core
is most of a cold start above the import floor (docs/deploy.md#cold-start). graphql-core's
`build_schema` of `graphql/schema.graphql` gives the same schema (`make schema` writes that file
from Strawberry's, a test keeps them equal) at a fraction of the cost, with the scalars' own parsing
and serializing: enough to parse, validate and plan a document, and to run an operation whose
executor needs no Strawberry object. Anything else runs on Strawberry's schema, which the first
such operation builds (once per process and options: resolvers/schema.py).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    ASTValidationRule,
    GraphQLScalarType,
    GraphQLSchema,
    build_ast_schema,
    parse,
    specified_rules,
)
from strawberry.schema.types.scalar import DEFAULT_SCALAR_REGISTRY, _make_scalar_type

from tether.persisted import DEFAULT_MANIFESTS, Manifest
from tether.settings import Settings

if TYPE_CHECKING:
    import strawberry
    from strawberry.types import ExecutionResult

SDL_NAME = "schema.graphql"
_ROOT = Path(__file__).resolve().parent.parent
# The Lambda package has the SDL at its root (function/ links it); a checkout has it in graphql/.
SDL_FILES = (_ROOT / SDL_NAME, _ROOT / "graphql" / SDL_NAME)


def sdl_file() -> Path:
    """The committed SDL this code was built with."""
    for path in SDL_FILES:
        if path.is_file():
            return path
    raise FileNotFoundError(f"no {SDL_NAME} in {' or '.join(str(path.parent) for path in SDL_FILES)}")


@functools.cache
def sdl_schema() -> GraphQLSchema:
    """graphql-core's schema of the committed SDL (one per process: it holds nothing per request),
    its custom scalars (Date, DateTime) parsing and serializing as Strawberry's do.

    The SDL is Strawberry's own output, kept equal to its schema by tests, so it is built as valid
    (graphql-core's SDL rules skipped) and parsed without source locations (nothing reports a
    position in the schema's text): ~55 ms instead of ~90."""
    sdl = parse(sdl_file().read_text(encoding="utf-8"), no_location=True)
    schema = build_ast_schema(sdl, assume_valid_sdl=True)
    for definition in DEFAULT_SCALAR_REGISTRY.values():
        found = schema.type_map.get(definition.name)
        if isinstance(found, GraphQLScalarType) and definition.implementation is None:
            strawberry_s = _make_scalar_type(definition)
            # Each coercion Strawberry's scalar sets (graphql-core 3.3 calls coerce_input_value and
            # coerce_output_value, the older serialize and parse_value are their aliases).
            for name, method in vars(strawberry_s).items():
                if callable(method):
                    setattr(found, name, method)
    return schema


# graphql-core's own rules (the document against the schema: fields, arguments, types, fragments,
# variables), not the deployment's limits and our own rules.
SCHEMA_RULES: frozenset[type[ASTValidationRule]] = frozenset(specified_rules)


@functools.cache
def bundled_documents() -> frozenset[str]:
    """The texts of the bundled manifest (graphql/persisted-query-manifest.json, in the package).

    `make schema` writes it with the schema, from graphql/operations/, and tests keep both in step
    and each document valid against the schema by SCHEMA_RULES (tests/test_contract.py,
    tests/http/test_trusted_validation.py), so a first validation of one of these texts need not
    run them again. A deployment's own manifests (TETHER_PERSISTED_MANIFEST) are not among them:
    nothing checked them against this schema."""
    bundled = next((path for path in DEFAULT_MANIFESTS if path.is_file()), None)
    if bundled is None:
        return frozenset()
    return frozenset(operation.body for operation in Manifest.load(bundled).operations.values())


class LazySchema:
    """The API's schema for one deployment's settings, each form built when first needed: `graphql`
    (from the SDL) and `strawberry` (the executable Strawberry schema)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._strawberry: strawberry.Schema | None = None
        self._lock = threading.Lock()  # two first requests (threads) build it once

    @property
    def graphql(self) -> GraphQLSchema:
        return sdl_schema()

    @property
    def built(self) -> bool:
        """Whether Strawberry's schema has been built (by this object or another of the process)."""
        return self._strawberry is not None

    @property
    def strawberry(self) -> strawberry.Schema:
        if self._strawberry is None:
            with self._lock:
                if self._strawberry is None:
                    from resolvers.schema import build_schema as build_strawberry_schema

                    self._strawberry = build_strawberry_schema(self.settings)
        return self._strawberry

    async def execute(self, query: str | None, **options: Any) -> ExecutionResult:
        """Strawberry's `Schema.execute` (its extensions: limits, validation, the document cache)."""
        return await self.strawberry.execute(query, **options)
