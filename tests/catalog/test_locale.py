"""Localized text: the asked language, a related one, then the collection's default language."""

from __future__ import annotations

import pytest

from tests.catalog.conftest import new_collection, new_track, text
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.catalog.locale import localize, preference
from tether.services import Services


def test_preference_follows_the_tag_then_its_language() -> None:
    languages = {"en", "pt", "pt-BR", "zh-Hant", "zh"}
    assert preference("pt-PT", languages) == ("pt", "pt-BR")
    assert preference("pt-BR", languages) == ("pt-BR", "pt")
    assert preference("zh-Hant-TW", languages) == ("zh-Hant", "zh")
    assert preference("fr", languages) == ()
    assert preference(None, languages) == ()


def test_localize_falls_back_to_the_default_then_to_any_language() -> None:
    texts = {"en": "Breath", "pt": "Respiração"}
    assert localize(texts, "pt-PT", ["en"]) == ("pt", "Respiração")
    assert localize(texts, "fr", ["en"]) == ("en", "Breath")
    assert localize(texts, "fr", ["pt"]) == ("pt", "Respiração")
    assert localize({"de": "Atem"}, "fr", ["en"]) == ("de", "Atem")
    assert localize(None, "fr", ["en"]) == (None, None)


@pytest.mark.parametrize(
    ("locale", "language", "title"),
    [
        ("pt-PT", "pt", "Retiro de Silêncio da Primavera 2025"),
        ("pt_pt", "pt", "Retiro de Silêncio da Primavera 2025"),
        ("PT-br", "pt", "Retiro de Silêncio da Primavera 2025"),
        ("en-GB", "en", "Spring Silent Retreat 2025"),
        ("fr", "en", "Spring Silent Retreat 2025"),  # the collection's default language
        (None, "en", "Spring Silent Retreat 2025"),
    ],
)
def test_a_collection_in_the_asked_locale_or_its_default(
    demo: Services, gql: GraphQLClient, locale: str | None, language: str, title: str
) -> None:
    found = gql.data(operation("Collection"), {"slug": "spring-retreat-2025", "locale": locale})["collection"]
    assert (found["textLanguage"], found["title"]) == (language, title)


def test_tracks_fall_back_to_their_collections_default_language(
    admin: GraphQLClient, gql: GraphQLClient
) -> None:
    course = new_collection(
        admin, defaultLanguage="pt", title=[text("pt", "Curso"), text("en", "Course"), text("de", "Kurs")]
    )["id"]
    # The track's recording is in German, but the collection's default language comes first.
    track = new_track(
        admin,
        course,
        title=[text("en", "Lesson"), text("pt", "Lição"), text("de", "Lektion")],
        description=[text("en", "About breathing")],
        language="de",
    )["id"]
    french = gql.data(operation("Track"), {"id": track, "locale": "fr"})["track"]
    assert (french["textLanguage"], french["title"]) == ("pt", "Lição")
    assert french["description"] == "About breathing"  # the only language it has
    listed = gql.data(operation("Collection"), {"id": course, "locale": "fr"})["collection"]
    assert (listed["title"], listed["tracks"][0]["title"]) == ("Curso", "Lição")
    german = gql.data(operation("Track"), {"id": track, "locale": "de-AT"})["track"]
    assert german["title"] == "Lektion"


def test_editors_and_offline_apps_get_every_language(demo: Services, admin: GraphQLClient) -> None:
    found = admin.data(operation("AdminCollection"), {"slug": "foundations-of-mindfulness"})["collection"]
    assert found["titles"] == [
        {"language": "en", "text": "Foundations of Mindfulness"},
        {"language": "pt", "text": "Fundamentos da Atenção Plena"},
    ]
    assert [d["language"] for d in found["descriptions"]] == ["en", "pt"]
    assert found["defaultLanguage"] == "pt"


@pytest.mark.parametrize("locale", ["pt PT", "p", "x" * 40, "pt--PT", "123"])
def test_a_malformed_locale_is_bad_input(demo: Services, gql: GraphQLClient, locale: str) -> None:
    for name, variables in (
        ("Collection", {"slug": "retreats"}),
        ("Collections", {}),
        ("Track", {"id": "spring-2025-01"}),
        ("SearchContent", {"query": "retreat"}),
    ):
        error = gql(operation(name), {**variables, "locale": locale})["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "locale"}, name
