"""Listening progress through syncPush/syncPull: merge rules, exactly-once listened time, limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.faults import lose_response
from tests.operations import operation
from tests.progress.conftest import Player, codes, statuses
from tests.sync.conftest import at, new_id


def progress(gql: GraphQLClient, track: str) -> dict[str, Any]:
    record: dict[str, Any] = gql.data(operation("Progress"), {"trackId": track})["progress"]
    return record


def test_reports_add_up_and_the_position_follows_the_latest(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    track = "talk-2026-03:metta"
    phone.report(at(30), track, 30, 30, durationSeconds=1800.4)
    phone.report(at(90), track, 90, 60)
    payload = phone.push()
    assert statuses(payload) == ["APPLIED", "APPLIED"]
    record = payload["results"][1]["record"]
    assert record["__typename"] == "Progress"
    assert record["id"] == record["trackId"] == track
    assert record == progress(gql, track) | {"__typename": "Progress"}
    assert record["positionSeconds"] == 90
    assert record["listenedSeconds"] == 90
    assert record["durationSeconds"] == 1800
    assert record["completed"] is False
    assert record["completedAt"] is None
    assert record["lastPlayedAt"] == "2026-03-01T09:01:30+00:00"
    assert record["playCount"] == 1
    assert record["version"] == 2
    assert player("tablet").sync_all()[track]["listenedSeconds"] == 90


def test_a_stale_device_cannot_rewind_the_position_or_uncomplete(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone, tablet = player("phone"), player("tablet")
    track = new_id()
    phone.report(at(600), track, 590, 100, durationSeconds=600)  # the last 5%: completed
    phone.push()
    tablet.report(at(100), track, 100, 100, durationSeconds=600)  # made earlier, synced later
    result = tablet.push()["results"][0]
    assert result["status"] == "MERGED"
    assert result["conflictingFields"] == ["positionSeconds"]
    record = result["record"]
    assert record["positionSeconds"] == 590
    assert record["completed"] is True
    assert record["completedAt"] == "2026-03-01T09:10:00+00:00"
    assert record["listenedSeconds"] == 200  # both devices' listening counts
    # A later report from the start (the user listens again) moves the position, not completion.
    tablet.report(at(700), track, 20, 20, completed=False)
    record = tablet.push()["results"][0]["record"]
    assert (record["positionSeconds"], record["completed"]) == (20, True)
    assert progress(gql, track)["completedAt"] == "2026-03-01T09:10:00+00:00"


def test_a_reset_is_ordered_by_time(player: Callable[[str], Player], gql: GraphQLClient) -> None:
    phone, tablet = player("phone"), player("tablet")
    track = new_id()
    phone.report(at(100), track, 100, 100, completed=True)
    phone.push()
    tablet.reset(at(50), track)  # "mark as unplayed" before the track was finished: too old
    result = tablet.push()["results"][0]
    assert result["status"] == "MERGED"
    assert sorted(result["conflictingFields"]) == ["completed", "positionSeconds"]
    assert result["record"]["completed"] is True
    tablet.reset(at(200), track)
    result = tablet.push()["results"][0]
    assert result["status"] == "APPLIED"
    assert result["record"]["completed"] is False
    assert result["record"]["completedAt"] is None
    assert result["record"]["positionSeconds"] == 0
    assert result["record"]["listenedSeconds"] == 100  # history stays
    # A completion made before the reset but synced after it does not count ...
    laptop = player("laptop")
    laptop.report(at(150), track, 100, 0, completed=True)
    late = laptop.push()["results"][0]
    assert late["status"] == "MERGED"
    assert sorted(late["conflictingFields"]) == ["completed", "positionSeconds"]
    assert late["record"]["completed"] is False
    # ... one after it does: the phone played the track again and reached the end.
    phone.report(at(250), track, 5, 5)
    phone.report(at(300), track, 100, 50, completed=True)
    assert phone.push()["results"][1]["record"]["completed"] is True
    assert progress(gql, track)["completedAt"] == "2026-03-01T09:05:00+00:00"


def test_a_device_still_at_the_end_completes_again_from_the_reset(
    new_user: Callable[[], GraphQLClient],
) -> None:
    track = new_id()
    for order in ((0, 1), (1, 0)):  # the same record in both sync orders
        user = new_user()
        phone, tablet = Player(user, "phone"), Player(user, "tablet")
        phone.report(at(100), track, 598, 100, durationSeconds=600)
        phone.report(at(300), track, 599, 1)  # still at the end, after the reset below was made
        tablet.reset(at(200), track)
        for index in order:
            (phone, tablet)[index].push()
        record = progress(user, track)
        assert (record["completed"], record["completedAt"]) == (True, "2026-03-01T09:03:20+00:00")


def test_a_reset_of_a_track_never_played_is_kept(player: Callable[[str], Player]) -> None:
    phone, tablet = player("phone"), player("tablet")
    track = new_id()
    phone.reset(at(100), track)
    record = phone.push()["results"][0]["record"]
    assert (record["completed"], record["positionSeconds"], record["playCount"]) == (False, 0, 0)
    tablet.report(at(50), track, 300, 50, completed=True)  # earlier: the reset still wins
    record = tablet.push()["results"][0]["record"]
    assert (record["completed"], record["positionSeconds"], record["listenedSeconds"]) == (False, 0, 50)


def test_completion_is_derived_from_the_last_5_percent(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    almost, done, told = new_id(), new_id(), new_id()
    phone.report(at(0), almost, 0, 0, durationSeconds=1000)
    phone.report(at(949), almost, 949, 949)  # remembers this device's duration
    phone.report(at(0), done, 0, 0, durationSeconds=1000)
    phone.report(at(950), done, 950, 950)
    phone.report(at(10), told, 10, 10, completed=True)  # the player says so (no duration known)
    records = [result["record"] for result in phone.push()["results"]]
    assert [records[1]["completed"], records[3]["completed"], records[4]["completed"]] == [
        False,
        True,
        True,
    ]
    assert records[3]["completedAt"] == "2026-03-01T09:15:50+00:00"


def test_play_count_counts_play_starts(player: Callable[[str], Player]) -> None:
    phone, tablet = player("phone"), player("tablet")
    track = new_id()
    phone.report(at(0), track, 0, 0, durationSeconds=3600)  # opened, not played
    phone.report(at(60), track, 60, 60)  # 1: starts playing
    phone.report(at(120), track, 120, 60)
    phone.report(at(120 + 31 * 60), track, 180, 60)  # 2: back after a 31-minute pause
    phone.report(at(120 + 90 * 60), track, 3500, 60)  # 3: after another pause, reaches the end
    phone.report(at(120 + 91 * 60), track, 60, 60)  # 4: starts again from the top
    tablet.report(at(30), track, 30, 30)  # 5: another device
    phone.push()
    record = tablet.push()["results"][0]["record"]
    assert record["playCount"] == 5
    assert record["listenedSeconds"] == 330


def test_replaying_the_whole_queue_after_a_crash_counts_listening_once(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    phone = player("phone")
    track = new_id()
    for step in range(1, 6):
        phone.report(at(step * 30), track, step * 30, 30)
    queue = list(phone.queue)
    with lose_response("TransactWriteItems"):  # stored, but the answer never arrives
        body = phone.push_raw()
    assert body["errors"][0]["extensions"]["retryable"] is True
    replay = phone.push_raw(queue)["data"]["syncPush"]  # the app restarts and sends it all again
    assert statuses(replay) == ["DUPLICATE"] * 5
    assert replay["lastMutationId"] == 5
    again = phone.push_raw(queue)["data"]["syncPush"]
    assert statuses(again) == ["DUPLICATE"] * 5
    record = progress(gql, track)
    assert record["listenedSeconds"] == 150
    assert record["version"] == 5


def test_negative_and_absurd_deltas_are_rejected(player: Callable[[str], Player], gql: GraphQLClient) -> None:
    phone = player("phone")
    track = new_id()
    phone.report(at(0), track, 10, 10)
    phone.report(at(30), track, 40, -5)  # negative
    phone.report(at(60), track, 70, 200)  # 60 s since the previous report (+60 s margin) < 200 s
    phone.report(at(100_000), track, 80, 86_401)  # more than a day in one report
    phone.report(at(90), track, 100, 90)  # fine: 90 s since the previous accepted report
    payload = phone.push()
    assert statuses(payload) == ["APPLIED", "REJECTED", "REJECTED", "REJECTED", "APPLIED"]
    assert codes(payload) == [None, "INVALID_DELTA", "DELTA_EXCEEDS_ELAPSED", "DELTA_TOO_LARGE", None]
    assert "negative" in payload["results"][1]["message"]
    assert "only 60 s passed" in payload["results"][2]["message"]
    assert "24 h" in payload["results"][3]["message"]
    assert payload["lastMutationId"] == 5
    record = progress(gql, track)
    assert (record["listenedSeconds"], record["positionSeconds"], record["version"]) == (100, 100, 2)
    # Each device is checked against its own previous report.
    tablet = player("tablet")
    tablet.report(at(95), track, 100, 3600)
    assert statuses(tablet.push()) == ["APPLIED"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trackId": "no spaces", "positionSeconds": 1, "listenedSecondsDelta": 1}, "trackId"),
        ({"trackId": "", "positionSeconds": 1, "listenedSecondsDelta": 1}, "trackId"),
        ({"trackId": "t" * 101, "positionSeconds": 1, "listenedSecondsDelta": 1}, "trackId"),
        ({"trackId": "t", "positionSeconds": -1, "listenedSecondsDelta": 1}, "positionSeconds"),
        ({"trackId": "t", "positionSeconds": 86_401, "listenedSecondsDelta": 1}, "positionSeconds"),
        (
            {"trackId": "t", "positionSeconds": 1, "listenedSecondsDelta": 1, "durationSeconds": -1},
            "durationSeconds",
        ),
    ],
)
def test_a_report_over_a_limit_refuses_the_push(
    player: Callable[[str], Player], change: dict[str, Any], field: str
) -> None:
    phone = player("phone")
    phone.report(at(0), new_id(), 1, 1)
    phone.change(at(1), recordProgress=change)
    error = phone.push_raw()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == f"mutations[1].change.recordProgress.{field}"
    assert player("tablet").sync_all() == {}  # nothing applied


def test_a_reset_needs_a_catalog_track_id(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    phone.reset(at(0), "bad id")
    error = phone.push_raw()["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "mutations[0].change.resetProgress.trackId",
    }


def test_progress_queries(player: Callable[[str], Player], gql: GraphQLClient) -> None:
    phone = player("phone")
    tracks = [f"track-{n}" for n in range(5)]
    for n, track in enumerate(tracks):
        phone.report(at(n * 100), track, 10, 10, completed=n % 2 == 0)
    phone.push()
    assert progress(gql, "never-played") is None
    body = gql(operation("Progress"), {"trackId": "not a track id"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "trackId"}

    def listed(**variables: Any) -> list[str]:
        seen: list[str] = []
        after = None
        while True:
            page = gql.data(operation("ProgressList"), {"first": 2, "after": after, **variables})
            seen += [node["trackId"] for node in page["progressList"]["nodes"]]
            if not page["progressList"]["pageInfo"]["hasNextPage"]:
                return seen
            after = page["progressList"]["pageInfo"]["endCursor"]

    assert listed() == tracks[::-1]  # most recently played first
    assert listed(completed=True) == ["track-4", "track-2", "track-0"]
    assert listed(completed=False) == ["track-3", "track-1"]
    phone.reset(at(1000), "track-4")
    phone.push()
    assert listed(completed=True) == ["track-2", "track-0"]
    body = gql(operation("ProgressList"), {"first": 101})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
