"""Throttling, cancelled transactions, lost responses and races: a push applies fully, or reports a
retryable error and its retry completes it; never half-applied and reported as success."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.faults import before_write, fail, lose_response, throttling, transaction_cancelled
from tests.sync.conftest import Device, at, new_id
from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.instrumentation import record_calls
from tether.sync.engine import Mutation


@pytest.fixture
def two_attempts(settings: Settings) -> Iterator[Settings]:
    """botocore makes 2 attempts per call here (one retry), to keep the tests quick."""
    quick = replace(settings, dynamodb_max_attempts=2)
    storage.configure(quick)
    yield quick
    storage.configure(settings)


def test_a_throttled_transaction_is_retried_by_botocore(
    device: Callable[[str], Device], two_attempts: Any
) -> None:
    phone = device("phone")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="a")
    with fail("TransactWriteItems", throttling, times=1) as injected, record_calls() as calls:
        payload = phone.push()
    assert injected.fired == 1
    assert calls.count("TransactWriteItems") == 1  # one API call ...
    assert injected.attempts == 2  # ... sent twice
    assert payload["results"][0]["status"] == "APPLIED"
    assert device("tablet").sync_all()[piece]["version"] == 1


def test_a_cancelled_transaction_is_read_again_and_applied_once(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="a")
    with fail(
        "TransactWriteItems", lambda: transaction_cancelled("None", "TransactionConflict"), times=2
    ) as injected:
        payload = phone.push()
    assert injected.fired == 2
    assert payload["results"][0]["status"] == "APPLIED"
    assert payload["results"][0]["record"]["version"] == 1
    assert device("tablet").sync_all()[piece]["version"] == 1


def test_persistent_throttling_reports_a_retryable_error_and_the_retry_completes_the_push(
    device: Callable[[str], Device], two_attempts: Any
) -> None:
    phone, tablet = device("phone"), device("tablet")
    ids = [new_id() for _ in range(100)]
    for index, piece in enumerate(ids):
        phone.save_piece(at(index), id=piece, title=f"piece {index}")
    # The first transaction (98 records) commits; the second is throttled on every attempt.
    with fail("TransactWriteItems", throttling, times=10, skip=1):
        body = phone.push_raw()
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryable"] is True
    # The storage error itself, its message written once (tether.errors.Throttled).
    assert error["message"] == "The database is busy; nothing was lost, try again shortly"
    assert error["extensions"]["retryAfterSeconds"] == 2
    half = tablet.sync_all()
    assert len(half) == 98  # committed atomically with lastMutationId = 98 ...
    assert tablet.pull()["lastMutationId"] == 0
    # ... so the retry skips exactly those and applies the rest once.
    payload = phone.push()
    statuses = [result["status"] for result in payload["results"]]
    assert statuses == ["DUPLICATE"] * 98 + ["APPLIED"] * 2
    assert payload["lastMutationId"] == 100
    final = device("reader").sync_all()
    assert set(final) == set(ids)
    assert {record["version"] for record in final.values()} == {1}


def test_a_single_transaction_push_is_all_or_nothing(
    device: Callable[[str], Device], two_attempts: Any
) -> None:
    phone = device("phone")
    for index in range(5):
        phone.save_piece(at(index), id=new_id(), title=f"piece {index}")
    with fail("TransactWriteItems", throttling, times=10):
        body = phone.push_raw()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert device("tablet").sync_all() == {}


def test_a_lost_response_is_safe_to_retry(device: Callable[[str], Device]) -> None:
    phone = device("phone")
    piece = new_id()
    phone.save_piece(at(0), id=piece, title="a")
    with lose_response("TransactWriteItems") as lost:
        body = phone.push_raw()
    assert lost.fired == 1
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["retryable"] is True
    retried = phone.push()
    assert retried["results"][0]["status"] == "DUPLICATE"  # it had been applied, once
    assert retried["results"][0]["record"]["version"] == 1


def test_throttled_reads_are_retried_and_a_throttled_pull_keeps_the_cursor(
    device: Callable[[str], Device], two_attempts: Any
) -> None:
    phone, tablet = device("phone"), device("tablet")
    phone.save_piece(at(0), id=new_id(), title="a")
    with fail("BatchGetItem", throttling, times=1):
        assert phone.push()["results"][0]["status"] == "APPLIED"
    cursor = tablet.cursor
    with fail("Query", throttling, times=10):
        body = tablet.gql(
            "query($input: SyncPullInput!) { syncPull(input: $input) { cursor } }",
            {"input": {"clientId": "tablet"}},
        )
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert tablet.cursor == cursor
    assert len(tablet.sync_all()) == 1


def test_a_push_racing_another_device_rereads_and_merges(settings: Settings, user_id: str) -> None:
    engine = Services.build(settings).sync
    piece = new_id()
    now = datetime.now(UTC)
    engine.push(user_id, "phone", [Mutation(1, now, PIECES, "save", {"id": piece, "title": "start"})])

    def tablet_pushes_first() -> None:
        engine.push(user_id, "tablet", [Mutation(1, now, PIECES, "save", {"id": piece, "notes": "tablet"})])

    with before_write("TransactWriteItems", tablet_pushes_first) as race, record_calls() as calls:
        result = engine.push(
            user_id, "phone", [Mutation(2, now, PIECES, "save", {"id": piece, "category": "phone"})]
        )
    assert race.fired == 1
    assert calls.count("TransactWriteItems") == 3  # the phone's, the tablet's, the phone's again
    assert result.results[0].status == "APPLIED"
    record = result.results[0].record
    assert record is not None
    assert record.data == {"title": "start", "notes": "tablet", "category": "phone"}
    assert record.version == 3
