"""Cold start: importing the Lambda handler loads only what the first request needs.

Checked in a fresh interpreter configured as template.yaml configures the function (API Gateway's JWT
authorizer verifies tokens, no dev key), by what is in `sys.modules` after `import app`, and by
which of the package's modules it compiles from source (none, once `make build` compiled them): no
wall clock. `bench/coldstart_bench.py` measures what that is worth against the import floor.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from localdev.bytecode import compile_package, template_runtime, this_runtime
from tests.deploy.lambda_support import lambda_environment

ROOT = Path(__file__).resolve().parent.parent.parent

# Loaded on first use only: each is needed by a request the first one rarely is.
LAZY = {
    "appstoreserverlibrary": "App Store verification (redeemPurchase, the App Store webhook)",
    "cattrs": "App Store verification (Apple's library decodes its payloads with it)",
    "requests": "App Store verification (Apple's library)",
    "asn1crypto": "App Store verification (Apple's certificate extensions)",
    "jwt": "Bearer tokens we verify ourselves (API Gateway's authorizer already verified these)",
    "langcodes": "the first language tag a push or the catalog checks",
    "language_data": "the first language tag a push or the catalog checks",
    "google": "Google Play purchases",
    "boto3": "the S3, SQS and Bedrock clients (the DynamoDB client is botocore's, through PynamoDB)",
    "s3transfer": "the S3 clients' transfers (boto3 imports it)",
    "OpenSSL": "pyOpenSSL: botocore takes only ssl's SSLContext from it (tether/storage/tls.py)",
    "cryptography": "PyJWT, Google's and Apple's libraries (and pyOpenSSL)",
}

SCRIPT = """
import json, sys
import app
from tether.storage.base import TetherModel
connection = TetherModel._connection
print(json.dumps({
    "loaded": sorted(name for name in sys.modules if name.split(".")[0] in set(sys.argv[1:])),
    "client_built": connection is not None and connection.connection._client is not None,
}))
"""


def prod_environment() -> dict[str, str]:
    return lambda_environment(
        TETHER_STAGE="prod",
        TETHER_TABLE="tether-prod",
        TETHER_CURSOR_SECRET="c" * 32,
        TETHER_AUDIT_SECRET="a" * 32,
        TETHER_APPLE_BUNDLE_ID="com.example.tether",
        TETHER_APPLE_APP_ID="1234567890",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_LAMBDA_FUNCTION_NAME="tether-prod-graphql",
    )


def fresh_interpreter(script: str, *args: str, cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """The JSON that `script` prints last, run in a fresh interpreter."""
    run = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    found: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_handler_loads_no_module_the_first_request_does_not_need() -> None:
    found = fresh_interpreter(SCRIPT, *LAZY, cwd=ROOT, env=prod_environment())
    loaded = {name.split(".")[0] for name in found["loaded"]}
    assert not loaded, {name: LAZY[name] for name in loaded}
    # The DynamoDB client is built during init (Lambda's init phase), not by the first request.
    assert found["client_built"] is True


# Counts the modules of the package (the working directory) that a fresh `import app` compiles
# from source: a Lambda's /var/task is read-only, so each one is compiled again at every cold start.
COUNT_COMPILED = """
import importlib._bootstrap_external as external, json, os
package = os.getcwd() + os.sep
compiled = []
source_to_code = external.SourceLoader.source_to_code
def counted(self, data, path, **options):
    if str(path).startswith(package):
        compiled.append(os.path.relpath(path, package))
    return source_to_code(self, data, path, **options)
