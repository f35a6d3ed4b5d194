"""progressStats: totals, a per-day series and streaks in the user's time zone, from counters kept
at write time (listening, completions, practice sessions and their edits and deletes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import Clock, GraphQLClient
from tests.operations import operation
from tests.progress.conftest import Player, iso
from tests.sync.conftest import at, new_id
from tether import statistics


def stats(gql: GraphQLClient, start: str, end: str, zone: str) -> dict[str, Any]:
    data: dict[str, Any] = gql.data(
        operation("ProgressStats"), {"range": {"from": start, "to": end}, "timeZone": zone}
    )["progressStats"]
    return data


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> str:
    """A local wall-clock time in `zone`, as the UTC time a device sends."""
    return iso(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)))


def per_day(data: dict[str, Any], field: str) -> dict[str, Any]:
    return {day["date"]: day[field] for day in data["days"] if day[field]}


def test_listening_completions_and_practice_add_up_per_day(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    short, long = new_id(), new_id()
    phone.report(at(60), short, 96, 60, durationSeconds=100)  # completes on March 1st
    phone.report(at(86_400 + 120), long, 100, 100)  # March 2nd
    practice, timed, dropped = new_id(), new_id(), new_id()
    phone.save_session(at(0), id=practice, startedAt=at(3600), durationSeconds=600)
    phone.save_session(at(0), id=timed, startedAt=at(2 * 86_400), endedAt=at(2 * 86_400 + 1200))
    phone.save_session(at(0), id=dropped, startedAt=at(2 * 86_400), durationSeconds=300)
    phone.push()
    data = stats(gql, "2026-03-01", "2026-03-04", "UTC")
    assert [day["date"] for day in data["days"]] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert per_day(data, "listenedSeconds") == {"2026-03-01": 60, "2026-03-02": 100}
    assert per_day(data, "tracksCompleted") == {"2026-03-01": 1}
    assert per_day(data, "practiceSessions") == {"2026-03-01": 1, "2026-03-03": 2}
    assert per_day(data, "practiceMinutes") == {"2026-03-01": 10, "2026-03-03": 25}  # endedAt - startedAt
    assert per_day(data, "active") == {"2026-03-01": True, "2026-03-02": True, "2026-03-03": True}
    assert (data["listenedSeconds"], data["tracksCompleted"]) == (160, 1)
    assert (data["practiceSessions"], data["practiceMinutes"]) == (3, 35)
    assert data["longestStreakDays"] == 3
    # Edits move a session's contribution; deletes and resets take theirs back.
    phone.save_session(at(10), id=practice, durationSeconds=900)
    phone.save_session(at(10), id=timed, startedAt=at(3 * 86_400), endedAt=at(3 * 86_400 + 1200))
    phone.change(at(10), deleteSession={"id": dropped})
    phone.reset(at(86_400 * 3), short)
    phone.push()
    data = stats(gql, "2026-03-01", "2026-03-04", "UTC")
    assert per_day(data, "practiceSessions") == {"2026-03-01": 1, "2026-03-04": 1}
    assert per_day(data, "practiceMinutes") == {"2026-03-01": 15, "2026-03-04": 20}
    assert per_day(data, "tracksCompleted") == {}
    assert per_day(data, "listenedSeconds") == {"2026-03-01": 60, "2026-03-02": 100}  # listening stays
    assert data["longestStreakDays"] == 2  # March 3rd has nothing left


def test_days_and_streaks_are_right_across_dst_changes(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    berlin = "Europe/Berlin"
    phone = player("phone")
    # Ten minutes past midnight every day around the spring change (March 30th, 2025: 23 hours).
    sessions = {}
    for day in range(25, 35):
        moment = date(2025, 3, 1) + timedelta(days=day - 1)
        sessions[moment] = new_id()
        phone.save_session(
            at(0), id=sessions[moment], startedAt=local(berlin, 2025, moment.month, moment.day, 0, 10)
        )
    phone.push()
    spring = stats(gql, "2025-03-24", "2025-04-04", berlin)
    expected = {f"2025-03-{day}": 1 for day in range(25, 32)} | {f"2025-04-0{day}": 1 for day in range(1, 4)}
    assert per_day(spring, "practiceSessions") == expected
    assert spring["longestStreakDays"] == 10
    assert spring["currentStreakDays"] == 0
    # In UTC the same sessions fall on the day before (23:10 in winter, 22:10 in summer).
    in_utc = stats(gql, "2025-03-24", "2025-04-04", "UTC")
    assert sorted(per_day(in_utc, "practiceSessions")) == [
        (date(2025, 3, 24) + timedelta(days=n)).isoformat() for n in range(10)
    ]
    # Deleting one day (its slot's count is shared with the other days of its week) splits the run.
    phone.change(at(1), deleteSession={"id": sessions[date(2025, 3, 28)]})
    phone.push()
    split = stats(gql, "2025-03-24", "2025-04-04", berlin)
    assert per_day(split, "practiceSessions") == {day: 1 for day in expected if day != "2025-03-28"}
    assert split["longestStreakDays"] == 6
    # The autumn change (October 26th, 2025: 25 hours): both ends of the long day are that day.
    phone.save_session(at(0), id=new_id(), startedAt=local(berlin, 2025, 10, 26, 0, 30))  # 22:30Z the 25th
    phone.save_session(at(0), id=new_id(), startedAt=local(berlin, 2025, 10, 26, 23, 30))  # 22:30Z the 26th
    phone.save_session(at(0), id=new_id(), startedAt=local(berlin, 2025, 10, 27, 0, 5))  # 23:05Z the 26th
    phone.report("2025-10-26T00:30:00Z", "t1", 10, 10)  # 02:30 summer time
    phone.report("2025-10-26T01:30:00Z", "t1", 20, 10)  # 02:30 again, winter time
    phone.push()
    autumn = stats(gql, "2025-10-25", "2025-10-27", berlin)
    assert per_day(autumn, "practiceSessions") == {"2025-10-26": 2, "2025-10-27": 1}
    assert per_day(autumn, "listenedSeconds") == {"2025-10-26": 20}
    autumn_utc = stats(gql, "2025-10-25", "2025-10-27", "UTC")
    assert per_day(autumn_utc, "practiceSessions") == {"2025-10-25": 1, "2025-10-26": 2}


def test_days_follow_the_time_zone_the_user_asks_in(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    for moment in ("2025-06-01T22:30:00Z", "2025-06-02T12:00:00Z", "2025-06-03T01:00:00Z"):
        phone.save_session(at(0), id=new_id(), startedAt=moment, durationSeconds=60)
    phone.push()
    expected = {
        "UTC": ({"2025-06-01": 1, "2025-06-02": 1, "2025-06-03": 1}, 3),
        "Europe/Berlin": ({"2025-06-02": 2, "2025-06-03": 1}, 2),  # moved east: +2
        "America/New_York": ({"2025-06-01": 1, "2025-06-02": 2}, 2),  # moved west: -4
        "Asia/Kathmandu": ({"2025-06-02": 2, "2025-06-03": 1}, 2),  # +5:45
        "Pacific/Kiritimati": ({"2025-06-02": 1, "2025-06-03": 2}, 2),  # +14
    }
    for zone, (days, longest) in expected.items():
        data = stats(gql, "2025-05-31", "2025-06-04", zone)
        assert data["timeZone"] == zone
        assert (per_day(data, "practiceSessions"), data["longestStreakDays"]) == (days, longest), zone


def test_the_current_streak_runs_up_to_today_or_yesterday(
    player: Callable[[str], Player], user_id: str
) -> None:
    tokyo = "Asia/Tokyo"
    phone = player("phone")
    for day in (3, 5, 6, 7, 8, 9):
        phone.save_session(at(0), id=new_id(), startedAt=local(tokyo, 2025, 1, day, 12, 0))
    phone.report(local(tokyo, 2025, 1, 10, 23, 59), "t", 60, 60)  # listening counts too
    phone.push()

    def streaks(day: int, hour: int, minute: int) -> tuple[int, int]:
        now = datetime(2025, 1, day, hour, minute, tzinfo=ZoneInfo(tokyo))
        result = statistics.progress_stats(user_id, date(2025, 1, 1), date(2025, 1, 31), tokyo, now=now)
        return result.current_streak, result.longest_streak

    assert streaks(10, 23, 0) == (6, 6)  # today is active
    assert streaks(11, 8, 0) == (6, 6)  # today has not started yet: still alive
    assert streaks(12, 0, 30) == (0, 6)  # a day without activity ended it
    assert streaks(4, 9, 0) == (1, 6)


def test_the_current_streak_now(clocked: GraphQLClient, server_clock: Clock) -> None:
    """ "Today" is the server clock's local day in the asked zone (18:30 UTC is 10:30 in LA)."""
    zone = "America/Los_Angeles"
    phone = Player(clocked, "phone")
    for day in (10, 9, 7):
        phone.save_session(at(0), id=new_id(), startedAt=local(zone, 2026, 3, day, 9, 0))
    phone.push()
    data = stats(clocked, "2026-03-03", "2026-03-10", zone)
    assert (data["currentStreakDays"], data["longestStreakDays"]) == (2, 2)
    server_clock.advance(hours=24)  # Mar 11 in LA, nothing yet: the streak is still alive
    assert stats(clocked, "2026-03-03", "2026-03-11", zone)["currentStreakDays"] == 2
    server_clock.advance(hours=24)  # Mar 12: a whole day without practice ended it
    data = stats(clocked, "2026-03-03", "2026-03-12", zone)
    assert (data["currentStreakDays"], data["longestStreakDays"]) == (0, 2)


