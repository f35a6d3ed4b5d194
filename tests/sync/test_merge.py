"""Field-level merge: both devices win on different fields, the later edit wins on the same one,
and every sync order converges to the same state."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

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


def random_edits(rng: random.Random, piece: str, device_index: int) -> list[dict[str, Any]]:
    edits = []
    for _ in range(rng.randint(1, 4)):
        field = rng.choice(["title", "category", "notes", "tags", "favorite", "language"])
        value: Any = {
            "title": f"title {rng.randint(0, 9)}",
            "category": rng.choice([None, "oli", "mele"]),
            "notes": rng.choice([None, f"note {rng.randint(0, 9)}"]),
            "tags": rng.sample(["a", "b", "c", "d"], rng.randint(0, 3)),
            "favorite": rng.choice([True, False]),
            "language": rng.choice(["haw", "en", None]),
        }[field]
        # Times collide on purpose (several devices editing in the same second).
        edits.append({"second": rng.randint(1, 6), "fields": {"id": piece, field: value}})
    return edits


def test_the_same_offline_edits_converge_in_every_sync_order(
    gql: GraphQLClient, make_token: Any, client: Any
) -> None:
    rng = random.Random(20261124)
    for round_ in range(4):
        edits = [random_edits(rng, "PIECE", index) for index in range(3)]
        finals = []
        for order in itertools.permutations(range(3)):
            user = GraphQLClient(
                client, make_token(f"converge-{round_}-{''.join(map(str, order))}-{new_id()}")
            )
            piece = new_id()
            creator = Device(user, "creator")
            creator.save_piece(at(0), id=piece, title="start")
            creator.push()
            devices = [Device(user, f"device-{index}") for index in range(3)]
            for device, device_edits in zip(devices, edits, strict=True):
                for edit in device_edits:
                    device.save_piece(at(edit["second"]), **{**edit["fields"], "id": piece})
            for index in order:
                devices[index].push()
            finals.append(content(Device(user, "reader").sync_all()[piece]))
        assert all(final == finals[0] for final in finals), finals


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