external.SourceLoader.source_to_code = counted
import app
print(json.dumps({"compiled": compiled, "app_code": app.create_app.__code__.co_filename}))
"""


def package_copy(into: Path, *, bytecode: bool) -> Path:
    package = into / "task"
    shutil.copytree(ROOT / "function", package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if bytecode:
        assert compile_package(package)
    return package


def in_package(script: str, package: Path, *args: str) -> dict[str, Any]:
    """`script` run in a fresh interpreter from the package, read-only as in Lambda."""
    env = prod_environment() | {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": f"{package}{os.pathsep}{ROOT}"}
    return fresh_interpreter(script, *args, cwd=package, env=env)


def compiled_at_import(package: Path) -> dict[str, Any]:
    return in_package(COUNT_COMPILED, package)


def test_the_built_package_imports_its_bytecode_and_compiles_nothing(tmp_path: Path) -> None:
    found = compiled_at_import(package_copy(tmp_path, bytecode=True))
    assert found["compiled"] == []
    assert found["app_code"] == str(tmp_path / "task" / "app.py")  # the package's, not the checkout's


def test_the_package_as_source_compiles_every_module_it_imports(tmp_path: Path) -> None:
    """What `sam build` alone ships: the cost the bytecode step removes (and proof the count counts)."""
    compiled = compiled_at_import(package_copy(tmp_path, bytecode=False))["compiled"]
    # (not resolvers/schema.py: the root schema is built on first use)
    assert {"app.py", "resolvers/http.py", "tether/sync/engine.py"} <= set(compiled)
    assert len(compiled) > 100


# The cyclic collector's passes once init's imports have begun (strawberry is among the first; a pass
# may come while the runtime loads app's own bytecode, before its first line), and its state once init
# is over. Init allocates ~180,000 objects that live as long as the process.
COLLECTOR = """
import gc, json, sys
if sys.argv[1] == "off":
    gc.disable()  # a host that turned the collector off keeps it off
passes = []
gc.callbacks.append(lambda phase, _: phase == "start" and "strawberry" in sys.modules and passes.append(1))
import app
print(json.dumps({"passes": len(passes), "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


def test_init_runs_without_the_cyclic_collector_and_resumes_it_for_requests(tmp_path: Path) -> None:
    package = package_copy(tmp_path, bytecode=True)  # as in Lambda: no compiling (its allocations) first
    found = in_package(COLLECTOR, package, "on")
    assert found["passes"] == 0  # none of the ~180 passes over init's objects (~15% of its CPU)
    assert found["enabled"] is True  # requests' garbage is collected: a warm function does not grow
    assert found["frozen"] > 100_000  # init's objects: never scanned again by a full collection
    assert in_package(COLLECTOR, package, "off")["enabled"] is False


def test_the_build_compiles_with_the_runtime_of_the_template() -> None:
    """`make build` compiles with the virtualenv's Python: a `.pyc` is read only by its own version."""
    assert template_runtime() == this_runtime()


# Whether `import app` ran its dataclasses' generated methods from the code its build compiled
# (tether/dataclass_code.py) and which sources it had to compile itself.
DATACLASS_CODE = """
import dataclasses, json
import app
from tether import dataclass_code
print(json.dumps({
    "installed": "exec" in vars(dataclasses),
    "misses": len(dataclass_code.misses),
    "classes": sum(1 for module in list(__import__("sys").modules.values())
                   for value in list(vars(module).values()) if dataclasses.is_dataclass(value)),
}))
"""


def test_a_built_package_s_init_compiles_none_of_its_dataclasses_methods(tmp_path: Path) -> None:
    built = in_package(DATACLASS_CODE, package_copy(tmp_path / "built", bytecode=True))
    assert built["installed"] is True
    assert built["misses"] == 0  # every generated method of init's classes came compiled
    assert built["classes"] > 500  # (ours, Strawberry's and the libraries': ~1.2-2 ms each otherwise)
    # Without the build step nothing is installed: each class compiles its methods, as `dataclasses` does.
    source = in_package(DATACLASS_CODE, package_copy(tmp_path / "source", bytecode=False))
    assert source["installed"] is False


def test_the_build_records_the_dataclass_code_of_a_package_built_for_another_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sam build` of an arm64 function on an x86-64 machine extracts arm64 wheels: this interpreter
    cannot import the package's compiled dependencies (orjson's, msgspec's, ...). The build still
    records the code of the package's own classes, importing the same locked dependencies from its
    own environment."""
    package = package_copy(tmp_path, bytecode=False)
    foreign = package / "orjson"  # as an aarch64 wheel's extension reads to an x86-64 interpreter
    foreign.mkdir()
    (foreign / "__init__.py").write_text("from .orjson import *\n")
    monkeypatch.chdir(tmp_path)
    assert compile_package(Path("task"))  # relative, as `make build` passes it
    shutil.rmtree(foreign)  # (in Lambda, an arm64 interpreter imports the arm64 wheel)
    built = in_package(DATACLASS_CODE, package)
    assert built["installed"] is True
    assert built["misses"] == 0
