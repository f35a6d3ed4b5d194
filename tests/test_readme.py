"""The README documents every setting (its table is generated: `make docs`)."""

from __future__ import annotations

from localdev.cli import README, readme_with_settings
from tether.settings import documented_settings


def test_readme_lists_every_setting() -> None:
    text = README.read_text()
    assert readme_with_settings(text) == text, "README.md's settings table is stale: run `make docs`"
    for env, _, _ in documented_settings():
        assert f"`{env}`" in text


def test_readme_starts_with_the_two_commands() -> None:
    text = README.read_text()
    assert text.index("make dev") < text.index("make test") < text.index("## Deploying")
    assert "sam build && sam deploy --guided" in text


def test_make_help_lists_every_target() -> None:
    """The README says `make help` lists every target: each .PHONY target appears as `make <target>`."""
    import re
    import subprocess

    from localdev.cli import ROOT

    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None
    shown = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    listed = set(re.findall(r"make ([a-z][a-z-]*)", shown))
    missing = sorted(set(phony.group(1).split()) - listed)
    assert missing == [], f"`make help` does not list {missing}"


def test_each_setup_recipe_runs_once_when_the_steps_run_side_by_side() -> None:
    """`make setup` runs its steps with -j4: a recipe that makes several files must run once, not
    once per file (four copies of the GraphiQL assets at once raced and failed a fresh clone)."""
    import subprocess

    from localdev.cli import ROOT

    planned = subprocess.run(
        ["make", "-n", "-B", "assets"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert planned.count("node_modules/graphiql/graphiql.min.js") == 1, planned
