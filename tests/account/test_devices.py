"""Devices: what the apps say about themselves, and revoking a lost one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.conftest import Clock, GraphQLClient
from tests.faults import before_write
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether import audit
from tether.services import Services
from tether.storage.instrumentation import record_calls


def devices(gql: GraphQLClient) -> dict[str, dict[str, Any]]:
    return {device["clientId"]: device for device in gql.data(operation("Devices"))["devices"]}


def push(app: Device, **extra: Any) -> dict[str, Any]:
    """Send the app's queue with extra input fields (e.g. `device`)."""
    body = app.gql(
        operation("SyncPush"), {"input": {"clientId": app.client_id, "mutations": app.queue, **extra}}
    )
    return body


def revocations(settings: Any, user_id: str) -> int:
    log = Services.build(settings).audit
    subject = log.subject(user_id)
    return sum(1 for e in log.entries() if e.subject == subject and e.kind == audit.DEVICE_REVOKED)


def test_devices_list_what_each_app_sent_with_its_pushes(clocked: GraphQLClient, server_clock: Clock) -> None:
    gql = clocked
    phone, tablet = Device(gql, "phone-1"), Device(gql, "tablet-1")
    first_push = server_clock()
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.save_piece(at(1), id=new_id(), title="Mele")
    info = {"name": "Ada's phone", "platform": "ios 18.2", "appVersion": "1.4.0"}
    assert "errors" not in push(phone, device=info)
    tablet.save_piece(at(2), id=new_id(), title="Hula")
    tablet.push()
    listed = devices(gql)
    assert set(listed) == {"phone-1", "tablet-1"}
    phone_entry = listed["phone-1"]
    assert {key: phone_entry[key] for key in ("name", "platform", "appVersion")} == info
    assert phone_entry["lastMutationId"] == 2
    assert phone_entry["revoked"] is False
    assert datetime.fromisoformat(phone_entry["firstSeenAt"]) == first_push
    assert datetime.fromisoformat(phone_entry["lastSyncAt"]) == first_push
    assert listed["tablet-1"]["name"] is None
    # A later push that says only its new version changes only that, and keeps firstSeenAt.
    phone.queue = []
    phone.save_piece(at(3), id=new_id(), title="Oli 2")
    server_clock.advance(milliseconds=1)  # the least the API shows: a later sync, however close
    assert "errors" not in push(phone, device={"appVersion": "1.5.0"})
    updated = devices(gql)["phone-1"]
    assert (updated["name"], updated["appVersion"], updated["firstSeenAt"]) == (
        "Ada's phone",
        "1.5.0",
        phone_entry["firstSeenAt"],
    )
    assert datetime.fromisoformat(updated["lastSyncAt"]) == first_push + timedelta(milliseconds=1)


