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
