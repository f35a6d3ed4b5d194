"""Cold start: a fresh interpreter importing the Lambda handler and answering one pull event through
it, against the import floor (a fresh interpreter importing strawberry, mangum, starlette, pynamodb and
boto3 alone), both measured in the same run; then `python -X importtime`'s heaviest modules of what
remains above the floor.

The handler runs from a copy of the Lambda package (function/, links followed) compiled as
`make build` compiles it (localdev/bytecode.py), and, for comparison, from the same copy as source
only (what `sam build` alone ships: `/var/task` is read-only, so nothing is cached between cold
starts). The floor's packages are the virtualenv's, with their bytecode.

`python -m bench coldstart_bench` (or `python -m bench.coldstart_bench [--python /path/to/python3.12]`).
The handler child is configured only by environment variables, as template.yaml configures the
function (API Gateway's JWT authorizer has verified the token: the claims ride in the event).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import RESULTS, local_table

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
FLOOR_IMPORTS = ("strawberry", "mangum", "starlette", "pynamodb", "boto3")

FLOOR_SCRIPT = "import strawberry, mangum, starlette, pynamodb, boto3\n"


def not_shipped(candidates: tuple[str, ...] = ("awscrt",)) -> list[str]:
    """Packages of the virtualenv that the function's package does not ship (function/requirements.txt)
    but that the measured packages import when present: awscrt comes with aws-sam-cli's boto3[crt],
    and botocore imports it if it can (~100 ms). A Lambda has none of them."""
    shipped = (ROOT / "function" / "requirements.txt").read_text(encoding="utf-8").lower()
    return [name for name in candidates if f"\n{name}==" not in shipped]


# First in every measured process (floor and handler alike): the packages a Lambda lacks, unimportable.
LAMBDA_PRELUDE = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in not_shipped())
# The same imports with the cyclic collector paused, as app.py pauses it during init: the floor of a
# handler that does what the floor does (import those packages) the way init does it.
PAUSED_FLOOR_SCRIPT = "import gc\ngc.disable()\n" + FLOOR_SCRIPT
# ... and with the package's build-compiled dataclass code installed first, as app.py installs it
# (tether/dataclass_code.py: it speeds the floor's packages' dataclasses too): the floor of a handler
# that imports those packages the way init imports them. Run from the compiled package.
INIT_FLOOR_SCRIPT = (
    "import gc\ngc.disable()\nfrom tether import dataclass_code\ndataclass_code.install()\n" + FLOOR_SCRIPT
)
# The handler's own split of its CPU time (on stdout): the import of app (init: the imports, the
# schema, the services, the DynamoDB client) and the first request. The rest of the process's time
# is the interpreter's start.
HANDLER_SCRIPT = (
    "import json, resource, sys\n"
    "def cpu():\n"
    "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    return usage.ru_utime + usage.ru_stime\n"
    "event = json.load(open(sys.argv[1]))\n"
    "from tests.deploy.lambda_support import FakeLambdaContext\n"
    "started = cpu()\n"
    "import app\n"
    "imported = cpu()\n"
    "response = app.handler(event, FakeLambdaContext())\n"
    "answered = cpu()\n"
    "assert response['statusCode'] == 200, response\n"
    "assert 'errors' not in json.loads(response['body']), response['body']\n"
    "print(json.dumps({'init': imported - started, 'request': answered - imported}))\n"
)


def pull_event() -> dict[str, Any]:
    """The stored HTTP API event carrying the app's SyncPull operation (tests/deploy/lambda_support.py)."""
    from tests.deploy.lambda_support import sync_pull_event

    return sync_pull_event()


COMPILE_SCRIPT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from localdev.bytecode import compile_package\n"
    "sys.exit(0 if compile_package(Path(sys.argv[1]), workers=1) else 1)\n"
)

# Where init's CPU goes, step by step in one fresh interpreter run from the package, with the collector
# paused as app.py pauses it (on stdout, seconds per step; app's own wiring, a few ms, is left out:
# importing app here would configure the storage and build its client again). Init runs the trusted
# SyncPull and SyncPush on graphql-core's schema of the committed SDL (resolvers/lazy_schema.py,
# resolvers/sync/plain.py); the last two steps are what it leaves to the first operation that needs
# Strawberry's schema (the rest of the GraphQL layer's modules, then their conversion).
PHASES_SCRIPT = """
import gc, json, resource, sys
gc.disable()
from tether import dataclass_code
dataclass_code.install()
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
steps, last = {}, cpu()
def step(name):
    global last
    now = cpu()
    steps[name], last = now - last, now
import strawberry, mangum, starlette, pynamodb, boto3
step("floor imports")
from resolvers.lazy_schema import LazySchema
from tether.settings import Settings
schema = LazySchema(Settings.from_env())
import tether.services
step("the core's modules (tether.services and all it imports)")
import resolvers.sync.plain
step("the sync path's GraphQL modules (the synced records' classes: resolvers/*/records.py, resolvers/sync)")
schema.graphql
step("graphql-core's schema of the committed SDL (resolvers/lazy_schema.py)")
resolvers.sync.plain.plain_sdl_schema()
step("the sync fields attached to it (resolvers/sync/plain.py)")
from tether.storage import base as storage
settings = Settings.from_env()
storage.configure(settings)
tether.services.Services.build(settings)
step("the services")
storage.client()
step("the DynamoDB client")
import resolvers.schema
step("not in init: the rest of the GraphQL layer's modules (Strawberry builds each type)")
schema.strawberry
step("not in init: Strawberry's conversion of its types for graphql-core")
print(json.dumps(steps))
"""


