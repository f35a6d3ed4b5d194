"""DynamoDB round trips of progress reports and statistics (deterministic, so asserted)."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.progress.conftest import Player
from tests.sync.conftest import at, new_id
from tether.storage.instrumentation import record_calls


def test_a_progress_report_in_a_push_takes_2_round_trips(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    track = new_id()
    phone.report(at(0), track, 0, 0, durationSeconds=600)
    with record_calls() as calls:
        phone.push()  # creates the record and the day's counters
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    phone.report(at(30), track, 30, 30)
    phone.save_session(at(30), id=new_id(), startedAt=at(0), durationSeconds=30)
    with record_calls() as calls:
        phone.push()  # record, session and counters in one transaction
    assert calls.operations == ["BatchGetItem", "TransactWriteItems"]
    assert calls.round_trips == 2


def test_a_push_of_100_reports_takes_at_most_4_round_trips(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    for index in range(100):
        phone.report(at(index * 60), f"track-{index}", 30, 30)
    with record_calls() as calls:
        payload = phone.push()
    assert {result["status"] for result in payload["results"]} == {"APPLIED"}
    assert calls.count("BatchGetItem") == 2  # 100 records + head + client
    assert calls.count("TransactWriteItems") == 2  # records, counters, head and client: 100 items each
    assert calls.round_trips == 4


def test_statistics_take_2_queries_whatever_the_history(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    for day in range(0, 400, 4):  # activity spread over more than a year
        phone.save_session(at(0), id=new_id(), startedAt=at(-day * 86_400), durationSeconds=600)
    phone.push()
    with record_calls() as calls:
        data = gql.data(
            operation("ProgressStats"),
            {"range": {"from": "2025-03-01", "to": "2026-03-01"}, "timeZone": "Europe/Lisbon"},
        )["progressStats"]
    assert data["practiceSessions"] == 92
    assert calls.operations == ["Query", "Query"]  # the range's days, then the activity history
