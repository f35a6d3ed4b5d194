"""The client operation documents in graphql/operations, as a mobile client sends them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import DocumentNode, parse, print_ast
from graphql.utilities import concat_ast, separate_operations

OPERATIONS = Path(__file__).resolve().parent.parent / "graphql" / "operations"


@cache
def documents() -> DocumentNode:
    """Every document in graphql/operations, as one AST (codegen reads them together)."""
    return concat_ast(
        [parse(path.read_text(), no_location=True) for path in sorted(OPERATIONS.glob("*.graphql"))]
    )


@cache
def operation(name: str) -> str:
    """The operation `name` with exactly the fragments it uses: the text a client sends."""
    return print_ast(separate_operations(documents())[name])
