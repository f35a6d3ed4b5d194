"""Devices that really sign out: a revoked device's sign-in (origin_jti) is refused for every
operation, signOutEverywhere refuses every earlier token, and what each costs (docs/security.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
from starlette.testclient import TestClient

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id

REVOKED = {"code": "UNAUTHENTICATED", "reason": "SESSION_REVOKED"}

# One operation of each area a signed-in token reaches (sync, account, chat, attachments, people).
EVERY_AREA: list[tuple[str, dict[str, Any]]] = [
    ("SyncPull", {"input": {"clientId": "a-new-client-id"}}),
    ("SyncPush", {"input": {"clientId": "another-new-id", "mutations": []}}),
    ("Me", {}),
    ("Devices", {}),
    ("Pieces", {}),
    ("ChatThreads", {}),
    ("AttachmentQuota", {}),
    ("Profiles", {}),
]


def origin_of(token: str) -> str:
    origin: str = jwt.decode(token, options={"verify_signature": False})["origin_jti"]
    return origin


def signed_in(client: TestClient, make_token: Callable[..., str], user_id: str, **claims: Any) -> GraphQLClient:
    """A fresh sign-in of the user (its own origin_jti) on a device."""
    return GraphQLClient(client, make_token(user_id, **claims))


def assert_refused(gql: GraphQLClient) -> None:
    for name, variables in EVERY_AREA:
        body = gql(operation(name), variables)
        assert body.get("data") is None, (name, body)
        assert body["errors"][0]["extensions"] == REVOKED, (name, body)
    assert gql.post(operation("Me")).status_code == 401


def assert_works(gql: GraphQLClient) -> None:
    for name, variables in EVERY_AREA:
        body = gql(operation(name), variables)
        assert "errors" not in body, (name, body)


def test_a_revoked_devices_sign_in_is_refused_for_every_operation(
    client: TestClient, make_token: Callable[..., str], user_id: str
) -> None:
    phone_gql = signed_in(client, make_token, user_id)
    tablet_gql = signed_in(client, make_token, user_id)
    phone, tablet = Device(phone_gql, "lost-phone"), Device(tablet_gql, "tablet")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.push()
    tablet.sync_all()
    tablet_gql.data(operation("RevokeDevice"), {"clientId": "lost-phone"})
    # Today the phone's token pulled everything again with a new clientId, and `me` and chat answered.
    assert_refused(phone_gql)
    # Tokens refreshed from that sign-in carry the same origin_jti: refused too.
    refreshed = GraphQLClient(client, make_token(user_id, origin_jti=origin_of(phone_gql.token or "")))
    assert_refused(refreshed)
    # The user's other devices keep working, and so does a new sign-in on the phone.
    assert_works(tablet_gql)
    assert_works(signed_in(client, make_token, user_id))


def test_a_device_that_only_pulled_is_bound_to_its_sign_in_too(
    client: TestClient, make_token: Callable[..., str], user_id: str
) -> None:
    reader_gql, owner_gql = signed_in(client, make_token, user_id), signed_in(client, make_token, user_id)
    Device(reader_gql, "kitchen-tablet").pull()
    owner_gql.data(operation("RevokeDevice"), {"clientId": "kitchen-tablet"})
    assert_refused(reader_gql)
    assert_works(owner_gql)
