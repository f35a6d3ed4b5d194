"""Bookmarks: client-created marks in a track, merged field by field, deleted as tombstones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.progress.conftest import Player, statuses
from tests.sync.conftest import at, new_id

TRACK = "course-1:lesson-04"


def bookmarks(gql: GraphQLClient, track: str, **variables: Any) -> dict[str, Any]:
    data: dict[str, Any] = gql.data(operation("Bookmarks"), {"trackId": track, **variables})["bookmarks"]
    return data


def test_bookmarks_sync_merge_and_delete(player: Callable[[str], Player], gql: GraphQLClient) -> None:
    phone, tablet = player("phone"), player("tablet")
    mark = new_id()
    phone.change(
        at(0), saveBookmark={"id": mark, "trackId": TRACK, "positionSeconds": 61.5, "label": "Breath"}
    )
    created = phone.push()["results"][0]["record"]
    assert created["__typename"] == "Bookmark"
    assert (created["trackId"], created["positionSeconds"], created["label"]) == (TRACK, 61.5, "Breath")
    assert created["createdAt"] == "2026-03-01T09:00:00+00:00"
    assert tablet.sync_all()[mark]["label"] == "Breath"
    phone.change(at(20), saveBookmark={"id": mark, "label": "Breathing"})
    tablet.change(at(10), saveBookmark={"id": mark, "label": "Breath!", "note": "come back here"})
    phone.push()
    result = tablet.push()["results"][0]
    assert result["status"] == "MERGED"  # the later label wins, the note is kept
    assert result["conflictingFields"] == ["label"]
    assert (result["record"]["label"], result["record"]["note"]) == ("Breathing", "come back here")
    phone.change(at(30), deleteBookmark={"id": mark})
    assert phone.push()["results"][0]["record"]["deleted"] is True
    tablet.change(at(25), saveBookmark={"id": mark, "note": "late"})
    assert tablet.push()["results"][0]["code"] == "RECORD_DELETED"
    assert tablet.sync_all()[mark]["deleted"] is True
    assert bookmarks(gql, TRACK)["nodes"] == []


def test_bookmarks_of_a_track_by_position(player: Callable[[str], Player], gql: GraphQLClient) -> None:
    phone = player("phone")
    positions = [600, 5, 61.25, 3600, 0]
    ids = [new_id() for _ in positions]
    for mark, position in zip(ids, positions, strict=True):
        phone.change(at(0), saveBookmark={"id": mark, "trackId": TRACK, "positionSeconds": position})
    phone.change(at(0), saveBookmark={"id": new_id(), "trackId": "another-track", "positionSeconds": 1})
    phone.push()
    first = bookmarks(gql, TRACK, first=3)
    assert [node["positionSeconds"] for node in first["nodes"]] == [0, 5, 61.25]
    rest = bookmarks(gql, TRACK, first=3, after=first["pageInfo"]["endCursor"])
    assert [node["positionSeconds"] for node in rest["nodes"]] == [600, 3600]
    assert rest["pageInfo"]["hasNextPage"] is False
    phone.change(at(5), saveBookmark={"id": ids[3], "positionSeconds": 1})  # moved
    phone.push()
    assert [node["id"] for node in bookmarks(gql, TRACK)["nodes"]][:3] == [ids[4], ids[3], ids[1]]
    assert bookmarks(gql, "never-marked")["nodes"] == []
    body = gql(operation("Bookmarks"), {"trackId": "a b"})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "trackId"}


def test_a_new_bookmark_needs_a_track_and_a_position(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    phone.change(at(0), saveBookmark={"id": new_id(), "label": "where?"})
    payload = phone.push()
    assert statuses(payload) == ["REJECTED"]
    assert payload["results"][0]["code"] == "REQUIRED_FIELD"


@pytest.mark.parametrize(
    ("fields", "field", "limit"),
    [
        ({"label": "l" * 201}, "label", 200),
        ({"note": "n" * 5_001}, "note", 5_000),
        ({"positionSeconds": -1}, "positionSeconds", [0, 86_400]),
        ({"trackId": "not a track"}, "trackId", None),
    ],
)
def test_bookmark_limits(
    player: Callable[[str], Player], fields: dict[str, Any], field: str, limit: Any
) -> None:
    phone = player("phone")
    change = {"id": new_id(), "trackId": TRACK, "positionSeconds": 1, **fields}
    phone.change(at(0), saveBookmark=change)
    error = phone.push_raw()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == f"mutations[0].change.saveBookmark.{field}"
    assert error["extensions"].get("limit") == limit


def test_bookmark_ids_are_uuids_or_ulids(player: Callable[[str], Player]) -> None:
    phone = player("phone")
    phone.change(at(0), saveBookmark={"id": "bookmark-1", "trackId": TRACK, "positionSeconds": 1})
    assert phone.push_raw()["errors"][0]["extensions"]["field"] == "mutations[0].change.saveBookmark.id"


def test_a_re_save_of_an_unchanged_note_keeps_its_newer_time(
    player: Callable[[str], Player], gql: GraphQLClient
) -> None:
    """Issue 10's reproduction: A creates, B re-saves the same note later, C's older edit arrives last.
    B's newer time must be stored, so C loses (MERGED) and the note stays "same"."""
    mark = new_id()
    a, b, c = player("device-a"), player("device-b"), player("device-c")
    a.change(
        at(0),
        saveBookmark={"id": mark, "trackId": "t1", "positionSeconds": 5, "label": "L", "note": "same"},
    )
    assert statuses(a.push()) == ["APPLIED"]
    b.change(at(2 * 86_400), saveBookmark={"id": mark, "note": "same"})
    b_result = b.push()["results"][0]
    assert b_result["status"] == "APPLIED"
    assert b_result["record"]["version"] == 2  # the newer time is a change: stored and numbered
    c.change(at(86_400), saveBookmark={"id": mark, "note": "older"})
    c_result = c.push()["results"][0]
    assert c_result["status"] == "MERGED"
    assert c_result["conflictingFields"] == ["note"]
    assert c_result["record"]["note"] == "same"
    assert player("reader").sync_all()[mark]["note"] == "same"
