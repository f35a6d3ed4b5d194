"""The account gate's one item (`USER#<id>` / `SIGNINS`): the revoked sign-ins and the deletion lock
together, one key and one read unit in every push's and pull's first read, and the move of locks
written as items of their own before (docs/accounts.md "Deployed accounts", docs/cost.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from pynamodb.transactions import TransactWrite
from starlette.testclient import TestClient

from app import create_app, make_handler
from tests.account.conftest import Clocks, drain_erasures, items
from tests.account.test_signout import REVOKED, assert_push_locked_by_its_first_read, container, signed_in
from tests.deploy.lambda_support import FakeLambdaContext
from tests.operations import operation
from tests.sync.conftest import Device
from tether.settings import Settings
from tether.storage import deletions, signins
from tether.storage.base import TetherModel
from tether.storage.capacity import meter_capacity
from tether.storage.deletions import LEGACY_FLAG, QUEUE, DeletionItem
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key
from tether.storage.signins import SIGNINS

MOVE = {"tetherJob": "move-deletion-locks"}


def test_an_idle_pull_reads_the_account_by_one_key_with_a_grace_period(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    """Prod's default (a 7-day grace period): the sign-ins and the lock were two keys, two units."""
    with TestClient(create_app(services=container(settings, Clocks()))) as client:
        tablet = Device(signed_in(client, make_token, user_id), "tablet")
        tablet.pull()
        with meter_capacity() as meter, record_calls() as calls:
            tablet.pull()
    assert calls.operations == ["BatchGetItem"]
    mine = sorted(sk.partition("#")[0] for pk, sk in calls.keys_read() if pk == user_key(user_id))
    assert mine == ["CLIENT", "HEAD", "SIGNINS"]
    # One unit per key read (each item under 4 KB, strongly consistent), the catalog's head included.
    assert meter.rru == len(calls.keys_read()) <= 4


CANCEL = "mutation { cancelAccountDeletion }"


def gate_item(user_id: str) -> dict[str, Any]:
    [gate] = [item for item in items(user_id) if item["sk"] == SIGNINS]
    return gate


def test_the_lock_and_the_revoked_sign_ins_share_the_item_and_neither_overwrites_the_other(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    with TestClient(create_app(services=container(settings, Clocks()))) as client:
        phone, other = signed_in(client, make_token, user_id), signed_in(client, make_token, user_id)
        Device(phone, "phone").pull()
        other.data(operation("RevokeDevice"), {"clientId": "phone"})
        other.data(operation("DeleteMyAccount"), {"confirm": "DELETE"})  # the lock onto the same item
        assert phone(operation("Me"))["errors"][0]["extensions"] == REVOKED  # still revoked
        assert gate_item(user_id)["revoked"]
        assert gate_item(user_id)["due_at"]
        assert other(operation("Pieces"))["errors"][0]["extensions"]["reason"] == "DELETION_PENDING"
        assert other.data(CANCEL) == {"cancelAccountDeletion": True}
        assert phone(operation("Me"))["errors"][0]["extensions"] == REVOKED  # the lock went, not these
        assert "due_at" not in gate_item(user_id)
        assert "errors" not in other(operation("Pieces"))
    # Sign-ins written while a lock is on the item (an update of their own attributes) keep it.
    pending = deletions.schedule(user_id, Clocks().now + timedelta(days=7), None)
    previous = signins.from_items(signins.read_items([signins.key(user_id)]), user_id)
    with TransactWrite(connection=TetherModel._get_connection().connection) as transaction:
        signins.save(user_id, previous, replace(previous, signed_out_at=1_800_000_000, revoked={}))(
            transaction
        )
    assert deletions.read(user_id) == pending
    assert (
        signins.from_items(signins.read_items([signins.key(user_id)]), user_id).signed_out_at == 1_800_000_000
    )


def write_legacy_lock(user_id: str, clocks: Clocks) -> None:
    """A deletion requested before the move: its lock an item of its own, and its queue entry."""
    due = clocks.now + timedelta(days=7)
    for pk, sk in ((user_key(user_id), LEGACY_FLAG), (QUEUE, f"{due.isoformat()}#{user_id}")):
        DeletionItem(pk=pk, sk=sk, due_at=due, user_id=user_id, username=None).save()


def test_locks_written_before_the_move_are_moved_by_the_one_off_job(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    clocks = Clocks()
    clocks.now = clocks.now.replace(year=2031)  # due after every other test's entries
    services = container(settings, clocks)
    app = create_app(services=services)
    handler = make_handler(app)
    with TestClient(app) as client:
        gql = signed_in(client, make_token, user_id)
        Device(gql, "phone").pull()
        write_legacy_lock(user_id, clocks)
        # Until the job has run, deleteMyAccount and cancelAccountDeletion still find it.
        assert deletions.read(user_id) is not None
        assert handler(MOVE, FakeLambdaContext())["moved"] >= 1
        assert (user_key(user_id), LEGACY_FLAG) not in {(i["pk"], i["sk"]) for i in items(user_id)}
        assert gate_item(user_id)["due_at"]
        # The gate finds it on the one item: push and pull refuse the account in their first read.
        assert_push_locked_by_its_first_read(Device(gql, "phone"))
        assert handler(MOVE, FakeLambdaContext()) == {"job": "move-deletion-locks", "moved": 0}  # idempotent
        # Its erasure runs on its date, from the queue as before.
        clocks.now += timedelta(days=7)
        assert handler({"tetherJob": "erase-due-accounts"}, FakeLambdaContext())["erased"] >= 1
        assert items(user_id) == []


def test_the_hourly_erasure_job_moves_locks_written_before_the_move(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    """Nobody ran the one-off job after the deploy (or an old Lambda wrote a lock during it): the
    next hourly run moves the lock, and from then on the gate refuses the account."""
    clocks = Clocks()
    app = create_app(services=container(settings, clocks))
    with TestClient(app) as client:
        drain_erasures(make_handler(app), clocks, year=2032)  # the job's counts this test's alone
        gql = signed_in(client, make_token, user_id)
        Device(gql, "phone").pull()
        write_legacy_lock(user_id, clocks)
        summary = make_handler(app)({"tetherJob": "erase-due-accounts"}, FakeLambdaContext())
        assert summary["erased"] == 0  # (not due yet)
        assert summary["movedDeletionLocks"] >= 1
        assert (user_key(user_id), LEGACY_FLAG) not in {(i["pk"], i["sk"]) for i in items(user_id)}
        assert_push_locked_by_its_first_read(Device(gql, "phone"))


def test_a_lock_written_before_the_move_can_be_cancelled_before_the_job_runs(
    settings: Settings, make_token: Callable[..., str], user_id: str
) -> None:
    clocks = Clocks()
    with TestClient(create_app(services=container(settings, clocks))) as client:
        gql = signed_in(client, make_token, user_id)
        Device(gql, "phone").pull()
        write_legacy_lock(user_id, clocks)
        assert gql.data(CANCEL) == {"cancelAccountDeletion": True}
        assert deletions.read(user_id) is None
        assert not [i for i in items(user_id) if i["sk"] == LEGACY_FLAG]
        later = deletions.due(clocks.now + timedelta(days=8), limit=1000)
        assert all(pending.user_id != user_id for pending in later)  # its queue entry went too
