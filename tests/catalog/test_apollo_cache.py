"""Localized catalog texts through a normalized cache: Apollo Client's InMemoryCache, as apps use it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.http.conftest import serve
from tests.operations import operation
from tether.services import Services

SCRIPT = Path(__file__).resolve().parent / "apollo_cache.mjs"
SLUG = "spring-retreat-2025"
ENGLISH, PORTUGUESE = "Spring Silent Retreat 2025", "Retiro de Silêncio da Primavera 2025"


def run_apollo(url: str, token: str, possible_types: Path, tmp_path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is required; `make test` installs it"
    documents = tmp_path / "documents.json"
    documents.write_text(json.dumps({name: operation(name) for name in ("Collection", "SyncPull")}))
    completed = subprocess.run(
        [node, str(SCRIPT), url, token, str(documents), str(possible_types), SLUG],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@pytest.mark.slow
def test_switching_locales_through_apollo_s_cache_shows_the_right_titles(
    demo: Services, app: Any, make_token: Callable[..., str], codegen: Path, tmp_path: Path
) -> None:
    with serve(app) as url:
        result = run_apollo(f"{url}/graphql", make_token("reader"), codegen / "possibleTypes.json", tmp_path)
    shown = {(row["step"], row["locale"]): row for row in result["shown"]}
    expected = {"en": ("en", ENGLISH), "pt": ("pt", PORTUGUESE)}
    for row in result["shown"]:
        assert (row["textLanguage"], row["title"]) == expected[row["locale"]], row
    english, portuguese = shown[("first visit", "en")], shown[("switch to Portuguese", "pt")]
    assert english["trackTitles"] != portuguese["trackTitles"], "the tracks are localized too"
    for row in result["shown"]:
        reference = english if row["locale"] == "en" else portuguese
        assert row["trackTitles"] == reference["trackTitles"], row
    # Going back was answered from the cache (no refetch needed to be right), the sync did not corrupt it.
    assert shown[("back to English", "en")]["fromCache"]
    assert shown[("Portuguese again", "pt")]["fromCache"]
    assert shown[("after a catalog sync", "pt")]["fromCache"]
    assert result["requests"] == 3  # en, pt, and the sync
