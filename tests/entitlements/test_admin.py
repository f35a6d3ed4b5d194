"""Editors grant and revoke entitlements by hand: audited, synced, judged by the clock."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import Clock, GraphQLClient
from tests.entitlements.conftest import grant, iso, mine
from tests.operations import operation
from tether.services import Services


def test_an_editors_grant_reaches_me_and_the_devices_feed(
    admin: GraphQLClient, gql: GraphQLClient, user_id: str, clock: Clock
) -> None:
    assert gql.data(operation("MyEntitlements"))["me"]["entitlements"] == []
    pulled = gql.data(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": None}})["syncPull"]
    cursor = pulled["cursor"]
    granted = grant(admin, user_id, expiresAt=iso(clock.now + timedelta(days=7)))
    assert (granted["name"], granted["source"], granted["status"]) == ("premium", "ADMIN", "ACTIVE")
    me = mine(gql)
    assert [(e["name"], e["status"]) for e in me["entitlements"]] == [("premium", "ACTIVE")]
    assert me["features"] == ["offline_downloads"]
    changed = gql.data(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": cursor}})["syncPull"]
    assert [(e["name"], e["expiresAt"][:19]) for e in changed["entitlements"]] == [
        ("premium", iso(clock.now + timedelta(days=7))[:19])
    ]
    clock.advance(days=7)
    me = mine(gql)
    assert [(e["name"], e["status"]) for e in me["entitlements"]] == [("premium", "EXPIRED")]
    assert me["features"] == []


def test_a_revocation_is_final_and_audited(
    admin: GraphQLClient, gql: GraphQLClient, user_id: str, services: Services
) -> None:
    grant(admin, user_id, "reports")
    assert mine(gql)["features"] == ["doctor_reports"]
    body = admin(operation("AdminRevokeEntitlement"), {"userId": user_id, "entitlement": "reports"})
    [revoked] = body["data"]["adminRevokeEntitlement"]
    assert (revoked["status"], revoked["reason"]) == ("REVOKED", "REVOKED_BY_EDITOR")
    assert mine(gql)["features"] == []
    subject = services.audit.subject(user_id)
    entries = [
        e for e in services.audit.entries() if e.subject == subject and e.kind == "entitlement_changed"
    ]
    assert [(e.kind, e.details["status"], e.details["source"]) for e in entries] == [
        ("entitlement_changed", "ACTIVE", "ADMIN"),
        ("entitlement_changed", "REVOKED", "ADMIN"),
    ]
    assert all(e.details["editor"] != user_id and len(e.details["editor"]) >= 32 for e in entries)


def test_only_editors_grant_and_only_declared_entitlements(
    admin: GraphQLClient, gql: GraphQLClient, user_id: str, clock: Clock
) -> None:
    body = gql(operation("AdminGrantEntitlement"), {"input": {"userId": user_id, "entitlement": "premium"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert mine(gql)["entitlements"] == []
    body = admin(operation("AdminGrantEntitlement"), {"input": {"userId": user_id, "entitlement": "gold"}})
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "input.entitlement",
        "reason": "UNKNOWN_ENTITLEMENT",
    }
    past = iso(clock.now - timedelta(minutes=1))
    body = admin(
        operation("AdminGrantEntitlement"),
        {"input": {"userId": user_id, "entitlement": "premium", "expiresAt": past}},
    )
    assert body["errors"][0]["extensions"]["field"] == "input.expiresAt"
