"""Consent: decisions kept with time and policy version, never overwritten; features that need one."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from resolvers.context import Info
from resolvers.http import GraphQLEndpoint
from resolvers.offload import offload
from resolvers.schema import TetherSchema
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether import audit
from tether.accounts.consents import require_consent
from tether.errors import ConfigurationError, Forbidden
from tether.services import Services
from tether.settings import Settings


def record(gql: GraphQLClient, kind: str, granted: bool, version: str) -> dict[str, Any]:
    consent: dict[str, Any] = gql.data(
        operation("RecordConsent"), {"input": {"kind": kind, "granted": granted, "version": version}}
    )["recordConsent"]
    return consent


def test_consents_keep_their_history_and_the_latest_decision_counts(
    gql: GraphQLClient, settings: Settings, user_id: str
) -> None:
    first = record(gql, "privacy", True, "2026-01")
    assert (first["kind"], first["granted"], first["version"]) == ("privacy", True, "2026-01")
    record(gql, "ai_chat", True, "v1")
    record(gql, "privacy", False, "2026-01")
    latest = record(gql, "privacy", True, "2026-03")
    current = gql.data(operation("Consents"))["consents"]
    assert [(c["kind"], c["granted"], c["version"]) for c in current] == [
        ("ai_chat", True, "v1"),
        ("privacy", True, "2026-03"),
    ]
    assert current[1]["recordedAt"] == latest["recordedAt"]
    history = gql.data(operation("Consents"), {"kind": "privacy", "history": True})["consents"]
    assert [(c["granted"], c["version"]) for c in history] == [
        (True, "2026-03"),
        (False, "2026-01"),
        (True, "2026-01"),
    ]  # newest first; nothing overwritten
    assert history[2]["recordedAt"] == first["recordedAt"]
    assert len(gql.data(operation("Consents"), {"history": True})["consents"]) == 4
    log = Services.build(settings).audit
    subject = log.subject(user_id)
    changes = [e.details for e in log.entries() if e.subject == subject and e.kind == audit.CONSENT_CHANGED]
    assert changes == [
        {"consent": "privacy", "granted": True, "version": "2026-01"},
        {"consent": "ai_chat", "granted": True, "version": "v1"},
        {"consent": "privacy", "granted": False, "version": "2026-01"},
        {"consent": "privacy", "granted": True, "version": "2026-03"},
    ]


@pytest.mark.parametrize(
    ("kind", "version", "field"),
    [
        ("Privacy", "1", "kind"),
        ("ai chat", "1", "kind"),
        ("", "1", "kind"),
        ("k" * 41, "1", "kind"),
        ("privacy", "", "version"),
        ("privacy", "v" * 41, "version"),
        ("privacy", "v 1", "version"),
    ],
)
def test_malformed_consents_are_bad_user_input(
    gql: GraphQLClient, kind: str, version: str, field: str
) -> None:
    body = gql(operation("RecordConsent"), {"input": {"kind": kind, "granted": True, "version": version}})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert gql.data(operation("Consents"))["consents"] == []
    body = gql(operation("Consents"), {"kind": "Not A Kind"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_require_consent_follows_the_latest_decision(gql: GraphQLClient, user_id: str) -> None:
    with pytest.raises(Forbidden) as refused:
        require_consent(user_id, "research")
    assert refused.value.extensions == {"reason": "CONSENT_REQUIRED", "kind": "research"}
    record(gql, "research", True, "1")
    require_consent(user_id, "research")
    record(gql, "research", False, "1")  # withdrawn
    with pytest.raises(Forbidden):
        require_consent(user_id, "research")


@strawberry.type
class FeatureQuery:
    """A stand-in for a feature (the AI chat) that a deployment gates behind a consent."""

    @strawberry.field
    async def chat_feature(self, info: Info) -> str:
        user = info.context.user
        await offload(info.context.services.accounts.consents.require, user.id, "chat")
        return "ok"


def test_a_feature_that_needs_a_consent_is_forbidden_with_consent_required_until_granted(
    settings: Settings, gql: GraphQLClient, token: str
) -> None:
    gated = dataclasses.replace(settings, required_consents="chat=ai_chat+privacy, export=terms")
    endpoint = GraphQLEndpoint(TetherSchema(query=FeatureQuery), Services.build(gated))
    app = Starlette(routes=[Route("/graphql", endpoint.handle, methods=["POST"])])
    with TestClient(app) as test_client:
        feature = GraphQLClient(test_client, token)
        body = feature("{ chatFeature }")
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {
            "code": "FORBIDDEN",
            "reason": "CONSENT_REQUIRED",
            "kind": "ai_chat",
        }
        record(gql, "ai_chat", True, "v1")
        assert feature("{ chatFeature }")["errors"][0]["extensions"]["kind"] == "privacy"
        record(gql, "privacy", True, "2026-01")
        assert feature.data("{ chatFeature }") == {"chatFeature": "ok"}


@pytest.mark.parametrize("text", ["chat", "chat=", "Chat=ai_chat", "chat=ai chat", "chat=ai_chat+"])
def test_malformed_required_consents_stop_the_deployment_at_startup(settings: Settings, text: str) -> None:
    with pytest.raises(ConfigurationError, match="TETHER_REQUIRED_CONSENTS"):
        Services.build(dataclasses.replace(settings, required_consents=text))