def test_device_info_costs_no_write_of_its_own(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    batch = list(phone.queue)
    with record_calls() as calls:
        push(phone, device={"name": "phone"})
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    phone.queue = batch  # a retried push: every mutation DUPLICATE, nothing written
    with record_calls() as calls:
        retried = push(phone, device={"name": "renamed"})
    assert retried["data"]["syncPush"]["results"][0]["status"] == "DUPLICATE"
    assert calls.operations == ["BatchGetItem"]
    assert devices(gql)["phone"]["name"] == "phone"


def test_over_long_device_info_is_bad_user_input(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    for field, value, limit in (
        ("name", "n" * 101, 100),
        ("platform", "p" * 41, 40),
        ("appVersion", "v" * 41, 40),
    ):
        body = push(phone, device={field: value})
        error = body["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": f"device.{field}", "limit": limit}
    pulled = gql(operation("SyncPull"), {"input": {"clientId": "phone", "device": {"name": "n" * 101}}})
    assert pulled["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert devices(gql) == {}


def test_a_revoked_device_is_refused_and_its_retried_push_applies_nothing(
    gql: GraphQLClient, settings: Any, user_id: str, make_token: Any
) -> None:
    # Each device has its own sign-in (revoking one refuses its sign-in too: tests/account/test_signout.py).
    phone = Device(GraphQLClient(gql.client, make_token(user_id)), "lost-phone")
    tablet = Device(gql, "tablet")
    first, second = new_id(), new_id()
    phone.save_piece(at(0), id=first, title="Oli")
    phone.push()
    tablet.change(at(0), savePreferences={"timeZone": "UTC"})
    tablet.push()
    tablet.sync_all()
    phone.save_piece(at(1), id=second, title="Mele")  # queued on the lost phone
    revoked = gql.data(operation("RevokeDevice"), {"clientId": "lost-phone"})["revokeDevice"]
    assert revoked == {"clientId": "lost-phone", "revoked": True, "signInBound": True}
    for _ in range(2):  # the phone keeps retrying
        body = phone.push_raw()
        assert body["data"] is None
        assert body["errors"][0]["extensions"] == {"code": "FORBIDDEN", "reason": "DEVICE_REVOKED"}
    pulled = phone.gql(operation("SyncPull"), {"input": {"clientId": "lost-phone", "cursor": None}})
    assert pulled["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert set(tablet.sync_all()) == {first}  # nothing of the refused push was applied
    listed = devices(gql)
    assert listed["lost-phone"]["revoked"] is True
    assert listed["lost-phone"]["lastMutationId"] == 1
    assert listed["tablet"]["revoked"] is False
    # Revoking again is harmless and audited once.
    assert gql.data(operation("RevokeDevice"), {"clientId": "lost-phone"})["revokeDevice"]["revoked"]
    assert revocations(settings, user_id) == 1


def test_a_revocation_during_a_push_refuses_the_push(
    gql: GraphQLClient, make_token: Any, user_id: str
) -> None:
    phone = Device(GraphQLClient(gql.client, make_token(user_id)), "phone")
    tablet = Device(gql, "tablet")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.push()
    phone.save_piece(at(1), id=new_id(), title="Mele")

    def revoke() -> None:  # lands between the push's read and its transaction
        GraphQLClient(gql.client, gql.token).data(operation("RevokeDevice"), {"clientId": "phone"})

    with before_write("TransactWriteItems", revoke) as injected:
        body = phone.push_raw()
    assert injected.fired == 1
    assert body["errors"][0]["extensions"]["reason"] == "DEVICE_REVOKED"
    assert len(tablet.sync_all()) == 1


def test_revoking_an_unknown_or_malformed_client_id(gql: GraphQLClient) -> None:
    body = gql(operation("RevokeDevice"), {"clientId": "never-synced"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = gql(operation("RevokeDevice"), {"clientId": "not valid!"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_another_users_device_cannot_be_revoked(gql: GraphQLClient, client: Any, make_token: Any) -> None:
    phone = Device(gql, "shared-name")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.push()
    other = GraphQLClient(client, make_token(f"other-{new_id()}"))
    assert other(operation("RevokeDevice"), {"clientId": "shared-name"})["errors"][0]["extensions"][
        "code"
    ] == ("NOT_FOUND")
    assert devices(gql)["shared-name"]["revoked"] is False


def test_a_device_that_only_pulls_is_listed_and_can_be_revoked(gql: GraphQLClient) -> None:
    pulled = gql(
        operation("SyncPull"),
        {"input": {"clientId": "reader", "device": {"name": "Kitchen tablet", "platform": "android"}}},
    )
    assert "errors" not in pulled
    [listed] = gql.data(operation("Devices"))["devices"]
    assert (listed["clientId"], listed["name"], listed["platform"]) == ("reader", "Kitchen tablet", "android")
    assert listed["lastMutationId"] == 0
    assert listed["firstSeenAt"] == listed["lastSyncAt"]
    gql.data(operation("RevokeDevice"), {"clientId": "reader"})
    refused = gql(operation("SyncPull"), {"input": {"clientId": "reader"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
