"""Premium content: visible to everyone (marked locked), its media only for those who hold it."""

from __future__ import annotations

from typing import Any

import pytest
from ulid import ULID

from tests.catalog.conftest import new_collection, new_track, save_collection, save_track
from tests.conftest import Clock, GraphQLClient
from tests.entitlements.conftest import grant
from tests.operations import operation

MEDIA = {"audio": "catalog/t/audio.mp3", "transcript": "catalog/t/talk.pdf", "image": "catalog/t/cover.jpg"}


@pytest.fixture
def premium(admin: GraphQLClient) -> dict[str, str]:
    """A premium collection holding a track (inheriting it), and a free collection with a free track."""
    paid = new_collection(admin, requires="premium")["id"]
    free = new_collection(admin)["id"]
    return {
        "paid": paid,
        "free": free,
        "paid_track": new_track(admin, paid, media=MEDIA)["id"],
        "free_track": new_track(admin, free, media=MEDIA)["id"],
    }


def media_error(gql: GraphQLClient, track: str, kind: str = "AUDIO") -> dict[str, Any] | None:
    body = gql(operation("MediaUrl"), {"trackId": track, "kind": kind})
    if "errors" in body:
        extensions: dict[str, Any] = body["errors"][0]["extensions"]
        return extensions
    assert body["data"]["mediaUrl"]["key"]
    return None


def locks(items: list[dict[str, Any]]) -> dict[str, tuple[str | None, bool]]:
    return {item["id"]: (item["requires"], item["locked"]) for item in items}


def test_locked_items_show_everywhere_but_their_media_is_refused(
    gql: GraphQLClient, admin: GraphQLClient, premium: dict[str, str], user_id: str
) -> None:
    listed = gql.data(operation("Collections"), {})["collections"]["nodes"]
    assert locks(listed)[premium["paid"]] == ("premium", True)
    assert locks(listed)[premium["free"]] == (None, False)
    one = gql.data(operation("Collection"), {"id": premium["paid"]})["collection"]
    assert locks(one["tracks"]) == {premium["paid_track"]: ("premium", True)}  # inherited
    track = gql.data(operation("Track"), {"id": premium["paid_track"]})["track"]
    assert (track["requires"], track["locked"]) == ("premium", True)
    hits = gql.data(operation("SearchContent"), {"query": "Track"})["searchContent"]
    assert locks([hit["item"] for hit in hits]) == {
        premium["paid_track"]: ("premium", True),
        premium["free_track"]: (None, False),
    }
    pulled = gql.data(operation("SyncPull"), {"input": {"clientId": "phone", "cursor": None}})["syncPull"]
    assert locks(pulled["tracks"]) == {
        premium["paid_track"]: ("premium", True),
        premium["free_track"]: (None, False),
    }
    assert locks(pulled["collections"])[premium["paid"]] == ("premium", True)

    refused = {
        "code": "FORBIDDEN",
        "reason": "ENTITLEMENT_REQUIRED",
        "entitlement": "premium",
    }
    assert media_error(gql, premium["paid_track"]) == refused
    assert media_error(gql, premium["paid_track"], "TRANSCRIPT") == refused
    assert media_error(gql, premium["paid_track"], "IMAGE") is None  # artwork for the lock screen
    assert media_error(gql, premium["free_track"]) is None

    grant(admin, user_id)
    assert media_error(gql, premium["paid_track"]) is None
    assert media_error(gql, premium["paid_track"], "TRANSCRIPT") is None
    again = gql.data(operation("Collection"), {"id": premium["paid"]})["collection"]
    assert (again["locked"], locks(again["tracks"])) == (False, {premium["paid_track"]: ("premium", False)})


def test_requirements_are_inherited_down_the_tree_and_follow_moves(
    gql: GraphQLClient, admin: GraphQLClient, premium: dict[str, str], clock: Clock
) -> None:
    inner = new_collection(admin, parentId=premium["paid"])["id"]
    deep = new_track(admin, inner)["id"]
    own = new_track(admin, premium["free"], requires="reports")["id"]
    tracks = {
        track["id"]: track
        for track in gql.data(operation("SyncPull"), {"input": {"clientId": "p", "cursor": None}})[
            "syncPull"
        ]["tracks"]
    }
    assert (tracks[deep]["requires"], tracks[own]["requires"]) == ("premium", "reports")

    # Edits a second apart (the server's changes made in one instant have equal stamps).
    clock.advance(seconds=1)
    save_track(admin, id=premium["free_track"], collectionId=premium["paid"])  # moved into premium
    clock.advance(seconds=1)
    save_collection(admin, id=premium["paid"], requires=None)  # and premium made free again
    clock.advance(seconds=1)
    save_track(admin, id=own, requires=None)
    for track_id, expected in ((premium["free_track"], None), (deep, None), (own, None)):
        track = gql.data(operation("Track"), {"id": track_id})["track"]
        assert (track["requires"], track["locked"]) == (expected, False), track_id
    clock.advance(seconds=1)
    save_collection(admin, id=inner, requires="premium")
    assert gql.data(operation("Track"), {"id": deep})["track"]["locked"] is True
    assert media_error(gql, deep) == {
        "code": "FORBIDDEN",
        "reason": "ENTITLEMENT_REQUIRED",
        "entitlement": "premium",
    }


def test_editors_may_only_require_declared_entitlements(admin: GraphQLClient) -> None:
    item = f"c-{ULID()}".lower()
    body = admin(
        operation("AdminSaveCollection"),
        {
            "input": {
                "id": item,
                "slug": item,
                "kind": "retreat",
                "defaultLanguage": "en",
                "title": [{"language": "en", "text": "x"}],
                "requires": "premuim",
            }
        },
    )
    assert body["errors"][0]["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "input.requires",
        "reason": "UNKNOWN_ENTITLEMENT",
    }
