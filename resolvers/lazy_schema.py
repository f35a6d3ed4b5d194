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
import hashlib
import pickle
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLScalarType,
    GraphQLSchema,
    build_ast_schema,
    parse,
    specified_rules,
)
from graphql import version as graphql_version
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


# The built Lambda package's parse of its SDL (`make build`: localdev/bytecode.py), beside it.
PARSED_SUFFIX = ".parsed"


def parsed_file(sdl: Path) -> Path:
    return sdl.with_name(sdl.name + PARSED_SUFFIX)


def _stamp(text: bytes) -> bytes:
    """What a parse was made from: graphql-core's version (its AST classes) and the SDL's digest."""
    return f"graphql-core {graphql_version}\n".encode() + hashlib.sha256(text).digest()


def write_parsed_sdl(directory: Path) -> Path | None:
    """The parse of `directory`'s SDL (a built Lambda package's), written beside it for
    `sdl_document`; None if the directory has no SDL."""
    sdl = directory / SDL_NAME
    if not sdl.is_file():
        return None
    text = sdl.read_bytes()
    document = parse(text.decode("utf-8"), no_location=True)
    parsed_file(sdl).write_bytes(_stamp(text) + pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))
    return parsed_file(sdl)


def sdl_document(sdl: Path) -> DocumentNode:
    """The SDL parsed without source locations (nothing reports a position in the schema's text).

    graphql-core's parser is most of the schema's build (~50 of ~60 ms for 53 KB of SDL): a built
    package reads the parse its build wrote instead (~8 ms), when it was made by this graphql-core
    from this very text; anything else (a checkout, a stale or foreign file) is parsed. The file is
    the package's own, as trusted as its bytecode (Lambda's /var/task is read-only)."""
    text = sdl.read_bytes()
    try:
        written = parsed_file(sdl).read_bytes()
    except FileNotFoundError:
        written = b""
    stamp = _stamp(text)
    if written.startswith(stamp):
        document = pickle.loads(written[len(stamp) :])  # (the package's own build output)
        if isinstance(document, DocumentNode):
            return document
    return parse(text.decode("utf-8"), no_location=True)


@functools.cache
def sdl_schema() -> GraphQLSchema:
    """graphql-core's schema of the committed SDL (one per process: it holds nothing per request),
    its custom scalars (Date, DateTime) parsing and serializing as Strawberry's do.

    The SDL is Strawberry's own output, kept equal to its schema by tests, so it is built as valid
    (graphql-core's SDL rules skipped), from its parse (`sdl_document`): ~15 ms instead of ~90."""
    schema = build_ast_schema(sdl_document(sdl_file()), assume_valid_sdl=True)
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
