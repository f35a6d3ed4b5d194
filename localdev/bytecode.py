"""Bytecode for the Lambda package: `make build` compiles every module `sam build` wrote.

`sam build` extracts the dependencies' wheels and copies our code as source, without `.pyc` files,
and a Lambda's `/var/task` is read-only: without this step every cold start compiles every module
it imports (ours and the dependencies') from source, then throws the bytecode away
(`bench/coldstart_bench.py` measures the difference). The files are compiled by this interpreter,
which must be the runtime's version (`template.yaml`'s `Runtime`: a `.pyc` is only read by the
Python that wrote it), in `unchecked-hash` mode: the package never changes after the build, and
a zip's file times (2-second steps) would make timestamp-checked files look stale.

`python -m localdev.bytecode DIRECTORY`.
"""

from __future__ import annotations

import compileall
import py_compile
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


def template_runtime(template: Path = TEMPLATE) -> str:
    """The function's `Runtime` in template.yaml (e.g. `python3.11`)."""
    found = re.search(r"^\s+Runtime:\s*(python3\.\d+)\s*$", template.read_text(), re.MULTILINE)
    if found is None:
        raise ValueError(f"no python Runtime in {template}")
    return found.group(1)


def this_runtime() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def compile_package(directory: Path, workers: int = 0) -> bool:
    """Compile every `.py` under `directory` (a built function) for this interpreter, in `workers`
    processes (0: one per core), and write the parse of its SDL beside it (resolvers/lazy_schema.py
    `sdl_document`: what init's schema is built from); False if any file failed to compile
    (compileall prints which)."""
    from resolvers.lazy_schema import write_parsed_sdl

    compiled = compileall.compile_dir(
        directory,
        quiet=1,
        workers=workers,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    write_parsed_sdl(directory)
    return bool(compiled)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m localdev.bytecode DIRECTORY", file=sys.stderr)
        return 2
    runtime = template_runtime()
    if runtime != this_runtime():
        print(f"template.yaml's Runtime is {runtime}, this interpreter is {this_runtime()}", file=sys.stderr)
        return 1
    return 0 if compile_package(Path(argv[0])) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
