"""`make dev` loads the demo catalog into an empty catalog; `make seed [FILE=...]` loads a catalog file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from ulid import ULID

from localdev.seed import DEMO_CATALOG, main, prepare
from tether.settings import Settings


def test_prepare_loads_the_demo_catalog_only_into_an_empty_catalog(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = dataclasses.replace(settings, catalog_partition=f"CATALOG#{ULID()}")
    prepare(mine)
    assert (
        "Loaded the demo catalog (catalog/demo.json): 15 created, 0 changed, 0 unchanged."
        in capsys.readouterr().out
    )
    prepare(mine)
    assert "demo catalog" not in capsys.readouterr().out


def test_make_seed_loads_a_catalog_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert settings.dynamodb_endpoint is not None
    monkeypatch.setenv("TETHER_DYNAMODB_ENDPOINT", settings.dynamodb_endpoint)
    monkeypatch.setenv("TETHER_TABLE", settings.table_name)
    monkeypatch.setenv("TETHER_CATALOG_PARTITION", f"CATALOG#{ULID()}")
    assert main([]) == 0
    assert f"Loaded {DEMO_CATALOG} into {settings.table_name}: 15 created" in capsys.readouterr().out
    team = json.loads(DEMO_CATALOG.read_text())
    team["tracks"][0]["tags"] = ["opening"]
    path = tmp_path / "team-catalog.json"
    path.write_text(json.dumps(team))
    assert main(["--file", str(path)]) == 0
    assert "0 created, 1 changed, 14 unchanged" in capsys.readouterr().out
    team["tracks"][0]["collectionId"] = "nowhere"
    path.write_text(json.dumps(team))
    assert main(["--file", str(path)]) == 1
    assert "tracks[0].collectionId: there is no collection nowhere" in capsys.readouterr().err
    assert main(["--file", str(tmp_path / "missing.json")]) == 1
    assert "does not exist" in capsys.readouterr().err
