"""The persisted-query manifest of graphql/operations/ (Apollo's format), as `make manifest` writes it.

Each operation's body is what Apollo Client sends for it: the operation with exactly the fragments
it uses and `__typename` added to every selection set but the root (Apollo's cache adds it), so an
app using Apollo's manifest link sends ids this manifest knows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql.utilities import concat_ast, separate_operations

from tether.persisted import MANIFEST_FORMAT, MANIFEST_NAME, sha256_hex

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ROOT / "graphql" / "operations"
MANIFEST_FILE = ROOT / "graphql" / MANIFEST_NAME


class _AddTypename(Visitor):
    def leave_selection_set(
        self, node: SelectionSetNode, _key: Any, parent: Any, *_: Any
    ) -> SelectionSetNode | None:
        if isinstance(parent, OperationDefinitionNode):
            return None
        has_typename = any(
            isinstance(selection, FieldNode) and selection.name.value == "__typename" and not selection.alias
            for selection in node.selections
        )
        if has_typename:
            return None
        typename = FieldNode(name=NameNode(value="__typename"), arguments=(), directives=())
        return SelectionSetNode(selections=(*node.selections, typename))


def add_typename(document: DocumentNode) -> DocumentNode:
    """`document` with `__typename` in every selection set but an operation's root (as Apollo does)."""
    result: DocumentNode = visit(document, _AddTypename())
    return result


def operation_documents(directory: Path = OPERATIONS) -> dict[str, DocumentNode]:
    """Each operation of the directory's documents, with exactly the fragments it uses."""
    merged = concat_ast(
        [
            parse(path.read_text(encoding="utf-8"), no_location=True)
            for path in sorted(directory.glob("*.graphql"))
        ]
    )
    return dict(separate_operations(merged))


def build_manifest(directory: Path = OPERATIONS) -> dict[str, Any]:
    """Apollo's persisted-query manifest (version 1) of every operation, sorted by name."""
    operations = []
    for name, document in sorted(operation_documents(directory).items()):
        body = print_ast(add_typename(document))
        kind = next(d.operation.value for d in document.definitions if isinstance(d, OperationDefinitionNode))
        operations.append({"id": sha256_hex(body), "name": name, "type": kind, "body": body})
    return {"format": MANIFEST_FORMAT, "version": 1, "operations": operations}


def manifest_text(directory: Path = OPERATIONS) -> str:
    return json.dumps(build_manifest(directory), indent=2, ensure_ascii=False) + "\n"
