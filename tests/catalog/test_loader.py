"""Catalog files (make seed): every listed item brought to the file's state, idempotently, all checked first."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.catalog.conftest import DEMO
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.catalog.loader import load_catalog, load_file
from tether.errors import BadUserInput
from tether.services import Services
from tether.storage.instrumentation import record_calls


@pytest.fixture
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DEMO.read_text())
    return loaded


def test_loading_the_same_file_twice_changes_nothing(services: Services, gql: GraphQLClient) -> None:
    first = load_file(DEMO, services.sync, services.catalog)
    assert (first.created, first.changed, first.unchanged) == (15, 0, 0)
    head = services.sync.shared_head("catalog", fresh=True).head
    with record_calls() as calls:
        again = load_file(DEMO, services.sync, services.catalog)
    assert (again.created, again.changed, again.unchanged) == (0, 0, 15)
    assert "TransactWriteItems" not in calls.operations
    assert services.sync.shared_head("catalog", fresh=True).head == head
    found = gql.data(operation("Collection"), {"slug": "spring-retreat-2025"})["collection"]
    assert len(found["tracks"]) == 6


def test_a_changed_file_brings_items_to_its_state(
    services: Services, document: dict[str, Any], admin: GraphQLClient, gql: GraphQLClient
) -> None:
    load_catalog(document, services.sync, services.catalog)
    extra = admin.data(
        operation("AdminSaveCollection"),
        {
            "input": {
                "id": "extra",
                "slug": "extra",
                "kind": "course",
                "defaultLanguage": "en",
                "title": [{"language": "en", "text": "Extra"}],
            }
        },
    )
    changed = copy.deepcopy(document)
    first = changed["tracks"][0]
    first["title"]["en"] = "Opening talk"
    del first["description"]  # absent from the file: cleared
    changed["tracks"][1]["published"] = False
    report = load_catalog(changed, services.sync, services.catalog)
    assert (report.created, report.changed, report.unchanged) == (0, 2, 13)
    track = admin.data(operation("AdminCollection"), {"id": "spring-retreat-2025"})["collection"]["tracks"][0]
    assert track["titles"][0] == {"language": "en", "text": "Opening talk"}
    assert track["descriptions"] == []
    assert gql.data(operation("Track"), {"id": "spring-2025-02"})["track"] is None
    # What the file doesn't list is left alone.
    assert (
        admin.data(operation("AdminCollection"), {"id": "extra"})["collection"]["version"]
        == extra["adminSaveCollection"]["version"]
    )


def broken(document: dict[str, Any], section: str, index: int, **changes: Any) -> dict[str, Any]:
    edited = copy.deepcopy(document)
    edited[section][index].update(changes)
    for name, value in changes.items():
        if value is None:
            del edited[section][index][name]
    return edited


@pytest.mark.parametrize(
    ("section", "index", "changes", "field"),
    [
        ("tracks", 3, {"collectionId": "missing"}, "tracks[3].collectionId"),
        ("tracks", 0, {"title": {"en": ""}}, "tracks[0].title.en"),
        ("tracks", 0, {"media": {"video": "catalog/x/y.mp4"}}, "tracks[0].media"),
        ("tracks", 0, {"duration": 5}, "tracks[0].duration"),
        ("tracks", 0, {"published": "yes"}, "tracks[0].published"),
        ("collections", 1, {"slug": None}, "collections[1].slug"),
        ("collections", 1, {"slug": "retreats"}, "collections[0].slug"),  # the first of the two
        ("collections", 0, {"parentId": "spring-retreat-2025"}, "collections[0].parentId"),
        ("collections", 2, {"defaultLanguage": "fr"}, "collections[2].title"),
        ("tracks", 2, {"requires": "gold"}, "tracks[2].requires"),  # the plans file has no "gold"
        ("collections", 1, {"requires": "gold"}, "collections[1].requires"),
        ("collections", 2, {"id": "retreats"}, "collections[2].id"),
    ],
)
def test_a_broken_file_is_refused_whole_and_names_the_entry(
    services: Services,
    document: dict[str, Any],
    section: str,
    index: int,
    changes: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(BadUserInput) as refused:
        load_catalog(
            broken(document, section, index, **changes),
            services.sync,
            services.catalog,
            entitlements=services.editor.entitlements,
        )
    assert refused.value.extensions["field"] == field
    assert services.sync.shared_head("catalog", fresh=True).head.seq == 0  # nothing written


def test_a_file_must_be_a_catalog(services: Services, tmp_path: Path) -> None:
    for content in ("[]", '{"items": []}', '{"tracks": {}}', "not json"):
        path = tmp_path / "catalog.json"
        path.write_text(content)
        with pytest.raises(BadUserInput):
            load_file(path, services.sync, services.catalog)
