"""The Python lock: uv.lock (every dependency, dev tools included) and function/requirements.txt from it.

`make lock` re-resolves uv.lock from pyproject.toml and regenerates function/requirements.txt (the Lambda's
runtime closure, what `sam build` installs); tests/deploy/test_requirements.py keeps both up to date.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_REQUIREMENTS = ROOT / "function" / "requirements.txt"
# The runtime dependencies only ([project] dependencies and what they need), pinned as locked.
EXPORT_ARGS = [
    "export",
    "--frozen",
    "--no-dev",
    "--no-emit-project",
    "--no-hashes",
    "--no-header",
    "--format",
    "requirements-txt",
]
HEADER = (
    "# Runtime dependencies of the Lambda function, installed by `sam build` (CodeUri: function/).\n"
    "# Generated from uv.lock by `make lock`: do not edit (tests/deploy/test_requirements.py checks it).\n"
)


def uv() -> str:
    """The uv that `make` bootstrapped into the virtual environment (else one on PATH)."""
    local = Path(sys.executable).parent / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("uv is missing: run `make deps` (it bootstraps uv into .venv)")
    return found


def function_requirements() -> str:
    """function/requirements.txt as uv.lock says it should be."""
    exported = subprocess.run(
        [uv(), *EXPORT_ARGS], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return HEADER + exported


def lock() -> None:
    """Re-resolve uv.lock from pyproject.toml, then regenerate function/requirements.txt from it."""
    subprocess.run([uv(), "lock"], cwd=ROOT, check=True)
    FUNCTION_REQUIREMENTS.write_text(function_requirements(), encoding="utf-8")
