"""The compiled code of the methods `dataclasses` generates, written by the Lambda package's build and
read by a cold start, so that defining a dataclass does not compile its methods' source again.

Python 3.11's `dataclasses` writes the source of each generated method (`__init__`, `__repr__`, `__eq__`,
`__hash__`, a frozen class's `__setattr__` and `__delattr__`) and compiles it with `exec`, one method
at a time: ~1.2-2 ms a class, and init defines ~1,000 of them (ours, Strawberry's types, the
libraries'): the largest part of a cold start above the import floor (docs/deploy.md#cold-start).
The source of a method depends only on its class's declaration, so `make build`
(localdev/bytecode.py) records the code compiled from each source while the package imports what a
Lambda imports, and `install` (the first thing app.py does) gives `dataclasses` an `exec` that runs
that code for a source it has, and compiles any other source as `exec` does. The same text compiled
the same way is the same code: only the compile is skipped.

The file is stamped with the bytecode magic number of the interpreter that wrote it (code objects and
marshal's format are specific to it) and is ignored by any other; it is the package's own build output, as trusted
as its bytecode (Lambda's /var/task is read-only).
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
import sys
from collections.abc import Callable, Mapping
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Any

FILE_NAME = "dataclass-code.marshal"
# The package's root (app.py's directory): where the build writes the file.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The first sources `install`'s exec did not find, as it met them (a class the build's run did not
# define: compiled as before), for diagnosis; bounded, since a warm process may define classes.
misses: list[str] = []
MISSES_KEPT = 100
_recording = False  # (the build's run: app.py's `install` then leaves the recording in place)


def default_file() -> str:
    return os.path.join(PACKAGE_ROOT, FILE_NAME)


def stamp() -> bytes:
    """The interpreters a file's code is for: those that read the same bytecode (the magic number a
    .pyc's validity rests on). The build machine's patch release or build of Python is rarely the
    runtime's; code objects and marshal's format do not change within one magic number."""
    return f"dataclass-code {sys.implementation.cache_tag} {MAGIC_NUMBER.hex()}\n".encode()


def compiled(source: str) -> CodeType:
    """`source` compiled as `exec` compiles it when `dataclasses` calls it (no inherited flags:
    `dataclasses` itself has no `from __future__` import)."""
    return compile(source, "<string>", "exec", dont_inherit=True)


def record() -> dict[str, CodeType]:
    """From now on, the code of every source `dataclasses` executes, by its source (the build's run)."""
    global _recording
    codes: dict[str, CodeType] = {}
    _recording = True

    def recording(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if isinstance(source, str):
            codes[source] = compiled(source)
            source = codes[source]
        builtins.exec(source, globals, locals)

    _use(recording)
    return codes


def write(path: str, codes: Mapping[str, CodeType]) -> None:
    with open(path, "wb") as file:
        file.write(stamp() + marshal.dumps(dict(codes)))


def install(path: str | None = None) -> int:
    """`dataclasses` executing the code the build compiled for each source it has (the file at `path`,
    default the package's); how many sources it has (0: no file, or one for another interpreter, and
    `dataclasses` is left as it is; or the build's run is recording)."""
    if _recording:
        return 0
    try:
        with open(path or default_file(), "rb") as file:
            data = file.read()
    except FileNotFoundError:
        return 0
    header = stamp()
    if not data.startswith(header):
        return 0
    codes = marshal.loads(data[len(header) :])
    if not isinstance(codes, dict):
        return 0

    def cached(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        code = codes.get(source) if type(source) is str else None
        if code is None and isinstance(source, str) and len(misses) < MISSES_KEPT:
            misses.append(source)
        builtins.exec(code if code is not None else source, globals, locals)

    _use(cached)
    return len(codes)


def uninstall() -> None:
    """`dataclasses` calling the built-in `exec` again (and no recording)."""
    global _recording
    _recording = False
    vars(dataclasses).pop("exec", None)


def _use(exec_: Callable[..., None]) -> None:
    # `dataclasses` calls `exec` by its global name: a module attribute of that name is found before
    # the built-in, for that module only.
    dataclasses.exec = exec_  # type: ignore[attr-defined]
