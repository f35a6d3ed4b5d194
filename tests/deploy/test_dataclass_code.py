"""tether/dataclass_code.py: a dataclass defined with the build's compiled code is the dataclass
`dataclasses` makes, and only code recorded by this interpreter from the same source is used."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tether import dataclass_code

# A frozen, slotted class with defaults of each kind, keyword-only fields and a ClassVar.
DECLARATION = """
import dataclasses
from typing import ClassVar

@dataclasses.dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Reading:
    kind: ClassVar[str] = "reading"
    name: str
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    count: int = 0
    note: str | None = dataclasses.field(default=None, compare=False)
"""


def define() -> type:
    namespace: dict[str, Any] = {"__name__": __name__}
    exec(compile(DECLARATION, __file__, "exec", dont_inherit=True), namespace)
    return namespace["Reading"]  # type: ignore[no-any-return]


@pytest.fixture(autouse=True)
def plain_dataclasses() -> Iterator[None]:
    dataclass_code.uninstall()
    dataclass_code.misses.clear()
    yield
    dataclass_code.uninstall()
    dataclass_code.misses.clear()


def behaviour(cls: type) -> list[Any]:
    first, second = cls(name="a", tags=("x",)), cls(name="a", tags=("x",), note="other")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.count = 2
    with pytest.raises(TypeError):
        cls("a")  # keyword-only
    return [
        repr(first),
        first == second,
        hash(first) == hash(second),
        first < cls(name="b"),
        cls(name="c").tags,
        vars(cls)["kind"],
        [field.name for field in dataclasses.fields(cls)],
        cls.__doc__,
    ]


def test_a_class_defined_from_the_recorded_code_is_the_one_dataclasses_makes(tmp_path: Path) -> None:
    plain = define()
    codes = dataclass_code.record()
    recorded = define()
    assert len(codes) >= 6  # __init__, __repr__, __eq__, the order methods, __setattr__, __delattr__, ...
    path = str(tmp_path / dataclass_code.FILE_NAME)
    dataclass_code.write(path, codes)
    dataclass_code.uninstall()

    assert dataclass_code.install(path) == len(codes)
    cached = define()
    assert dataclass_code.misses == []  # every method from the file's code
    assert behaviour(cached) == behaviour(plain) == behaviour(recorded)
    for name in ("__init__", "__repr__", "__eq__", "__lt__", "__setattr__", "__hash__"):
        assert vars(cached)[name].__code__.co_code == vars(plain)[name].__code__.co_code, name


def test_a_source_it_was_not_given_is_compiled_as_dataclasses_compiles_it(tmp_path: Path) -> None:
    path = str(tmp_path / dataclass_code.FILE_NAME)
    dataclass_code.write(path, {})
    assert dataclass_code.install(path) == 0
    assert "exec" in vars(dataclasses)
    assert behaviour(define()) == behaviour(define())
    assert len(dataclass_code.misses) >= 6


def test_a_file_of_another_interpreter_or_none_is_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = dataclass_code.record()
    define()
    dataclass_code.uninstall()
    path = str(tmp_path / dataclass_code.FILE_NAME)
    dataclass_code.write(path, codes)
    monkeypatch.setattr(dataclass_code, "stamp", lambda: b"dataclass-code cpython-399 3.99.0\n")
    assert dataclass_code.install(path) == 0
    assert "exec" not in vars(dataclasses)
    assert dataclass_code.install(str(tmp_path / "absent")) == 0
    assert "exec" not in vars(dataclasses)


def test_a_file_is_read_by_every_interpreter_that_reads_the_same_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build machine's Python 3.11 and the Lambda runtime's are rarely the same patch release
    or build: code objects and marshal's format are the same for one bytecode magic number (what a
    .pyc's validity rests on), so the file is the runtime's as much as the builder's."""
    codes = dataclass_code.record()
    define()
    dataclass_code.uninstall()
    path = str(tmp_path / dataclass_code.FILE_NAME)
    dataclass_code.write(path, codes)
    monkeypatch.setattr(sys, "version", "3.11.99 (main, Jan  1 2030, 00:00:00) [GCC 99.0] (another build)")
    try:
        assert dataclass_code.install(path) == len(codes) > 0
    finally:
        dataclass_code.uninstall()
