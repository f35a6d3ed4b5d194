"""function/: what `sam build` packages. Its pins equal pyproject's and it links only the runtime code."""

from __future__ import annotations

import os
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

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
}


def _normalised(line: str) -> tuple[str, frozenset[str], str, str | None]:
    requirement = Requirement(line)
    return (
        canonicalize_name(requirement.name),
        frozenset(requirement.extras),
        str(requirement.specifier),
        str(requirement.marker) if requirement.marker else None,
    )


def _pyproject_dependencies() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        dependencies: list[str] = tomllib.load(file)["project"]["dependencies"]
    return dependencies


def _function_requirements() -> list[str]:
    lines = (FUNCTION / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_function_requirements_pin_exactly_the_runtime_dependencies() -> None:
    pyproject = sorted(map(_normalised, _pyproject_dependencies()))
    function = sorted(map(_normalised, _function_requirements()))

    assert function == pyproject, "function/requirements.txt must repeat pyproject's [project] dependencies"
    assert len(set(function)) == len(function), "a requirement is listed twice"
    for name, _, specifier, _ in function:
        assert specifier.startswith("=="), f"{name} must be pinned exactly"
        assert "," not in specifier, f"{name} must be pinned exactly"


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