def lambda_package(python: str, into: Path, *, bytecode: bool) -> Path:
    """A copy of the function's package (function/ with its links followed), compiled by `python`
    (a `.pyc` is read only by the version that wrote it) or left as source."""
    package = into / ("compiled" if bytecode else "source")
    shutil.copytree(ROOT / "function", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if bytecode:
        subprocess.run([python, "-c", COMPILE_SCRIPT, str(package)], cwd=ROOT, check=True)
    return package


def handler_env(table: str, endpoint: str, package: Path | None = None) -> dict[str, str]:
    """The environment template.yaml gives the function, with DynamoDB Local as the endpoint, and
    the package (if given) first on the path, read-only as in Lambda (no bytecode written)."""
    from tests.deploy.lambda_support import lambda_environment

    path = [str(package), str(ROOT)] if package is not None else [str(ROOT)]
    return lambda_environment(
        PYTHONDONTWRITEBYTECODE="1",
        TETHER_STAGE="dev",
        TETHER_TABLE=table,
        TETHER_DYNAMODB_ENDPOINT=endpoint,
        POWERTOOLS_LOG_LEVEL="WARNING",
        AWS_ACCESS_KEY_ID=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        AWS_SECRET_ACCESS_KEY=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        PYTHONPATH=os.pathsep.join(path),
    )


def run_once(
    python: str, script: str, args: list[str], env: dict[str, str], *extra: str
) -> tuple[float, str, str]:
    """CPU seconds (user + system) of one fresh interpreter running `script` to its end, its stdout
    and its stderr. CPU time, not wall-clock: on a shared machine the wall clock mostly measures the other
    processes (a Lambda's init has its own CPU share). It runs in the first directory of its path
    (`-c` puts the working directory first on the path): the package's, as Lambda's /var/task."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(
        [python, *extra, "-c", LAMBDA_PRELUDE + script, *args],
        cwd=env["PYTHONPATH"].split(os.pathsep)[0],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise RuntimeError(f"{python} {script!r} failed:\n{run.stderr[-4000:]}")
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, run.stdout, run.stderr


def handler_split(stdout: str) -> dict[str, float]:
    """The handler script's own CPU split (its last line), in seconds."""
    split: dict[str, float] = json.loads(stdout.strip().splitlines()[-1])
    return split


def import_times(stderr: str) -> dict[str, int]:
    """`-X importtime`'s self microseconds by top-level package."""
    totals: dict[str, int] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0) + int(self_us)
    return totals


