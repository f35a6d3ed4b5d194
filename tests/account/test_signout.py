"""Devices that really sign out: a revoked device's sign-in (origin_jti) is refused for every
operation, signOutEverywhere refuses every earlier token, and what each costs (docs/security.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
from starlette.testclient import TestClient

from app import create_app
from tests.account.conftest import Clocks
from tests.conftest import Clock, GraphQLClient, clocked_app
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.accounts.gate import CACHE_SECONDS, AccountGate, AccountState
from tether.services import Services
from tether.settings import Settings
from tether.storage.deletions import LEGACY_FLAG
from tether.storage.instrumentation import Calls, record_calls
from tether.storage.keys import user_key
from tether.storage.signins import SIGNINS, SignIns

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


def signed_in(
    client: TestClient, make_token: Callable[..., str], user_id: str, **claims: Any
) -> GraphQLClient:
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


# ---- signOutEverywhere ----


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def test_sign_out_everywhere_refuses_every_earlier_token_and_a_new_sign_in_works(
    settings: Settings, server_clock: Clock, make_token: Callable[..., str], user_id: str
) -> None:
    now = epoch(server_clock())
    with TestClient(clocked_app(settings, server_clock)) as client:
        phone = signed_in(client, make_token, user_id, extra={"auth_time": now - 3600, "iat": now - 60})
        tablet = signed_in(client, make_token, user_id, extra={"auth_time": now - 86400, "iat": now - 10})
        # A token without auth_time is judged by iat (Google and Apple id tokens have none).
        no_auth_time = signed_in(client, make_token, user_id, extra={"auth_time": None, "iat": now - 5})
        # Cognito keeps auth_time in refreshed tokens: a token refreshed just now of an old sign-in.
        refreshed = signed_in(client, make_token, user_id, extra={"auth_time": now - 7200, "iat": now})
        for gql in (phone, tablet, no_auth_time, refreshed):
            assert_works(gql)
        answer = phone.data(operation("SignOutEverywhere"))["signOutEverywhere"]
        assert answer == {"signedOutAt": "2026-03-10T18:30:00+00:00", "refreshTokensRevoked": False}
        for gql in (phone, tablet, no_auth_time, refreshed):
            assert_refused(gql)
        server_clock.advance(seconds=1)
        assert_works(signed_in(client, make_token, user_id, extra={"auth_time": now + 1, "iat": now + 1}))
        # Another account is not signed out.
        assert_works(signed_in(client, make_token, f"other-{new_id()}"))


def test_signing_out_everywhere_forgets_revoked_sign_ins_it_covers_and_later_revocations_still_count(
    settings: Settings, server_clock: Clock, make_token: Callable[..., str], user_id: str
) -> None:
    now = epoch(server_clock())
    with TestClient(clocked_app(settings, server_clock)) as client:
        old = signed_in(client, make_token, user_id, extra={"auth_time": now - 60, "iat": now - 60})
        old.data(operation("SignOutEverywhere"))
        server_clock.advance(seconds=10)
        later = dict(auth_time=now + 5, iat=now + 5)
        phone, tablet = (
            signed_in(client, make_token, user_id, extra=later),
            signed_in(client, make_token, user_id, extra=later),
        )
        Device(phone, "phone").pull()
        tablet.data(operation("RevokeDevice"), {"clientId": "phone"})
        assert_refused(phone)
        assert_works(tablet)
        assert_refused(old)


# ---- what it costs ----


def container(settings: Settings, clocks: Clocks, grace_days: int = 7) -> Services:
    """One warm Lambda: its own Services (and account cache) over the shared table, on `clocks`."""
    services = Services.build(
        dataclasses.replace(settings, erasure_grace_days=grace_days),
        clock=clocks.wall,
        monotonic=clocks.monotonic,
    )
    return services


def account_reads(calls: Any, user_id: str) -> list[str]:
    """The DynamoDB calls that read the account's sign-ins."""
    wanted = (user_key(user_id), SIGNINS)
    return [
        name
        for name, params in calls.requests
        if name in ("GetItem", "BatchGetItem") and wanted in Calls(requests=[(name, params)]).keys_read(name)
    ]


def assert_push_locked_by_its_first_read(device: Device) -> None:
    """A push of an account locked for deletion is refused by the push's own first read."""
    device.save_piece(at(1), id=new_id(), title="Mele")
    with record_calls() as calls:
        locked = device.push_raw()
    assert locked["errors"][0]["extensions"]["reason"] == "DELETION_PENDING"
    assert calls.operations == ["BatchGetItem"]


def account_keys(calls: Any, user_id: str) -> list[tuple[str, str]]:
    """The account's gate keys among those read (its sign-ins, its deletion lock)."""
    return [
        key
        for key in calls.keys_read()
        if key in ((user_key(user_id), SIGNINS), (user_key(user_id), LEGACY_FLAG))
    ]


