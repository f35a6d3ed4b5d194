"""Browsing the catalog: collections by parent and kind, one collection with its tracks, one track."""

from __future__ import annotations

from typing import Any

from tests.catalog.conftest import new_collection, new_track, publish, save_track, text
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.services import Services


def collections(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql.data(operation("Collections"), variables)["collections"]
    return result


def test_top_level_collections_then_the_ones_inside(demo: Services, gql: GraphQLClient) -> None:
    top = collections(gql)
    assert [node["id"] for node in top["nodes"]] == ["retreats", "foundations-of-mindfulness"]
    assert top["pageInfo"] == {"endCursor": None, "hasNextPage": False}
    inside = collections(gql, parentId="retreats")
    assert [(node["id"], node["kind"], node["parentId"]) for node in inside["nodes"]] == [
        ("spring-retreat-2025", "retreat", "retreats")
    ]
    assert [node["id"] for node in collections(gql, kind="course")["nodes"]] == ["foundations-of-mindfulness"]
    assert collections(gql, kind="podcast")["nodes"] == []


def test_a_collection_by_slug_has_its_tracks_in_order(demo: Services, gql: GraphQLClient) -> None:
    found = gql.data(operation("Collection"), {"slug": "spring-retreat-2025"})["collection"]
    assert found["id"] == "spring-retreat-2025"
    assert [track["order"] for track in found["tracks"]] == [1, 2, 3, 4, 5, 6]
    assert found["tracks"][0]["title"] == "Opening talk: arriving in silence"
    assert found["tracks"][0]["media"]["audio"] == "catalog/spring-2025-01/audio.wav"
    by_id = gql.data(operation("Collection"), {"id": "spring-retreat-2025"})["collection"]
    assert by_id == found
    assert gql.data(operation("Collection"), {"slug": "no-such-thing"})["collection"] is None


def test_exactly_one_of_id_and_slug(demo: Services, gql: GraphQLClient) -> None:
    for variables in ({}, {"id": "retreats", "slug": "retreats"}):
        error = gql(operation("Collection"), variables)["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


def test_collections_page_in_order(admin: GraphQLClient, gql: GraphQLClient) -> None:
    parent = new_collection(admin)["id"]
    made = [new_collection(admin, f"{parent}-{n}", parentId=parent, order=5 - n)["id"] for n in range(5)]
    seen: list[str] = []
    after = None
    while True:
        page = collections(gql, parentId=parent, first=2, after=after)
        seen += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == list(reversed(made))  # by `order`, ascending


def test_list_arguments_are_checked(demo: Services, gql: GraphQLClient) -> None:
    for variables, field in (
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "bm90LWEtY3Vyc29y"}, "after"),
    ):
        error = gql(operation("Collections"), variables)["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field


def test_drafts_are_invisible_to_users(admin: GraphQLClient, gql: GraphQLClient) -> None:
    collection = new_collection(admin)["id"]
    shown = new_track(admin, collection)["id"]
    draft = save_track(admin, id=f"{collection}-draft", collectionId=collection, title=[text("en", "Draft")])[
        "id"
    ]
    assert [
        t["id"] for t in gql.data(operation("Collection"), {"id": collection})["collection"]["tracks"]
    ] == [shown]
    assert gql.data(operation("Track"), {"id": draft})["track"] is None
    assert gql.data(operation("Track"), {"id": shown})["track"]["id"] == shown
    # Editors see drafts when they ask for them.
    editing = admin.data(operation("AdminCollection"), {"id": collection})["collection"]
    assert {track["id"] for track in editing["tracks"]} == {shown, draft}
    publish(admin, draft)
    assert gql.data(operation("Track"), {"id": draft})["track"]["id"] == draft


def test_a_draft_collection_is_invisible_until_published(admin: GraphQLClient, gql: GraphQLClient) -> None:
    body = admin(
        operation("AdminSaveCollection"),
        {
            "input": {
                "id": "quiet",
                "slug": "quiet",
                "kind": "course",
                "defaultLanguage": "en",
                "title": [text("en", "Quiet")],
            }
        },
    )
    assert body["data"]["adminSaveCollection"]["publishedAt"] is None
    assert gql.data(operation("Collection"), {"slug": "quiet"})["collection"] is None
    assert collections(gql)["nodes"] == []
    assert admin.data(operation("AdminCollection"), {"slug": "quiet"})["collection"]["id"] == "quiet"
    publish(admin, "quiet")
    assert [node["id"] for node in collections(gql)["nodes"]] == ["quiet"]


def test_catalog_queries_need_a_signed_in_user(demo: Services, anonymous: GraphQLClient) -> None:
    for name, variables in (
        ("Collections", {}),
        ("Collection", {"id": "retreats"}),
        ("Track", {"id": "spring-2025-01"}),
        ("SearchContent", {"query": "silence"}),
        ("MediaUrl", {"trackId": "spring-2025-01", "kind": "AUDIO"}),
    ):
        body = anonymous(operation(name), variables)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", name


def test_unpublishing_a_collection_hides_everything_inside_it(
    admin: GraphQLClient, gql: GraphQLClient
) -> None:
    group = new_collection(admin, kind="retreat-group")["id"]
    retreat = new_collection(admin, parentId=group)["id"]
    talk = new_track(admin, retreat, title=[text("en", "Hidden valley talk")])["id"]
    elsewhere = new_collection(admin)["id"]

    def visible() -> tuple[bool, bool, bool]:
        return (
            gql.data(operation("Collection"), {"id": retreat})["collection"] is not None,
            gql.data(operation("Track"), {"id": talk})["track"] is not None,
            bool(gql.data(operation("SearchContent"), {"query": "valley"})["searchContent"]),
        )

    assert visible() == (True, True, True)
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": group})
    assert visible() == (False, False, False)
    editing = admin.data(operation("AdminCollection"), {"id": retreat})["collection"]
    assert (editing["publishedAt"] is not None, editing["visible"]) == (True, False)
    assert editing["tracks"][0]["visible"] is False
    # Moving the track out of the hidden tree shows it again; a new track inside stays hidden.
    save_track(admin, id=talk, collectionId=elsewhere)
    assert visible() == (False, True, True)
    hidden = new_track(admin, retreat)["id"]
    assert gql.data(operation("Track"), {"id": hidden})["track"] is None
    publish(admin, group)
    assert gql.data(operation("Track"), {"id": hidden})["track"] is not None
    assert visible() == (True, True, True)
