"""An app whose entitlements are judged by a clock the test moves, with a plans file of its own."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tether.services import Services
from tether.settings import Settings

MONTHLY = "com.example.tether.premium.monthly"
LIFETIME = "com.example.tether.lifetime"
PLANS: dict[str, Any] = {
    "entitlements": {
        "premium": {"description": "Premium content", "chat": {"dailyMessages": 5, "dailyTokens": 100000}},
        "plus": {"description": "More AI", "chat": {"dailyMessages": 3, "dailyTokens": 50000}},
        "reports": {"description": "Doctor-ready reports"},
    },
    "products": {MONTHLY: ["premium"], LIFETIME: ["premium", "reports"]},
    "features": {"doctor_reports": ["reports"], "offline_downloads": ["premium", "plus"]},
}


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def plans_file(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    path.write_text(json.dumps(PLANS))
    return path


@pytest.fixture
def entitlement_settings(settings: Settings, plans_file: Path) -> Settings:
    return dataclasses.replace(
        settings, plans_file=str(plans_file), catalog_partition=f"CATALOG#{ULID()}", chat_daily_messages=2
    )


@pytest.fixture
def services(entitlement_settings: Settings, clock: Clock) -> Services:
    return Services.build(entitlement_settings, clock=clock)


@pytest.fixture
def app(services: Services) -> Any:
    return create_app(services=services)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(client: TestClient, make_token: Callable[..., str]) -> GraphQLClient:
    return GraphQLClient(client, make_token(f"editor-{ULID()}", groups=["admin"]))


def grant(admin: GraphQLClient, user_id: str, entitlement: str = "premium", **fields: Any) -> dict[str, Any]:
    body = admin(
        operation("AdminGrantEntitlement"),
        {"input": {"userId": user_id, "entitlement": entitlement, **fields}},
    )
    assert "errors" not in body, body["errors"]
    granted: dict[str, Any] = body["data"]["adminGrantEntitlement"]
    return granted


def mine(gql: GraphQLClient) -> dict[str, Any]:
    me: dict[str, Any] = gql.data(operation("MyEntitlements"))["me"]
    return me


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