def test_push_and_pull_admit_the_caller_with_their_own_first_read(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    """With a grace period (prod's default), push and pull read the sign-ins and the deletion lock in
    the BatchGetItem they make anyway: their round trips are what they are without either."""
    with TestClient(create_app(services=container(settings, Clocks()))) as client:
        gql = signed_in(client, make_token, user_id)
        phone = Device(gql, "phone")
        phone.save_piece(at(0), id=new_id(), title="Oli")
        with record_calls() as calls:
            phone.push()
        assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
        # The sign-ins and the deletion lock are one item: one key (one read unit) of the account.
        assert account_keys(calls, user_id) == [(user_key(user_id), SIGNINS)]
        phone.pull()
        with record_calls() as calls:
            phone.pull()  # idle
        assert calls.operations == ["BatchGetItem"]
        assert account_keys(calls, user_id) == [(user_key(user_id), SIGNINS)]
        # Refusals cost that one read too: a revoked sign-in, then a locked account.
        other = signed_in(client, make_token, user_id)
        other.data(operation("RevokeDevice"), {"clientId": "phone"})
        with record_calls() as calls:
            refused = gql(operation("SyncPull"), {"input": {"clientId": "new-phone"}})
        assert refused["errors"][0]["extensions"] == REVOKED
        assert calls.operations == ["BatchGetItem"]
        other.data(operation("DeleteMyAccount"), {"confirm": "DELETE"})
        assert_push_locked_by_its_first_read(Device(other, "tablet"))


def test_other_operations_read_the_account_once_per_container_and_a_revocation_reaches_every_warm_lambda_within_30_seconds(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    clocks = Clocks()
    one, two, three = (container(settings, clocks) for _ in range(3))
    phone_token, tablet_token = make_token(user_id), make_token(user_id)
    with (
        TestClient(create_app(services=one)) as a,
        TestClient(create_app(services=two)) as b,
        TestClient(create_app(services=three)) as c,
    ):
        Device(GraphQLClient(a, phone_token), "phone").pull()
        phone_on_b, phone_on_c = GraphQLClient(b, phone_token), GraphQLClient(c, phone_token)
        with record_calls() as calls:
            for gql in (phone_on_b, phone_on_c):
                for name in ("Me", "Pieces", "ChatThreads"):
                    assert "errors" not in gql(operation(name))
        # One read per container (sign-ins and deletion lock: one item, one GetItem), then the cache.
        assert account_reads(calls, user_id) == ["GetItem", "GetItem"]
        GraphQLClient(a, tablet_token).data(operation("RevokeDevice"), {"clientId": "phone"})
        # The container that served the revocation refuses the sign-in at once ...
        assert GraphQLClient(a, phone_token)(operation("Me"))["errors"][0]["extensions"] == REVOKED
        # ... every push and pull at once, on any container (their first read is fresh), which
        # also refreshes that container's cache ...
        pulled = phone_on_b(operation("SyncPull"), {"input": {"clientId": "new-phone"}})
        assert pulled["errors"][0]["extensions"] == REVOKED
        assert phone_on_b(operation("Me"))["errors"][0]["extensions"] == REVOKED
        # ... and every other warm container within CACHE_SECONDS (30 s).
        clocks.seconds += CACHE_SECONDS - 1
        assert "errors" not in phone_on_c(operation("Me"))
        clocks.seconds += 1
        assert phone_on_c(operation("Me"))["errors"][0]["extensions"] == REVOKED
        for gql in (GraphQLClient(a, tablet_token), GraphQLClient(c, tablet_token)):
            assert "errors" not in gql(operation("Me"))


def test_without_a_grace_period_an_operation_reads_only_the_sign_ins(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    with TestClient(create_app(services=container(settings, Clocks(), grace_days=0))) as client:
        gql = signed_in(client, make_token, user_id)
        with record_calls() as calls:
            gql.data(operation("Me"))
            gql.data(operation("Me"))
        assert calls.keys_read("GetItem").count((user_key(user_id), SIGNINS)) == 1
        assert (user_key(user_id), LEGACY_FLAG) not in calls.keys_read("GetItem") + calls.keys_read()


def test_the_account_cache_is_bounded_and_per_container() -> None:
    clocks = Clocks()
    gate = AccountGate(deletion_lock=False, monotonic=clocks.monotonic, max_cached=2)
    for account in ("a", "b", "c"):
        gate.remember(account, AccountState(SignIns(), None))
    assert list(gate._cache) == ["b", "c"]  # the least recently used went first
    assert AccountGate(deletion_lock=False)._cache == {}  # nothing shared between containers
