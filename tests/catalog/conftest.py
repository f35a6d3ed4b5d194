"""A catalog of its own per test (its own partition), the app around it, an editor and a reader."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.catalog.loader import load_file
from tether.services import Services
from tether.settings import Settings

DEMO = Path(__file__).resolve().parent.parent.parent / "catalog" / "demo.json"


@pytest.fixture
def catalog_settings(settings: Settings) -> Settings:
    """The test table, with a catalog partition no other test uses (the catalog is shared by design)."""
    return dataclasses.replace(settings, catalog_partition=f"CATALOG#{ULID()}")


@pytest.fixture
def services(catalog_settings: Settings) -> Services:
    return Services.build(catalog_settings)


@pytest.fixture
def app(services: Services) -> Any:
    return create_app(services=services)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient, make_token: Callable[..., str]) -> GraphQLClient:
    """A catalog editor (Cognito group `admin`)."""
    return GraphQLClient(client, make_token(f"editor-{ULID()}", groups=["admin"]))


@pytest.fixture
def demo(services: Services) -> Services:
    """The demo catalog (catalog/demo.json) loaded into this test's catalog."""
    load_file(DEMO, services.sync, services.catalog)
    return services


def text(language: str, value: str) -> dict[str, str]:
    return {"language": language, "text": value}


def save_collection(admin: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body = admin(operation("AdminSaveCollection"), {"input": fields})
    assert "errors" not in body, body["errors"]
    saved: dict[str, Any] = body["data"]["adminSaveCollection"]
    return saved


def save_track(admin: GraphQLClient, **fields: Any) -> dict[str, Any]:
    body = admin(operation("AdminSaveTrack"), {"input": fields})
    assert "errors" not in body, body["errors"]
    saved: dict[str, Any] = body["data"]["adminSaveTrack"]
    return saved


def publish(admin: GraphQLClient, item_id: str, with_tracks: bool = False) -> dict[str, Any]:
    body = admin(operation("AdminPublish"), {"id": item_id, "withTracks": with_tracks})
    assert "errors" not in body, body["errors"]
    published: dict[str, Any] = body["data"]["adminPublish"]
    return published


def new_collection(admin: GraphQLClient, item_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A published collection in English and Portuguese (fields override the defaults)."""
    item_id = item_id or f"c-{ULID()}".lower()
    values = {
        "id": item_id,
        "slug": item_id,
        "kind": "retreat",
        "defaultLanguage": "en",
        "title": [text("en", f"Collection {item_id}"), text("pt", f"Coleção {item_id}")],
        **fields,
    }
    save_collection(admin, **values)
    publish(admin, item_id)
    return values


def new_track(
    admin: GraphQLClient, collection_id: str, item_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A published track (fields override the defaults)."""
    item_id = item_id or f"t-{ULID()}".lower()
    values = {
        "id": item_id,
        "collectionId": collection_id,
        "title": [text("en", f"Track {item_id}")],
        **fields,
    }
    save_track(admin, **values)
    publish(admin, item_id)
    return values
