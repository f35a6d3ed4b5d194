"""Field-level merge: both devices win on different fields, the later edit wins on the same one,
and every sync order converges to the same state."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.sync.conftest import Device, at, new_id

CONTENT = ("title", "category", "language", "lyrics", "notes", "tags", "favorite")


def content(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in CONTENT}


def shared_piece(device: Callable[[str], Device], piece: str, **fields: Any) -> tuple[Device, Device]:
    phone, tablet = device(f"phone-{piece}"), device(f"tablet-{piece}")
    phone.save_piece(at(0), id=piece, title="Start", **fields)
    phone.push()
    tablet.sync_all()
    return phone, tablet


def test_edits_to_different_fields_both_win(device: Callable[[str], Device]) -> None:
    piece = new_id()
    phone, tablet = shared_piece(device, piece)
    phone.save_piece(at(10), id=piece, notes="from the phone")
    tablet.save_piece(at(20), id=piece, category="from the tablet")
    assert tablet.push()["results"][0]["status"] == "APPLIED"
    result = phone.push()["results"][0]  # the phone syncs last, with an earlier edit
    assert result["status"] == "APPLIED"
    assert result["conflictingFields"] == []
    assert result["record"]["notes"] == "from the phone"
    assert result["record"]["category"] == "from the tablet"


def test_the_later_edit_wins_whoever_syncs_first(device: Callable[[str], Device]) -> None:
    for later_syncs_first in (True, False):
        piece = new_id()
        phone, tablet = shared_piece(device, piece)
        phone.save_piece(at(30), id=piece, title="later (phone)")
        tablet.save_piece(at(20), id=piece, title="earlier (tablet)", notes="tablet notes")
        first, second = (phone, tablet) if later_syncs_first else (tablet, phone)
        first.push()
        last = second.push()["results"][0]
        if later_syncs_first:
            assert last["status"] == "MERGED"  # the tablet's title lost to a newer one
            assert last["conflictingFields"] == ["title"]
        else:
            assert last["status"] == "APPLIED"
        assert last["record"]["title"] == "later (phone)"
        assert last["record"]["notes"] == "tablet notes"
        assert phone.sync_all()[piece]["title"] == tablet.sync_all()[piece]["title"] == "later (phone)"


def test_equal_times_are_broken_by_client_id_not_by_arrival(gql: GraphQLClient) -> None:
    outcomes = set()
    for order in ((0, 1), (1, 0)):
        piece = new_id()
        devices = [Device(gql, f"device-a-{piece}"), Device(gql, f"device-b-{piece}")]
        devices[0].save_piece(at(5), id=piece, title="by a")
        devices[1].save_piece(at(5), id=piece, title="by b")
        for index in order:
            devices[index].push()
        outcomes.add(Device(gql, f"reader-{piece}").sync_all()[piece]["title"])
    assert outcomes == {"by b"}  # "device-b-…" > "device-a-…", whichever arrived first


def test_conflicting_fields_name_graphql_fields(device: Callable[[str], Device]) -> None:
    session = new_id()
    phone, tablet = device("phone"), device("tablet")
    phone.save_session(at(0), id=session, startedAt=at(0), durationSeconds=300)
    phone.push()
    phone.save_session(at(20), id=session, durationSeconds=900)
    tablet.save_session(at(10), id=session, durationSeconds=600)
    phone.push()
    result = tablet.push()["results"][0]
    assert result["status"] == "MERGED"
    assert result["conflictingFields"] == ["durationSeconds"]
    assert result["record"]["durationSeconds"] == 900


@dataclass(frozen=True)
class Kind:
    """A collection as the convergence test edits it: how to create it, and the values to try."""

    change: str  # the SyncChangeInput member
    pulled: str  # the SyncPullPayload list
    initial: dict[str, Any]  # the creating edit
    values: dict[str, list[Any]]  # field -> values to set (the initial one among them: re-saves)
    tie: dict[str, list[Any]]  # one mutation per device, same time and same mutationId
    # (tie fields and re-saved fields are distinct, so that each case decides on its own)
    re_save: dict[str, Any]  # the initial values again, later...
    older: dict[str, Any]  # ...than this other edit of them, made earlier on another device
    record_id: str | None = None  # fixed id (preferences are always "me")


def theme(value: str | None, key: str = "theme") -> list[dict[str, Any]]:
    return [{"key": key, "value": value}]


KINDS = {
    "pieces": Kind(
        "savePiece",
        "pieces",
        {"title": "start", "notes": "same", "tags": ["a"]},
        {
            "title": ["start", "title 1", "title 2"],
            "category": [None, "oli", "mele"],
            "notes": [None, "same", "note 1"],
            "tags": [[], ["a"], ["a", "b"], ["c"]],
            "favorite": [True, False],
            "language": [None, "haw", "en"],
        },
        tie={"title": ["tie a", "tie b", "tie c"], "category": ["x", "y", "z"]},
        re_save={"notes": "same", "tags": ["a"]},
        older={"notes": "older", "tags": ["b"]},
    ),
    "sessions": Kind(
        "saveSession",
        "sessions",
        {"startedAt": at(0), "notes": "same", "trackId": "track-1"},
        {
            "notes": [None, "same", "note 1"],
            "rating": [None, 3, 4, 5],
            "durationSeconds": [None, 60, 300],
            "trackId": [None, "track-1", "track-2"],
        },
        tie={"rating": [1, 2, 5], "durationSeconds": [600, 700, 800]},
        re_save={"notes": "same", "trackId": "track-1"},
        older={"notes": "older", "trackId": "track-2"},
    ),
    "bookmarks": Kind(
        "saveBookmark",
        "bookmarks",
        {"trackId": "t1", "positionSeconds": 5, "label": "L", "note": "same"},
        {
            "positionSeconds": [5, 10, 20],
            "label": [None, "L", "M"],
            "note": [None, "same", "note 1"],
        },
        tie={"label": ["tie a", "tie b", "tie c"], "positionSeconds": [1, 2, 3]},
        re_save={"note": "same"},
        older={"note": "older"},
    ),
    "preferences": Kind(
        "savePreferences",
        "preferences",
        {"language": "en", "dailyGoalMinutes": 10, "custom": [*theme("dark"), *theme(None, "gone")]},
        {
            "language": [None, "en", "haw", "ja"],
            "timeZone": [None, "UTC", "Pacific/Honolulu"],
            "notifications": [True, False],
            "dailyGoalMinutes": [None, 10, 20],
            "custom": [
                None,
                theme("dark"),
                theme("light"),
                theme(None),
                theme("x", "gone"),
                theme(None, "gone"),
            ],
        },
        tie={"dailyGoalMinutes": [30, 40, 50], "custom": [theme("a"), theme("b"), theme("c")]},
        re_save={"language": "en", "custom": [*theme("dark"), *theme(None, "gone")]},
        older={"language": "ja", "custom": [*theme("light"), *theme("back", "gone")]},
        record_id="me",
    ),
}


class Everything(Device):
    follows = ("pieces", "sessions", "bookmarks", "preferences")


def offline_edits(rng: random.Random, kind: Kind) -> list[list[tuple[int, dict[str, Any]]]]:
    """Three devices' queues of (second, fields). Every device's first mutation edits the same fields
    at the same time with the same mutationId (only the clientId can order them); device 0 re-saves
    initial values after device 1 edited them; random edits follow, often at the same second and
    mutationId as the other devices' and often setting values the record already has."""
    queues: list[list[tuple[int, dict[str, Any]]]] = [
        [(20, {name: values[index] for name, values in kind.tie.items()})] for index in range(3)
    ]
    queues[0].append((31, dict(kind.re_save)))
    queues[1].append((30, dict(kind.older)))
    for _ in range(rng.randint(2, 4)):
        shared_second, shared_field = rng.randint(1, 6), rng.choice(list(kind.values))
        for queue in queues:
            same = rng.random() < 0.5
            name = shared_field if same else rng.choice(list(kind.values))
            second = shared_second if same else rng.randint(1, 6)
            queue.append((second, {name: rng.choice(kind.values[name])}))
    return queues


