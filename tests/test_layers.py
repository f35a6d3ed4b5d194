"""Layers only point down: resolvers → tether (the core) → tether.storage → the leaf.

Every import of every module of `tether/` and `resolvers/` is read from its source (ast, so lazy
imports inside functions and `TYPE_CHECKING` imports count too) and its layer compared with the
layer of what it imports. A module may import its own layer and the layers below it, never above.

The layers, top to bottom (rank):
- 4 `resolvers.*`: the GraphQL layer.
- 3 `tether.*` not named below: the core (sync engine, domains, auth, chat, settings wiring).
- 2 `tether.storage.*`: the PynamoDB models, the only code that talks to DynamoDB.
- 1 `tether.errors`, `tether.settings`: the core's exception classes and the deployment's settings,
  which every layer may raise or read; they import nothing of the project but each other and the leaf.
- 0 `tether.model.*`: the leaf of shared data types (records, stamps, heads, devices); it imports
  nothing of the project outside itself.
`app.py`, `localdev/`, `bench/` and `tests/` wire or exercise everything and may import anything; no
layer may import them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERED = ("tether", "resolvers")
# Modules that may import anything; nothing layered may import them.
WIRING = ("app", "localdev", "bench", "tests")
FOUNDATION = ("tether.errors", "tether.settings")


def rank(module: str) -> int | None:
    """The layer of a project module (higher is further up), or None for a module not ours."""
    top = module.split(".")[0]
    if top in WIRING:
        return 5
    if top == "resolvers":
        return 4
    if top != "tether":
        return None
    if _within(module, "tether.model"):
        return 0
    if any(_within(module, name) for name in FOUNDATION):
        return 1
    if _within(module, "tether.storage"):
        return 2
    return 3


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(module: str, source: str, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, imported name) of every import in the source, relative ones resolved.

    `from package import name` gives `package.name`, so importing a submodule by name (`from tether
    import errors`) is judged by the submodule's layer.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """Every import of the module that points up a layer (or, from the leaf, out of it)."""
    own = rank(module)
    assert own is not None, module
    found = []
    for line, target in imports(module, source, is_package):
        theirs = rank(target)
        if theirs is None or (theirs <= own and not _leaves_the_leaf(module, target)):
            continue
        found.append(f"{module}:{line} imports {target}")
    return sorted(set(found))


def _leaves_the_leaf(module: str, target: str) -> bool:
    return _within(module, "tether.model") and not _within(target, "tether.model")


def layered_modules() -> list[tuple[str, Path]]:
    paths = sorted(path for top in LAYERED for path in (ROOT / top).rglob("*.py"))
    return [(module_name(path), path) for path in paths]


def test_every_import_of_the_core_and_the_resolvers_points_down() -> None:
    modules = layered_modules()
    assert len(modules) > 80  # the walk found the code (not an empty directory)
    found = [
        violation
        for module, path in modules
        for violation in violations(module, path.read_text(), path.name == "__init__.py")
    ]
    assert found == [], "upward imports:\n" + "\n".join(found)


def test_each_layer_is_used_by_the_one_above() -> None:
    """The rule is not met by accident: each layer really imports the one below it."""
    edges = {
        (rank(module), rank(target))
        for module, path in layered_modules()
        for _, target in imports(module, path.read_text(), path.name == "__init__.py")
        if rank(target) is not None
    }
    assert {(4, 3), (3, 2), (2, 1), (2, 0), (3, 0), (4, 0)} <= edges


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("tether.storage.feed", "from tether.sync.engine import SyncEngine"),
        ("tether.storage.feed", "import tether.sync.cursor"),
        ("tether.storage.feed", "from tether.sync import engine"),
        ("tether.storage.feed", "from ..sync.engine import SyncEngine"),
        ("tether.storage.feed", "def later() -> None:\n    from tether.audit import AuditLog\n"),
        ("tether.storage.feed", "from tether import audit"),
        ("tether.sync.engine", "from resolvers.sync.types import SyncPullInput"),
        ("tether.sync.engine", "from tests.faults import throttle"),
        ("tether.errors", "from tether.storage.base import guard"),
        ("tether.model.record", "from tether.errors import BadUserInput"),
        ("resolvers.schema", "import app"),
    ],
)
def test_an_upward_import_is_caught(module: str, source: str) -> None:
    assert violations(module, source) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("tether.storage.feed", "from tether.model.record import Record"),
        ("tether.storage.feed", "from tether.errors import Busy"),
        ("tether.storage.feed", "from .base import guard"),
        ("tether.storage.feed", "from tether import errors"),
        ("tether.sync.engine", "from tether.storage import transaction"),
        ("tether.model.record", "from tether.model.head import Head"),
        ("resolvers.schema", "from tether.services import Services"),
    ],
)
def test_a_downward_or_sideways_import_passes(module: str, source: str) -> None:
    assert violations(module, source) == []
