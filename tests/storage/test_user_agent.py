"""The DynamoDB client's User-Agent header: built once per set of features (not twice per call, ~0.25
ms of an idle pull's CPU), and sent exactly as botocore builds it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.useragent import UserAgentString

from tests.sync.conftest import new_id
from tether.settings import Settings
from tether.storage.base import client
from tether.storage.keys import HEAD, user_key
from tether.storage.raw import raw_batch_get

CALLS = 10


def _components(header: str) -> list[str]:
    """The header's components, a feature list (`m/a,b`) in sorted order (botocore joins a set)."""
    return [
        f"m/{','.join(sorted(part[2:].split(',')))}" if part.startswith("m/") else part
        for part in header.split(" ")
    ]


def test_the_user_agent_is_built_once_per_set_of_features_and_sent_as_botocore_builds_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb = client()
    builds, building_expected = [0], [False]
    original = vars(UserAgentString)["_build_sdk_metadata"]  # one call per build of the whole header

    def counted(self: UserAgentString) -> Any:
        if not building_expected[0]:
            builds[0] += 1
        return original(self)

    monkeypatch.setattr(UserAgentString, "_build_sdk_metadata", counted)
    expected: list[str] = []
    sent: list[str] = []

    def rebuilt(**_: Any) -> None:  # when botocore rebuilds its header: what it would send, afresh
        building_expected[0] = True
        try:
            expected.append(UserAgentString.to_string(dynamodb._user_agent_creator))
        finally:
            building_expected[0] = False

    def capture(request: Any, **_: Any) -> None:
        header = request.headers["User-Agent"]  # bytes once signed
        sent.append(header.decode() if isinstance(header, bytes) else header)

    events = dynamodb.meta.events
    events.register("request-created.dynamodb.BatchGetItem", rebuilt)
    events.register("before-send.dynamodb.BatchGetItem", capture)
    try:
        for _ in range(CALLS):
            raw_batch_get(settings.table_name, [(user_key(new_id()), HEAD)])
    finally:
        events.unregister("request-created.dynamodb.BatchGetItem", rebuilt)
        events.unregister("before-send.dynamodb.BatchGetItem", capture)
    assert len(sent) == len(expected) == CALLS
    # (Powertools appends its own `PT/...` components on `request-created` after botocore's.)
    for header, built in zip(sent, expected, strict=True):
        assert _components(header)[: len(_components(built))] == _components(built)
    assert "ua/2.1" in sent[0]
    assert "Botocore/" in sent[0]
    # botocore alone: 2 builds a call (the request's and `request-created`'s rebuild), 20 here.
    assert builds[0] <= 2