def final_state(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in ("id", "version", "updatedAt")}


@pytest.mark.parametrize("name", list(KINDS))
def test_the_same_offline_edits_converge_in_every_sync_order(
    gql: GraphQLClient, make_token: Any, client: Any, name: str
) -> None:
    kind = KINDS[name]
    rng = random.Random(f"20261124-{name}")
    for round_ in range(2):
        queues = offline_edits(rng, kind)
        finals = []
        for order in itertools.permutations(range(3)):
            user = GraphQLClient(client, make_token(f"converge-{name}-{round_}-{new_id()}"))
            record_id = kind.record_id or new_id()
            creator = Everything(user, "creator")
            named = {} if kind.record_id else {"id": record_id}
            creator.change(at(0), **{kind.change: {**kind.initial, **named}})
            assert creator.push()["results"][0]["status"] == "APPLIED"
            devices = [Everything(user, f"device-{index}") for index in range(3)]
            for device, queue in zip(devices, queues, strict=True):
                for second, fields in queue:
                    device.change(at(second), **{kind.change: {**fields, **named}})
            for index in order:
                device_results = devices[index].push()["results"]
                assert all(result["status"] != "REJECTED" for result in device_results), device_results
            finals.append(final_state(Everything(user, "reader").sync_all()[record_id]))
        assert all(final == finals[0] for final in finals), (name, round_, finals)


def test_a_re_save_of_an_unchanged_value_keeps_its_newer_time_in_every_order(
    gql: GraphQLClient,
) -> None:
    """A re-saves its form; B re-saves the same notes later; C edited them in between, offline.
    Whichever of B and C syncs first, B's later edit wins (the pieces case of issue 10)."""
    for order in ("BC", "CB"):
        piece = new_id()
        a, b, c = (Device(gql, f"{name}-{piece}") for name in "abc")
        a.save_piece(at(0), id=piece, title="Start", notes="same")
        a.push()
        b.save_piece(at(20), id=piece, notes="same")
        c.save_piece(at(10), id=piece, notes="older")
        for name in order:
            {"B": b, "C": c}[name].push()
        assert Device(gql, f"reader-{piece}").sync_all()[piece]["notes"] == "same", order
