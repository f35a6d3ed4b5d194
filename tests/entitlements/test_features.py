"""A plans file can gate a feature (here the assistant itself) behind entitlements."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import GraphQLClient
from tests.entitlements.conftest import PLANS, grant
from tests.entitlements.test_chat import new_thread, send


@pytest.fixture
def plans_file(tmp_path: Path) -> Path:
    path = tmp_path / "plans.json"
    path.write_text(json.dumps({**PLANS, "features": {**PLANS["features"], "chat": ["plus", "premium"]}}))
    return path


def test_a_gated_feature_is_forbidden_without_the_entitlement(
    gql: GraphQLClient, admin: GraphQLClient, user_id: str
) -> None:
    thread = new_thread(gql)
    [error] = send(gql, thread)["errors"]
    assert error["extensions"] == {
        "code": "FORBIDDEN",
        "reason": "ENTITLEMENT_REQUIRED",
        "entitlement": "plus",
    }
    grant(admin, user_id, "plus")
    assert send(gql, thread)["data"]["sendChatMessage"]["status"] == "COMPLETE"
