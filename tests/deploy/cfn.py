"""Reading template.yaml and samconfig.toml the way CloudFormation and the SAM CLI do (no AWS needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"
VENV_BIN = Path(sys.executable).parent
REGION = "us-east-1"


class CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """A YAML loader that reads CloudFormation short tags (`!Ref X`) as their long form."""


def _short_tag(loader: CfnLoader, suffix: str, node: Any) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _short_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    template: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)
    return template


def load_samconfig(path: Path = SAMCONFIG) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def sam_env() -> dict[str, str]:
    """The environment for the SAM CLI: no telemetry, a region, no credentials, python3.11 on PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        SAM_CLI_TELEMETRY="0",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        # The build runs `python3.11 -m pip`: the virtualenv's interpreter, whose pip is there.
        PATH=os.pathsep.join([str(VENV_BIN), env.get("PATH", "")]),
    )
    if "AWS_CA_BUNDLE" in os.environ:
        env["AWS_CA_BUNDLE"] = os.environ["AWS_CA_BUNDLE"]
    return env


def sam(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the SAM CLI of the virtualenv; the result carries stdout and stderr as text."""
    return subprocess.run(
        [str(VENV_BIN / "sam"), *args],
        cwd=cwd,
        env=sam_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