def test_a_user_only_sees_their_own_statistics(
    player: Callable[[str], Player], new_user: Callable[[], GraphQLClient]
) -> None:
    phone = player("phone")
    phone.save_session(at(0), id=new_id(), startedAt=at(0), durationSeconds=60)
    phone.push()
    data = stats(new_user(), "2026-03-01", "2026-03-01", "UTC")
    assert (data["practiceSessions"], data["longestStreakDays"]) == (0, 0)


@pytest.mark.parametrize(
    ("start", "end", "zone", "field", "message"),
    [
        ("2026-03-02", "2026-03-01", "UTC", "range", "after range.to"),
        ("2025-01-01", "2026-01-02", "UTC", "range", "the limit is 366"),
        ("0001-01-01", "0001-01-02", "UTC", "range", "within the years"),
        ("2026-01-01", "2026-01-01", "Mars/Olympus_Mons", "timeZone", "not an IANA time zone"),
        ("2026-01-01", "2026-01-01", "../../etc/passwd", "timeZone", "not an IANA time zone"),
        ("2026-01-01", "2026-01-01", "", "timeZone", "IANA time zone"),
        ("2026-01-01", "2026-01-01", "E" * 200, "timeZone", "IANA time zone"),
    ],
)
def test_bad_statistics_arguments(
    gql: GraphQLClient, start: str, end: str, zone: str, field: str, message: str
) -> None:
    body = gql(operation("ProgressStats"), {"range": {"from": start, "to": end}, "timeZone": zone})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert message in error["message"]


def test_the_first_representable_day_does_not_break_statistics(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    phone.save_session(at(0), id=new_id(), startedAt="0001-01-01T00:00:00Z", durationSeconds=60)
    phone.push()
    assert stats(gql, "2026-01-01", "2026-01-02", "America/New_York")["longestStreakDays"] == 1


def test_a_leap_year_fits_and_dates_must_be_dates(gql: GraphQLClient) -> None:
    assert len(stats(gql, "2024-01-01", "2024-12-31", "UTC")["days"]) == 366
    body = gql(
        operation("ProgressStats"), {"range": {"from": "2026-02-30", "to": "2026-03-01"}, "timeZone": "UTC"}
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
