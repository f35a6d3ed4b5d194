"""Devices that report the same track offline end with the same progress in every sync order."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.progress.conftest import Player
from tests.sync.conftest import at

CONTENT = (
    "trackId",
    "positionSeconds",
    "durationSeconds",
    "completed",
    "completedAt",
    "listenedSeconds",
    "lastPlayedAt",
    "playCount",
)
TRACK = "retreat-2026:day-3:evening-talk"


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in CONTENT}


def stats(user: GraphQLClient) -> dict[str, Any]:
    data = user.data(
        operation("ProgressStats"),
        {"range": {"from": "2026-03-01", "to": "2026-03-01"}, "timeZone": "UTC"},
    )["progressStats"]
    return {name: data[name] for name in ("listenedSeconds", "tracksCompleted")}


def interleavings(first: int, second: int) -> list[list[int]]:
    """Every order of `first` pushes of device 0 and `second` of device 1, each device in order."""
    orders = []
    for places in itertools.combinations(range(first + second), first):
        orders.append([0 if slot in places else 1 for slot in range(first + second)])
    return orders


def test_two_devices_reporting_offline_converge_in_every_sync_order(
    new_user: Callable[[], GraphQLClient],
) -> None:
    finals = []
    for order in interleavings(2, 2):
        user = new_user()
        phone, tablet = Player(user, "phone"), Player(user, "tablet")
        phone.report(at(0), TRACK, 0, 0, durationSeconds=600)
        phone.report(at(60), TRACK, 60, 60)
        phone.report(at(180), TRACK, 180, 120)
        tablet.report(at(90), TRACK, 300, 90, durationSeconds=600)  # skipped ahead on the tablet
        tablet.report(at(200), TRACK, 400, 100)
        tablet.reset(at(300), TRACK)  # "mark as unplayed"
        batches: list[list[list[dict[str, Any]]]] = [[phone.queue], [tablet.queue]]
        phone.queue, tablet.queue = [], []
        phone.report(at(400), TRACK, 580, 200)  # the last 5%: completes (after the reset)
        phone.report(at(420), TRACK, 600, 20, completed=True)
        tablet.report(at(500), TRACK, 30, 30)  # listening again from the start
        tablet.report(at(520), TRACK, 50, 20)
        batches[0].append(phone.queue)
        batches[1].append(tablet.queue)
        devices = (phone, tablet)
        for index in order:
            devices[index].queue = batches[index].pop(0)
            devices[index].push()
        record = content(Player(user, "reader").sync_all()[TRACK])
        finals.append((record, stats(user)))
    assert all(final == finals[0] for final in finals), finals
    record, totals = finals[0]
    assert record == {
        "trackId": TRACK,
        "positionSeconds": 50,  # the latest report's, whatever synced last
        "durationSeconds": 600,
        "completed": True,  # by the phone, after the tablet's reset
        "completedAt": "2026-03-01T09:06:40+00:00",
        "listenedSeconds": 640,  # every delta once
        "lastPlayedAt": "2026-03-01T09:08:40+00:00",
        "playCount": 2,  # one play on each device (the tablet's second stretch is 5 minutes later)
    }
    assert totals == {"listenedSeconds": 640, "tracksCompleted": 1}


def test_three_devices_converge_in_every_sync_order(new_user: Callable[[], GraphQLClient]) -> None:
    finals = []
    for order in itertools.permutations(range(3)):
        user = new_user()
        devices = [Player(user, name) for name in ("phone", "tablet", "watch")]
        phone, tablet, watch = devices
        phone.report(at(10), TRACK, 10, 10, durationSeconds=1000)
        phone.report(at(970), TRACK, 970, 960)  # completes at 970
        tablet.report(at(500), TRACK, 955, 500, durationSeconds=1000)  # completes at 500
        tablet.reset(at(600), TRACK)
        tablet.report(at(700), TRACK, 100, 100)
        watch.report(at(400), TRACK, 400, 400, completed=True)  # completes at 400, before the reset
        watch.report(at(970), TRACK, 969, 500)  # same second as the phone's report: client id decides
        for index in order:
            devices[index].push()
        finals.append((content(Player(user, "reader").sync_all()[TRACK]), stats(user)))
    assert all(final == finals[0] for final in finals), finals
    record, totals = finals[0]
    assert record["completed"] is True
    assert record["completedAt"] == "2026-03-01T09:16:10+00:00"  # the phone's, the first after the reset
    assert record["positionSeconds"] == 969  # "watch" > "phone" at the same millisecond
    assert record["listenedSeconds"] == 10 + 960 + 500 + 100 + 400 + 500
    assert totals == {"listenedSeconds": record["listenedSeconds"], "tracksCompleted": 1}
