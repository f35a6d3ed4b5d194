"""The GraphQL contract: the generated schema file, the client documents, and the root types."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import TokenKind, build_schema, validate
from graphql.language import Lexer, Source
from graphql.utilities import separate_operations
from strawberry.extensions import QueryDepthLimiter

from localdev.cli import SCHEMA_FILE, schema_sdl
from resolvers import schema as root
from tests.operations import OPERATIONS, documents, operation
from tether.settings import Settings

TESTS = Path(__file__).resolve().parent


def test_schema_file_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == schema_sdl(), "graphql/schema.graphql is stale: run `make schema`"


def test_root_fields_do_not_collide() -> None:
    for root_type in (root.Query, root.Mutation):
        owners: dict[str, list[str]] = {}
        for base in root_type.__bases__:
            for field in base.__strawberry_definition__.fields:  # type: ignore[attr-defined]
                owners.setdefault(field.python_name, []).append(base.__name__)
        clashes = {name: bases for name, bases in owners.items() if len(bases) > 1}
        assert clashes == {}, f"{root_type.__name__} fields defined twice: {clashes}"


def test_every_client_document_is_valid_against_the_schema() -> None:
    schema = build_schema(SCHEMA_FILE.read_text())
    assert validate(schema, documents()) == []


def test_client_documents_stay_well_inside_the_request_limits() -> None:
    settings = Settings()
    schema = build_schema(SCHEMA_FILE.read_text())
    depth = QueryDepthLimiter(settings.max_query_depth - 2).validation_rules
    for name, document in separate_operations(documents()).items():
        assert validate(schema, document, depth) == [], f"{name} is nearly too deep"
        text = operation(name)
        lexer = Lexer(Source(text))
        tokens = 0
        while lexer.advance().kind != TokenKind.EOF:
            tokens += 1
        assert tokens < settings.max_tokens / 2, (name, tokens)
        assert len(re.findall(r"\w+\s*:\s*\w+\s*[({]", text)) <= settings.max_aliases


def test_every_client_operation_is_executed_by_a_test() -> None:
    sources = "\n".join(path.read_text() for path in TESTS.rglob("test_*.py"))
    for name in separate_operations(documents()):
        assert f'operation("{name}")' in sources, f"no test sends the {name} operation"


def test_documents_live_only_in_graphql_operations() -> None:
    assert all(path.suffix == ".graphql" for path in OPERATIONS.iterdir())
    assert not (OPERATIONS.parent / "__init__.py").exists(), "graphql/ must never be a Python package"
    import graphql

    assert "site-packages" in str(graphql.__file__), "something shadows graphql-core"
