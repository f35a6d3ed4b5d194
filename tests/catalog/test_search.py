"""searchContent: accent- and case-insensitive, prefix on the last word, ranked by field and exactness."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.conftest import new_collection, new_track, text
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.catalog.search import Document, SearchIndex, fold, words
from tether.services import Services


def search(
    gql: GraphQLClient, query: str, locale: str | None = None, first: int = 20
) -> list[tuple[str, int]]:
    hits = gql.data(operation("SearchContent"), {"query": query, "locale": locale, "first": first})[
        "searchContent"
    ]
    return [(hit["item"]["id"], hit["score"]) for hit in hits]


def test_folding_drops_accents_and_case() -> None:
    assert fold("Meditação GUIADA") == "meditacao guiada"
    assert fold("Straße") == "strasse"
    assert words("Mindfulness: a beginner's course (2025)") == [
        "mindfulness",
        "a",
        "beginner",
        "s",
        "course",
        "2025",
    ]


def document(key: str, title: str, description: str = "", tags: tuple[str, ...] = ()) -> Document:
    return Document(key, {"en": title}, {"en": description} if description else {}, list(tags), ("en",))


def test_the_index_follows_changes_and_rebuilds_reclaim_dead_slots() -> None:
    index = SearchIndex(("en",))
    index.put(document("track:a", "Evening calm"))
    index.put(document("track:b", "Morning calm"))
    assert [hit.key for hit in index.search("calm", 10)] == ["track:a", "track:b"]  # ties: by title
    index.put(document("track:a", "Evening rest"))  # changed: the old words no longer match
    assert [hit.key for hit in index.search("calm", 10)] == ["track:b"]
    assert [hit.key for hit in index.search("rest", 10)] == ["track:a"]
    index.remove("track:b")
    assert index.search("calm", 10) == []
    assert len(index) == 1
    for n in range(1200):
        index.put(document("track:a", f"version {n}"))
    assert index.needs_rebuild


def test_a_short_prefix_expands_to_its_shortest_completions_only() -> None:
    index = SearchIndex(("en",))
    index.put(document("track:a", "ab"))
    index.put(document("track:b", "abc" + "x" * 200))
    for n in range(150):
        index.put(document(f"track:{n}", f"ab{n:03d}"))
    assert [hit.key for hit in index.search("ab", 1)] == ["track:a"]  # the exact word first
    keys = {hit.key for hit in index.search("ab", 50)}
    assert "track:b" not in keys  # beyond the 100 shortest completions
    assert index.search("a", 5) == []  # one letter matches only the exact word


@pytest.fixture
def catalog(admin: GraphQLClient) -> dict[str, str]:
    collection = new_collection(
        admin,
        title=[text("en", "Practice library"), text("pt", "Biblioteca de prática")],
        description=[text("en", "Talks and meditations")],
    )["id"]
    made = {"collection": collection}
    tracks: dict[str, dict[str, Any]] = {
        "title": {"title": [text("en", "Breath"), text("pt", "Respiração")]},
        "tags": {"title": [text("en", "Sitting")], "tags": ["breath", "posture"]},
        "prefix": {"title": [text("en", "Breathing space")]},
        "description": {
            "title": [text("en", "Evening talk")],
            "description": [text("en", "On breath and rest")],
        },
        "morning": {
            "title": [text("en", "Morning meditation"), text("pt", "Meditação da manhã")],
            "description": [text("en", "Start the day with the breath")],
        },
    }
    for name, fields in tracks.items():
        made[name] = new_track(admin, collection, **fields)["id"]
    return made


def test_title_beats_tags_beats_prefix_beats_description(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    ranked = search(gql, "breath")
    assert ranked == [
        (catalog["title"], 6),  # exact word in the title
        (catalog["tags"], 4),  # exact word in a tag
        (catalog["prefix"], 3),  # "breathing" in the title, as a prefix of the word being typed
        (catalog["description"], 2),  # exact word in the description
        (catalog["morning"], 2),
    ]
    # A finished word (followed by a space) matches only exactly.
    assert catalog["prefix"] not in [item for item, _ in search(gql, "breath ")]


def test_accents_and_case_do_not_matter(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    for query in ("meditação", "MEDITACAO", "Meditaçao"):
        assert [item for item, _ in search(gql, query, "pt")] == [catalog["morning"]], query
    # While typing: "medita" also reaches the collection's (English) "meditations", ranked lower.
    assert search(gql, "medita", "pt") == [(catalog["morning"], 3), (catalog["collection"], 1)]


def test_every_word_must_match(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    assert [item for item, _ in search(gql, "morning breath")] == [catalog["morning"]]
    assert search(gql, "morning posture") == []


def test_search_is_in_the_locales_language(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    assert [item for item, _ in search(gql, "respiracao", "pt-PT")] == [catalog["title"]]
    assert search(gql, "respiracao", "en") == []
    # Items without the asked language are searched in their default language.
    assert catalog["description"] in [item for item, _ in search(gql, "evening", "pt")]


def test_collections_are_found_too(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    hits = gql.data(operation("SearchContent"), {"query": "biblioteca", "locale": "pt"})["searchContent"]
    assert [(hit["item"]["__typename"], hit["item"]["id"], hit["item"]["title"]) for hit in hits] == [
        ("Collection", catalog["collection"], "Biblioteca de prática")
    ]


def test_results_follow_edits_and_unpublishing(
    admin: GraphQLClient, gql: GraphQLClient, catalog: dict[str, str]
) -> None:
    body = admin(operation("AdminSaveTrack"), {"input": {"id": catalog["tags"], "tags": ["stillness"]}})
    assert "errors" not in body
    assert catalog["tags"] not in [item for item, _ in search(gql, "breath")]
    assert [item for item, _ in search(gql, "stillness")] == [catalog["tags"]]
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": catalog["title"]})
    assert catalog["title"] not in [item for item, _ in search(gql, "breath")]


def test_first_limits_the_results(gql: GraphQLClient, catalog: dict[str, str]) -> None:
    assert search(gql, "breath", first=2) == [(catalog["title"], 6), (catalog["tags"], 4)]
    assert search(gql, "") == []
    assert search(gql, "   ") == []


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"query": "x" * 201}, "query"),
        ({"query": "calm", "first": 0}, "first"),
        ({"query": "calm", "first": 51}, "first"),
    ],
)
def test_search_limits(demo: Services, gql: GraphQLClient, variables: dict[str, Any], field: str) -> None:
    error = gql(operation("SearchContent"), variables)["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field


def test_the_demo_catalog_is_searchable(demo: Services, gql: GraphQLClient) -> None:
    assert [item for item, _ in search(gql, "compaixao", "pt")] == ["foundations-week-6"]
    assert search(gql, "loving kind")[0][0] == "spring-2025-05"
