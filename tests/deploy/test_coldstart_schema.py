"""The schema of a Lambda's init: graphql-core's, built from the committed SDL (resolvers/lazy_schema.py),
is Strawberry's, and Strawberry's is built once, on first use."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import graphql
import pytest
import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLScalarType,
    build_ast_schema,
    parse,
    print_ast,
    print_schema,
    validate,
    validate_schema,
)
from graphql.utilities import separate_operations

from resolvers import lazy_schema
from resolvers.lazy_schema import LazySchema, sdl_file, sdl_schema
from resolvers.schema import build_schema
from tests.deploy.test_coldstart import fresh_interpreter, in_package, package_copy, prod_environment
from tests.operations import documents
from tether.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent


def strawberry_schema() -> strawberry.Schema:
    return build_schema(Settings(stage="dev"))


def blocks(printed: str) -> set[str]:
    """A printed schema's definitions (types, directives), whatever their order."""
    return set(printed.split("\n\n"))


def test_the_committed_sdl_is_what_make_schema_writes_and_valid() -> None:
    assert sdl_file() == ROOT / "graphql" / "schema.graphql"
    text = sdl_file().read_text(encoding="utf-8")
    assert text == strawberry_schema().as_str() + "\n"
    # sdl_schema() skips graphql-core's SDL rules: they hold (build_schema checks them) ...
    checked = graphql.build_schema(text)
    # ... and so does the built schema's own validation.
    assert validate_schema(sdl_schema()) == validate_schema(checked) == []
    assert print_schema(sdl_schema()) == print_schema(checked)


def test_the_sdl_schema_prints_as_strawberry_s_but_for_the_one_of_inputs_it_checks_itself() -> None:
    """Every type, field, argument, default, description and directive is the same. The one
    difference: Strawberry marks its `@oneOf` inputs for its own validation rule and leaves
    graphql-core's `is_one_of` off; the SDL's `@oneOf` turns graphql-core's own check on (same rule,
    graphql-core's wording of its error)."""
    ours, theirs = sdl_schema(), strawberry_schema()._schema
    one_of = {
        name
        for name, type_ in theirs.type_map.items()
        if isinstance(type_, GraphQLInputObjectType) and type_.extensions["strawberry-definition"].is_one_of
    }
    assert one_of == {"SyncChangeInput", "ChatContextInput"}
    assert {name for name, type_ in ours.type_map.items() if getattr(type_, "is_one_of", False)} == one_of
    for name in one_of:
        theirs.type_map[name].is_one_of = True  # type: ignore[attr-defined]
    try:
        assert blocks(print_schema(ours)) == blocks(print_schema(theirs))
    finally:
        for name in one_of:
            theirs.type_map[name].is_one_of = False  # type: ignore[attr-defined]
    assert set(ours.type_map) == set(theirs.type_map)
    assert {directive.name for directive in ours.directives} == {
        directive.name for directive in theirs.directives
    }


def test_every_client_operation_validates_alike() -> None:
    ours, theirs = sdl_schema(), strawberry_schema()._schema
    for name, document in separate_operations(documents()).items():
        assert validate(ours, document) == validate(theirs, document) == [], name
    bad = parse('query { syncPull(input: {clientId: 1, limit: "x"}) { cursor hasMore nope } }')
    assert [e.formatted for e in validate(ours, bad)] == [e.formatted for e in validate(theirs, bad)] != []


@pytest.mark.parametrize("name", ["DateTime", "Date"])
def test_the_scalars_parse_and_serialize_as_strawberry_s(name: str) -> None:
    ours, theirs = sdl_schema().type_map[name], strawberry_schema()._schema.type_map[name]
    assert isinstance(ours, GraphQLScalarType)
    assert isinstance(theirs, GraphQLScalarType)
    value = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC) if name == "DateTime" else dt.date(2026, 12, 1)
    assert ours.serialize(value) == theirs.serialize(value) == value.isoformat()
    assert ours.parse_value(value.isoformat()) == theirs.parse_value(value.isoformat()) == value
    for wrong in ("not a date", 12):
        with pytest.raises(GraphQLError) as refused_by_ours:
            ours.parse_value(wrong)
        with pytest.raises(GraphQLError) as refused_by_theirs:
            theirs.parse_value(wrong)
        assert refused_by_ours.value.message == refused_by_theirs.value.message