def measure(python: str, runs: int = RUNS) -> dict[str, Any]:
    with local_table() as settings, tempfile.TemporaryDirectory() as work:
        event = [str(Path(work) / "event.json")]
        Path(event[0]).write_text(json.dumps(pull_event()))
        table, endpoint = settings.table_name, str(settings.dynamodb_endpoint)
        floor_env = handler_env(table, endpoint)
        compiled = handler_env(table, endpoint, lambda_package(python, Path(work), bytecode=True))
        source = handler_env(table, endpoint, lambda_package(python, Path(work), bytecode=False))
        samples: dict[str, list[float]] = {
            "floor": [],
            "paused_floor": [],
            "init_floor": [],
            "compiled": [],
            "source": [],
            "init": [],
            "request": [],
        }
        steps: dict[str, list[float]] = {}
        run_once(python, FLOOR_SCRIPT, [], floor_env)  # warm the file cache once, for each
        run_once(python, HANDLER_SCRIPT, event, compiled)
        run_once(python, HANDLER_SCRIPT, event, source)
        for _ in range(runs):  # interleaved, so machine noise hits each alike
            samples["floor"].append(run_once(python, FLOOR_SCRIPT, [], floor_env)[0])
            samples["paused_floor"].append(run_once(python, PAUSED_FLOOR_SCRIPT, [], floor_env)[0])
            samples["init_floor"].append(run_once(python, INIT_FLOOR_SCRIPT, [], compiled)[0])
            seconds, stdout, _ = run_once(python, HANDLER_SCRIPT, event, compiled)
            samples["compiled"].append(seconds)
            for phase, phase_seconds in handler_split(stdout).items():
                samples[phase].append(phase_seconds)
            samples["source"].append(run_once(python, HANDLER_SCRIPT, event, source)[0])
            phases = json.loads(run_once(python, PHASES_SCRIPT, [], compiled)[1].strip().splitlines()[-1])
            for name, seconds in phases.items():
                steps.setdefault(name, []).append(seconds)
        floor_times = import_times(run_once(python, FLOOR_SCRIPT, [], floor_env, "-X", "importtime")[2])
        handler_times = import_times(run_once(python, HANDLER_SCRIPT, event, compiled, "-X", "importtime")[2])
    remaining = {
        name: us - floor_times.get(name, 0)
        for name, us in handler_times.items()
        if us - floor_times.get(name, 0) > 0
    }
    floor_median = statistics.median(samples["floor"])
    paused_floor_median = statistics.median(samples["paused_floor"])
    init_floor_median = statistics.median(samples["init_floor"])
    compiled_median, source_median = (
        statistics.median(samples["compiled"]),
        statistics.median(samples["source"]),
    )
    return {
        "python": subprocess.run(
            [python, "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip(),
        "runs": runs,
        "floor_ms": round(floor_median * 1000, 1),
        "handler_ms": round(compiled_median * 1000, 1),
        "ratio": round(compiled_median / floor_median, 2),
        "paused_floor_ms": round(paused_floor_median * 1000, 1),
        "paused_ratio": round(compiled_median / paused_floor_median, 2),
        "init_floor_ms": round(init_floor_median * 1000, 1),
        "init_floor_ratio": round(compiled_median / init_floor_median, 2),
        "init_ms": round(statistics.median(samples["init"]) * 1000, 1),
        "request_ms": round(statistics.median(samples["request"]) * 1000, 1),
        "source_handler_ms": round(source_median * 1000, 1),
        "source_ratio": round(source_median / floor_median, 2),
        "floor_import_ms": round(sum(floor_times.values()) / 1000, 1),
        "handler_import_ms": round(sum(handler_times.values()) / 1000, 1),
        "init_steps_ms": {name: round(statistics.median(times) * 1000, 1) for name, times in steps.items()},
        "strawberry_ms": round(
            sum(statistics.median(times) for name, times in steps.items() if name.startswith("not in init"))
            * 1000,
            1,
        ),
        "above_floor_ms": {
            name: round(us / 1000, 1)
            for name, us in sorted(remaining.items(), key=lambda item: -item[1])[:15]
        },
    }


def print_result(result: dict[str, Any]) -> None:
    print(
        f"\ncold start, Python {result['python']} (CPU time, median of {result['runs']} fresh processes, same run):\n"
        f"  import the handler + answer one syncPull event: {result['handler_ms']} ms "
        f"(the package with its bytecode, as `make build` ships it)\n"
        f"  floor (import {', '.join(FLOOR_IMPORTS)}): {result['floor_ms']} ms\n"
        f"  both without {', '.join(not_shipped()) or 'nothing'} (in the virtualenv, not in the function's package)\n"
        f"  ratio: {result['ratio']}x (target <= 1.25x)\n"
        f"  of the handler's time: init (import app: imports, schema, services, DynamoDB client) "
        f"{result['init_ms']} ms, the first request {result['request_ms']} ms, the rest the interpreter's start\n"
        f"  the floor with the collector paused during its imports, as init pauses it: "
        f"{result['paused_floor_ms']} ms, ratio {result['paused_ratio']}x\n"
        f"  the floor imported as init imports it (collector paused, the build's dataclass code installed: "
        f"tether/dataclass_code.py): {result['init_floor_ms']} ms, ratio {result['init_floor_ratio']}x\n"
        f"  init step by step (one more fresh process, the collector paused as in init):\n"
        + "".join(f"    {name:<100} {ms:>7} ms\n" for name, ms in result["init_steps_ms"].items())
        + f"  Strawberry's schema (not in init: built by the first operation other than SyncPull/SyncPush): "
        f"{result['strawberry_ms']} ms\n"
        + f"  the same package as source only (what `sam build` alone ships): {result['source_handler_ms']} ms, "
        f"{result['source_ratio']}x\n"
        f"  -X importtime, self time of all imports: handler {result['handler_import_ms']} ms, "
        f"floor {result['floor_import_ms']} ms; above the floor, by package:"
    )
    for name, ms in result["above_floor_ms"].items():
        print(f"    {name:<28} {ms:>7} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", action="append", help="interpreter(s) to measure (default: this one)")
    parser.add_argument(
        "--runs", type=int, default=RUNS, help=f"fresh processes of each kind (default {RUNS})"
    )
    args = parser.parse_args(argv if argv is not None else [])
    results = []
    for python in args.python or [sys.executable]:
        result = measure(os.path.abspath(python), args.runs)  # not resolved: a virtualenv's python is a link
        print_result(result)
        results.append(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "coldstart.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
