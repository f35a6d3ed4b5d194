"""Editing the catalog: only editors, every input checked, saves return the item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.catalog.conftest import new_collection, new_track, publish, save_collection, save_track, text
from tests.conftest import GraphQLClient
from tests.operations import operation

ADMIN_OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    ("AdminCollection", {"id": "retreats"}),
    (
        "AdminSaveCollection",
        {"input": {"id": "x", "slug": "x", "kind": "k", "defaultLanguage": "en", "title": [text("en", "X")]}},
    ),
    ("AdminSaveTrack", {"input": {"id": "t", "collectionId": "x", "title": [text("en", "T")]}}),
    ("AdminDeleteTrack", {"id": "t"}),
    ("AdminDeleteCollection", {"id": "x"}),
    ("AdminPublish", {"id": "x"}),
    ("AdminUnpublish", {"id": "x"}),
    (
        "AdminMediaUploadUrl",
        {"trackId": "t", "kind": "AUDIO", "contentType": "audio/mpeg", "contentLength": 10},
    ),
    ("AdminCoverUploadUrl", {"collectionId": "x", "contentType": "image/png", "contentLength": 10}),
]
DRAFTS = [
    "query { collections(includeUnpublished: true) { nodes { id } } }",
    'query { track(id: "t", includeUnpublished: true) { id } }',
]


@pytest.mark.parametrize(("name", "variables"), ADMIN_OPERATIONS)
def test_only_editors_may_edit(
    client: TestClient, make_token: Callable[..., str], name: str, variables: dict[str, Any]
) -> None:
    user = GraphQLClient(client, make_token("reader", groups=["listeners"]))
    error = user(operation(name), variables)["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "NOT_AN_EDITOR"}, name
    error = GraphQLClient(client, None)(operation(name), variables)["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED", name


@pytest.mark.parametrize("document", DRAFTS)
def test_only_editors_see_drafts(gql: GraphQLClient, anonymous: GraphQLClient, document: str) -> None:
    assert gql(document)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert anonymous(document)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_save_returns_the_item_and_patches_only_what_it_names(admin: GraphQLClient) -> None:
    created = save_collection(
        admin,
        id="retreat-a",
        slug="retreat-a",
        kind="retreat",
        defaultLanguage="en",
        title=[text("en", "Retreat A"), text("PT-pt", "Retiro A")],
        description=[text("en", "Seven days")],
        tags=["silence", " silence ", "breath"],
        order=3,
    )
    assert created["version"] == 1
    assert created["titles"] == [
        {"language": "en", "text": "Retreat A"},
        {"language": "pt-PT", "text": "Retiro A"},
    ]
    assert created["tags"] == ["silence", "breath"]
    assert created["publishedAt"] is None
    changed = save_collection(admin, id="retreat-a", order=1, description=None)
    assert (changed["version"], changed["order"], changed["descriptions"]) == (2, 1, [])
    assert changed["titles"] == created["titles"]  # omitted: unchanged
    retitled = save_collection(admin, id="retreat-a", title=[text("en", "Retreat A, 2025")])
    assert retitled["titles"] == [{"language": "en", "text": "Retreat A, 2025"}]  # the whole set is replaced


VALID_COLLECTION = {"slug": "ok", "kind": "course", "defaultLanguage": "en", "title": [text("en", "Ok")]}
COLLECTION_ERRORS: list[tuple[dict[str, Any], str, str]] = [
    ({"id": "bad id!"}, "input.id", "letters, digits"),
    ({"slug": "Not A Slug"}, "input.slug", "lowercase letters"),
    ({"kind": ""}, "input.kind", "at least 1"),
    ({"defaultLanguage": "english!"}, "input.defaultLanguage", "BCP 47"),
    ({"title": [text(f"x{n:02d}", "t") for n in range(21)]}, "input.title", "the limit is 20"),
    ({"title": [text("en", "x" * 201)]}, "input.title.en", "the limit is 200"),
    ({"title": [text("en", "   ")]}, "input.title.en", "at least 1"),
    ({"title": [text("en", "a"), text("en", "b")]}, "input.title", "twice"),
    ({"title": [text("en", "a"), text("EN", "b")]}, "input.title", "twice"),
    ({"title": []}, "input.title", "at least one language"),
    ({"title": [text("pt", "Só em português")]}, "input.title", "default language en"),
    ({"tags": [f"t{n}" for n in range(51)]}, "input.tags", "the limit is 50"),
    ({"coverImage": "users/someone/photo.jpg"}, "input.coverImage", "media key of the catalog"),
    ({"order": -1}, "input.order", "between 0 and 1000000"),
    ({"parentId": "no-such-parent"}, "input.parentId", "no collection"),
    ({"slug": None}, "input.slug", "required"),
]


@pytest.mark.parametrize(("fields", "field", "message"), COLLECTION_ERRORS)
def test_collection_input_is_checked(
    admin: GraphQLClient, fields: dict[str, Any], field: str, message: str
) -> None:
    body = admin(operation("AdminSaveCollection"), {"input": {"id": "checked", **VALID_COLLECTION, **fields}})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    assert message in error["message"]
    assert admin.data(operation("AdminCollection"), {"id": "checked"})["collection"] is None  # nothing saved


def test_a_new_collection_needs_its_required_fields(admin: GraphQLClient) -> None:
    error = admin(operation("AdminSaveCollection"), {"input": {"id": "bare", "kind": "course"}})["errors"][0]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "input.slug",
        "reason": "REQUIRED_FIELD",
    }
    assert "slug, defaultLanguage, title" in error["message"]


def test_catalog_integrity_is_kept(admin: GraphQLClient) -> None:
    outer = new_collection(admin, "outer")["id"]
    inner = new_collection(admin, "inner", parentId=outer)["id"]
    track = new_track(admin, inner, "talk")["id"]

    def refused(name: str, fields: dict[str, Any]) -> dict[str, Any]:
        error: dict[str, Any] = admin(operation(name), {"input": fields})["errors"][0]
        extensions: dict[str, Any] = error["extensions"]
        assert extensions["code"] == "BAD_USER_INPUT", error
        return extensions

    assert refused("AdminSaveCollection", {"id": outer, "parentId": inner})["reason"] == "CYCLE"
    assert refused("AdminSaveCollection", {"id": outer, "parentId": outer})["reason"] == "CYCLE"
    assert (
        refused("AdminSaveCollection", {"id": "other", **VALID_COLLECTION, "slug": "inner"})["reason"]
        == "SLUG_TAKEN"
    )
    assert (
        refused("AdminSaveCollection", {"id": track, **VALID_COLLECTION, "slug": "x"})["reason"] == "ID_TAKEN"
    )
    assert (
        refused("AdminSaveTrack", {"id": inner, "collectionId": outer, "title": [text("en", "T")]})["reason"]
        == "ID_TAKEN"
    )
    assert (
        refused("AdminSaveTrack", {"id": track, "collectionId": "missing"})["field"] == "input.collectionId"
    )
    # A collection that still holds tracks or collections can't be deleted.
    for holder in (outer, inner):
        error = admin(operation("AdminDeleteCollection"), {"id": holder})["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id", "reason": "NOT_EMPTY"}
    assert admin.data(operation("AdminDeleteTrack"), {"id": track})["adminDeleteTrack"]["deleted"] is True
    assert (
        admin.data(operation("AdminDeleteCollection"), {"id": inner})["adminDeleteCollection"]["deleted"]
        is True
    )
    # Deletes are final: the id can't be saved again, nor deleted twice.
    assert refused("AdminSaveTrack", {"id": track, "order": 2})["reason"] == "RECORD_DELETED"
    error = admin(operation("AdminDeleteTrack"), {"id": track})["errors"][0]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}
    # The slug of a deleted collection is free again.
    save_collection(admin, id="inner-2", **{**VALID_COLLECTION, "slug": "inner"})


TRACK_ERRORS: list[tuple[dict[str, Any], str]] = [
    ({"durationSeconds": 48 * 3600 + 1}, "input.durationSeconds"),
    ({"durationSeconds": -1}, "input.durationSeconds"),
    ({"language": "not a language"}, "input.language"),
    ({"media": {"audio": "users/u1/recording.mp3"}}, "input.media.audio"),
    ({"media": {"transcript": "catalog/../../etc/passwd"}}, "input.media.transcript"),
    ({"description": [text("en", "x" * 10_001)]}, "input.description.en"),
    ({"title": None}, "input.title"),
    ({"collectionId": None}, "input.collectionId"),
]


@pytest.mark.parametrize(("fields", "field"), TRACK_ERRORS)
def test_track_input_is_checked(admin: GraphQLClient, fields: dict[str, Any], field: str) -> None:
    collection = new_collection(admin)["id"]
    valid = {"id": "track-1", "collectionId": collection, "title": [text("en", "T")]}
    error = admin(operation("AdminSaveTrack"), {"input": {**valid, **fields}})["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


def test_tracks_move_between_collections_and_media_can_be_removed(admin: GraphQLClient) -> None:
    first, second = new_collection(admin)["id"], new_collection(admin)["id"]
    track = new_track(admin, first, media={"audio": "catalog/t/audio.mp3", "image": "catalog/t/image.jpg"})[
        "id"
    ]
    moved = save_track(admin, id=track, collectionId=second, media={"image": None})
    assert moved["collectionId"] == second
    assert moved["media"] == {"audio": "catalog/t/audio.mp3", "transcript": None, "image": None}
    cleared = save_track(admin, id=track, media=None)
    assert cleared["media"] == {"audio": None, "transcript": None, "image": None}


def test_publishing_a_collection_with_its_tracks(admin: GraphQLClient, gql: GraphQLClient) -> None:
    save_collection(admin, id="course", **{**VALID_COLLECTION, "slug": "course"})
    for n in range(3):
        save_track(admin, id=f"lesson-{n}", collectionId="course", title=[text("en", f"Lesson {n}")], order=n)
    published = publish(admin, "course", with_tracks=True)
    assert published["__typename"] == "Collection"
    assert published["publishedAt"] is not None
    found = gql.data(operation("Collection"), {"slug": "course"})["collection"]
    assert [track["id"] for track in found["tracks"]] == ["lesson-0", "lesson-1", "lesson-2"]
    again = publish(admin, "course")
    assert again["version"] == published["version"]  # already published: nothing changes
    hidden = admin.data(operation("AdminUnpublish"), {"id": "course", "withTracks": True})["adminUnpublish"]
    assert hidden["publishedAt"] is None
    assert gql.data(operation("Collection"), {"slug": "course"})["collection"] is None
    assert gql.data(operation("Track"), {"id": "lesson-1"})["track"] is None


def test_publishing_needs_an_existing_item(admin: GraphQLClient) -> None:
    for name in ("AdminPublish", "AdminUnpublish"):
        error = admin(operation(name), {"id": "nothing-here"})["errors"][0]
        assert error["extensions"] == {"code": "NOT_FOUND", "field": "id"}
