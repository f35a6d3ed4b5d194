"""graphql-codegen (graphql/codegen.yml) types every operation, and its output compiles with `tsc --strict`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from localdev.manifest import operation_documents
from tests.conftest import ROOT

TSC = ROOT / "tests" / "node_modules" / ".bin" / "tsc"
STRICT = ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"]
STRICT += ["--skipLibCheck"]


def compile_strict(source: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TSC), *STRICT, str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_codegen_types_every_operation_and_compiles_strict(codegen: Path, tmp_path: Path) -> None:
    source = codegen / "operations.ts"
    typed = set(re.findall(r"^export type (\w+)(?:Query|Mutation) = ", source.read_text(), re.MULTILINE))
    assert typed == set(operation_documents()), "every operation in graphql/operations/ gets its types"
    compiled = compile_strict(source)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    # The check is real: code that misuses a generated type does not compile.
    misuse = tmp_path / "misuse.ts"
    misuse.write_text(
        f'import type {{ MeQuery }} from "{source.with_suffix("")}";\n'
        "const me: MeQuery = { me: { id: 1 } };\nexport default me;\n"
    )
    assert compile_strict(misuse).returncode != 0


def test_possible_types_cover_the_unions_apollo_must_know(codegen: Path) -> None:
    import json

    possible = json.loads((codegen / "possibleTypes.json").read_text())["possibleTypes"]
    assert set(possible["CatalogItem"]) == {"Collection", "Track"}
    assert {"Piece", "Collection", "Track"} <= set(possible["SyncRecord"])


@pytest.mark.parametrize("name", ["operations.ts", "possibleTypes.json"])
def test_the_committed_client_kit_is_what_codegen_writes(codegen: Path, name: str) -> None:
    """graphql/generated/ is what apps copy: it must match the schema and operations of this commit."""
    committed = ROOT / "graphql" / "generated" / name
    assert committed.read_text() == (codegen / name).read_text(), (
        f"graphql/generated/{name} is stale: run `make codegen`"
    )
