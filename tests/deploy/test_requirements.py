"""function/: what `sam build` packages: the locked runtime closure (from uv.lock), and links to the runtime code."""

from __future__ import annotations

import os
import subprocess
import tomllib
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from localdev.lock import FUNCTION_REQUIREMENTS, function_requirements, uv
from tests.deploy.cfn import ROOT

FUNCTION = ROOT / "function"
# The only entries of function/: symlinks to the code the Lambda runs, and the pins.
LINKS = {
    "app.py": "../app.py",
    "tether": "../tether",
    "resolvers": "../resolvers",
    "static": "../static",
    # The trusted documents (a file: a graphql/ folder in the package would shadow graphql-core).
    "persisted-query-manifest.json": "../graphql/persisted-query-manifest.json",
    # The committed SDL: the schema built during init (resolvers/lazy_schema.py).
    "schema.graphql": "../graphql/schema.graphql",
}


def _pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        data: dict[str, Any] = tomllib.load(file)
    return data


def test_every_direct_dependency_is_pinned_exactly() -> None:
    project = _pyproject()["project"]
    for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        requirement = Requirement(line)
        assert str(requirement.specifier).startswith("=="), f"{requirement.name} must be pinned exactly"
        assert "," not in str(requirement.specifier), f"{requirement.name} must be pinned exactly"


def test_the_lock_is_up_to_date_with_pyproject() -> None:
    checked = subprocess.run(
        [uv(), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, f"uv.lock is stale: run `make lock`\n{checked.stderr}"


def test_function_requirements_are_the_locked_runtime_closure() -> None:
    text = FUNCTION_REQUIREMENTS.read_text(encoding="utf-8")
    assert text == function_requirements(), "function/requirements.txt is stale: run `make lock`"
    pinned = {
        canonicalize_name(Requirement(line).name): str(Requirement(line).specifier)
        for line in text.splitlines()
        if line.strip() and not line.startswith(("#", " "))
    }
    for line in _pyproject()["project"]["dependencies"]:
        requirement = Requirement(line)
        assert pinned[canonicalize_name(requirement.name)] == str(requirement.specifier), requirement.name
    assert "uv" not in pinned, "dev tools stay out of the Lambda"
    assert "pytest" not in pinned, "dev tools stay out of the Lambda"


def test_function_dir_links_only_the_runtime_code() -> None:
    entries = {entry.name for entry in FUNCTION.iterdir()}
    assert entries == {*LINKS, "requirements.txt"}
    for name, target in LINKS.items():
        link = FUNCTION / name
        assert link.is_symlink(), f"function/{name} must be a symlink (committed to git)"
        assert os.readlink(link) == target, "relative, so it works in any checkout"
        assert link.resolve() == (FUNCTION / target).resolve()
        assert link.exists(), f"function/{name} points at nothing"
    assert not (FUNCTION / "requirements.txt").is_symlink()