def test_strawberry_s_schema_is_built_once_on_first_use(settings: Settings) -> None:
    schema = LazySchema(settings)
    assert schema.graphql is sdl_schema()
    built: list[strawberry.Schema] = []
    threads = [threading.Thread(target=lambda: built.append(schema.strawberry)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 4
    assert all(each is build_schema(settings) for each in built)
    # In a thread of its own: asyncio.run in the test's thread would leave it without an event
    # loop, and later tests of this process that need one (sync execution of async resolvers)
    # would leave coroutines unawaited.
    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(asyncio.run, schema.execute("{ __typename }")).result()
    assert result.errors is None
    assert result.data == {"__typename": "Query"}


# What init costs without Strawberry's schema: the SDL's schema imports neither the GraphQL layer's
# types nor the core's services, and the first non-sync operation builds Strawberry's and answers.
WITHOUT_STRAWBERRY = """
import json, sys
from resolvers.lazy_schema import LazySchema
from tether.settings import Settings
schema = LazySchema(Settings(stage="dev"))
schema.graphql
loaded_before = sorted(n for n in sys.modules if n.startswith(("resolvers.", "tether.services", "tether.chat")))
import asyncio
result = asyncio.run(schema.execute("{ __typename }"))
print(json.dumps({"before": loaded_before, "built": schema.built, "data": result.data}))
"""


def test_the_sdl_schema_needs_neither_the_graphql_layer_nor_the_services() -> None:
    found: dict[str, Any] = fresh_interpreter(WITHOUT_STRAWBERRY, cwd=ROOT, env=prod_environment())
    assert found["before"] == ["resolvers.lazy_schema"]
    assert found["built"] is True
    assert found["data"] == {"__typename": "Query"}


# Strawberry evaluates a string annotation (what `from __future__ import annotations` makes of every
# one) by parsing it, unparsing it and compiling it again: ~1,200 of them were about a quarter of the
# GraphQL layer's import. Counted in a fresh interpreter, per module.
COUNT_STRING_ANNOTATIONS = """
import json
from typing import ForwardRef
import strawberry.annotation
evaluate = strawberry.annotation.eval_type
counts = {}
def counted(type_, globalns=None, localns=None):
    if isinstance(type_, ForwardRef):
        module = str((globalns or {}).get("__name__"))
        counts[module] = counts.get(module, 0) + 1
    return evaluate(type_, globalns, localns)
strawberry.annotation.eval_type = counted
import resolvers.schema
print(json.dumps(counts))
"""


def test_the_graphql_types_are_defined_with_their_annotations_evaluated() -> None:
    counts: dict[str, int] = fresh_interpreter(COUNT_STRING_ANNOTATIONS, cwd=ROOT, env=prod_environment())
    # Every module of the GraphQL layer, the synced collections' generated types too (their module
    # is None): only the forward references a class needs to itself or a later class (quoted
    # where written).
    assert sum(counts.values()) <= 10, counts


# The deployment's init (app.py at import): the endpoint holds the lazy schema, so neither the root
# schema's modules (every domain's queries and mutations) nor Strawberry's conversion run.
APP_INIT = """
import json, sys
import app
route = next(route for route in app.app.routes if getattr(route, "path", None) == "/graphql")
schema = route.endpoint.__self__.schema
print(json.dumps({"root": "resolvers.schema" in sys.modules, "built": schema.built}))
"""


def test_init_builds_no_strawberry_schema() -> None:
    found: dict[str, Any] = fresh_interpreter(APP_INIT, cwd=ROOT, env=prod_environment())
    assert found == {"root": False, "built": False}


# The SDL texts a fresh `import app` parses (graphql-core's parser is most of the SDL schema's build),
# from a copy of the Lambda package: as `make build` makes it, or as source only (no build step).
COUNT_SDL_PARSES = """
import json, sys
import graphql
from pathlib import Path
sdl = Path("schema.graphql").read_text(encoding="utf-8")
parse, parses = graphql.parse, []
def counted(source, **options):
    parses.append(source == sdl)
    return parse(source, **options)
graphql.parse = counted
import app
print(json.dumps({"sdl_parses": sum(parses)}))
"""


def test_a_built_package_builds_its_sdl_schema_from_the_parse_its_build_wrote(tmp_path: Path) -> None:
    built = in_package(COUNT_SDL_PARSES, package_copy(tmp_path / "built", bytecode=True))
    assert built["sdl_parses"] == 0
    # Without the build step (and proof the count counts): parsed at init, once.
    assert in_package(COUNT_SDL_PARSES, package_copy(tmp_path / "source", bytecode=False))["sdl_parses"] == 1


def test_the_written_parse_builds_the_same_schema_and_is_read_only_for_its_own_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdl = tmp_path / "schema.graphql"
    shutil.copyfile(sdl_file(), sdl)
    assert lazy_schema.write_parsed_sdl(tmp_path) == lazy_schema.parsed_file(sdl)
    assert lazy_schema.write_parsed_sdl(tmp_path / "empty") is None
    parses: list[str] = []

    def counted(source: str, **options: Any) -> DocumentNode:
        parses.append(source)
        return parse(source, **options)

    monkeypatch.setattr(lazy_schema, "parse", counted)
    read = lazy_schema.sdl_document(sdl)
    assert parses == []
    assert print_schema(build_ast_schema(read)) == print_schema(sdl_schema())
    assert print_ast(read) == print_ast(parse(sdl.read_text(encoding="utf-8")))
    # An SDL changed since its build is parsed again, and so is a parse by another graphql-core.
    sdl.write_text(sdl.read_text(encoding="utf-8") + "\nscalar Later\n", encoding="utf-8")
    assert "Later" in build_ast_schema(lazy_schema.sdl_document(sdl)).type_map
    assert len(parses) == 1
    lazy_schema.write_parsed_sdl(tmp_path)
    parses.clear()
    lazy_schema.sdl_document(sdl)
    assert parses == []
    monkeypatch.setattr(lazy_schema, "graphql_version", "0.0.0")
    lazy_schema.sdl_document(sdl)
    assert len(parses) == 1
