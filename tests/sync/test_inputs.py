"""Bad push inputs are refused before anything is applied, naming the field as the API spells it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.sync.conftest import Device, at, new_id


def refused(device: Device, *changes: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Push these changes (changedAt, change); the one error; nothing may have been applied."""
    body = device.push_raw(
        [
            {"mutationId": index, "changedAt": changed_at, "change": change}
            for index, (changed_at, change) in enumerate(changes, start=1)
        ]
    )
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return dict(error)


@pytest.mark.parametrize(
    "changed_at", ["2026-03-01T09:00:00", "2026-03-01T09:00:00.250", "2026-03-01 09:00:00"]
)
def test_a_changed_at_without_a_time_zone_offset_is_refused(gql: GraphQLClient, changed_at: str) -> None:
    """A phone's local time taken as UTC would reorder edits: the offset is required."""
    phone = Device(gql, "phone")
    error = refused(
        phone,
        (at(0), {"savePiece": {"id": new_id(), "title": "fine"}}),
        (changed_at, {"savePiece": {"id": new_id(), "title": "local time"}}),
    )
    assert error["extensions"]["field"] == "mutations[1].changedAt"
    assert "offset" in error["message"]
    assert Device(gql, "tablet").sync_all() == {}  # nothing applied, not even the first


@pytest.mark.parametrize("changed_at", ["2026-03-01T09:00:00Z", "2026-03-01T19:00:00+10:00"])
def test_a_changed_at_with_an_offset_is_accepted(gql: GraphQLClient, changed_at: str) -> None:
    phone = Device(gql, "phone")
    piece = new_id()
    phone.change(changed_at, savePiece={"id": piece, "title": "t"})
    assert phone.push()["results"][0]["record"]["createdAt"] == "2026-03-01T09:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"savePreferences": {"dailyGoalMinutes": 1441}}, "savePreferences.dailyGoalMinutes"),
        ({"savePreferences": {"timeZone": "Mars/Olympus"}}, "savePreferences.timeZone"),
        ({"savePiece": {"id": "not-an-id", "title": "x"}}, "savePiece.id"),
        ({"savePiece": {"id": "ID", "title": "x" * 201}}, "savePiece.title"),
        (
            {"saveSession": {"id": "ID", "startedAt": at(0), "durationSeconds": -1}},
            "saveSession.durationSeconds",
        ),
        (
            {"saveBookmark": {"id": "ID", "trackId": "t", "positionSeconds": -1}},
            "saveBookmark.positionSeconds",
        ),
        (
            {"recordProgress": {"trackId": "t", "positionSeconds": 1e9, "listenedSecondsDelta": 0}},
            "recordProgress.positionSeconds",
        ),
        ({"sendChatMessage": {"id": "ID", "threadId": "nope", "text": "hi"}}, "sendChatMessage.threadId"),
    ],
)
def test_a_field_error_names_the_api_path(gql: GraphQLClient, change: dict[str, Any], field: str) -> None:
    for fields in change.values():
        if fields.get("id") == "ID":
            fields["id"] = new_id()
    error = refused(
        Device(gql, "phone"), (at(0), {"savePiece": {"id": new_id(), "title": "ok"}}), (at(1), change)
    )
    path = f"mutations[1].change.{field}"
    assert error["extensions"]["field"] == path
    assert error["message"].startswith(path), error["message"]


@pytest.mark.parametrize("language", ["Hawaiian", "en_US", "xx-XX", "haw-"])
def test_a_piece_language_must_be_a_bcp_47_tag(gql: GraphQLClient, language: str) -> None:
    error = refused(
        Device(gql, "phone"), (at(0), {"savePiece": {"id": new_id(), "title": "t", "language": language}})
    )
    assert error["extensions"]["field"] == "mutations[0].change.savePiece.language"


def test_a_piece_language_is_kept_in_its_canonical_case(gql: GraphQLClient) -> None:
    phone = Device(gql, "phone")
    phone.save_piece(at(0), id=new_id(), title="t", language="PT-pt")
    assert phone.push()["results"][0]["record"]["language"] == "pt-PT"
