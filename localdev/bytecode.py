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
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
FUNCTION = ROOT / "function"  # what the package holds of ours (links), beside its dependencies


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
    processes (0: one per core), and write what init reads instead of compiling or parsing again:
    the parse of its SDL (resolvers/lazy_schema.py `sdl_document`) and the code of its dataclasses'
    generated methods (tether/dataclass_code.py); False if any file failed to compile (compileall
    prints which)."""
    from resolvers.lazy_schema import write_parsed_sdl

    compiled = compileall.compile_dir(
        directory,
        quiet=1,
        workers=workers,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    write_parsed_sdl(directory)
    return bool(compiled) and write_dataclass_code(directory)


# Run in the package: what a Lambda's init defines (app), the first push's input types and the
# rest of the GraphQL layer (the first other operation's), their dataclasses' code recorded.
RECORD_DATACLASS_CODE = """
import sys
from tether import dataclass_code
codes = dataclass_code.record()
import app
import resolvers.schema
import resolvers.sync.mutations
dataclass_code.write(sys.argv[1], codes)
"""


def write_dataclass_code(directory: Path) -> bool:
    """The code of the dataclass methods `directory`'s app defines (tether/dataclass_code.py),
    recorded by this interpreter in a fresh process that imports the package's own modules (and
    this environment's locked dependencies: `_own_modules`), written into it; False if that failed (its error printed). A package without app.py has none to record."""
    directory = directory.resolve()  # (`make build` passes it relative; the recording runs elsewhere)
    if not (directory / "app.py").is_file():
        return True
    # The function's own modules, its default settings, and credentials that sign nothing (building
    # the DynamoDB client resolves some; nothing is called): no AWS configuration of the build's.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TETHER_", "AWS_"))}
    own = _own_modules(directory)
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=os.pathsep.join([str(own), *filter(None, [os.environ.get("PYTHONPATH")])]),
        AWS_ACCESS_KEY_ID="build",
        AWS_SECRET_ACCESS_KEY="build",
        AWS_EC2_METADATA_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from tether.dataclass_code import FILE_NAME

    try:
        run = subprocess.run(
            [sys.executable, "-c", RECORD_DATACLASS_CODE, str(directory / FILE_NAME)],
            cwd=own,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(own)
    if run.returncode != 0:
        print(run.stderr[-4000:], file=sys.stderr)
    return run.returncode == 0


def _own_modules(directory: Path) -> Path:
    """A directory of links to the package's own modules and files (what function/ lists), without
    the dependencies `sam build` extracted beside them: those are the wheels of the function's
    architecture (arm64), which this machine's interpreter may not import. The recording imports
    the same locked dependencies from this interpreter's environment instead; a class whose source
    differs there is only compiled at init, as without the file."""
    own = Path(tempfile.mkdtemp(prefix="tether-dataclass-code-"))
    for entry in FUNCTION.iterdir():
        if entry.name != "requirements.txt" and (directory / entry.name).exists():
            (own / entry.name).symlink_to((directory / entry.name).resolve())
    return own


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
