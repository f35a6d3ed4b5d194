"""The published read index: a Lambda answers listings, a collection's tracks and searches without
loading the catalog, with the answers a full copy gives, as fresh as the cached catalog head.

What is read is asserted (requests to the catalog partition, objects fetched from S3), not how long.
The reference for every answer is a Lambda without an index, which loads the whole catalog.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber
from starlette.testclient import TestClient

from app import create_app
from tests.catalog.test_cold_reads import catalog_reads
from tests.conftest import GraphQLClient, LocalS3
from tests.operations import operation
from tether.catalog.index import IndexStore, preferences
from tether.catalog.loader import load_catalog
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import Calls, record_calls

WORDS = ["calm", "breath", "kindness", "silence", "walking", "evening", "morning", "body", "heart", "rest"]
PT = {"calm": "calma", "breath": "respiração", "silence": "silêncio", "heart": "coração", "rest": "descanso"}


def catalog_file() -> dict[str, Any]:
    """Five collections (one nested, one unpublished, one premium, one in Portuguese by default),
    tracks in English, Portuguese and Brazilian Portuguese, with tags and descriptions."""
    collections: list[dict[str, Any]] = [
        {
            "id": "root-a",
            "slug": "root-a",
            "kind": "retreat",
            "defaultLanguage": "en",
            "order": 2,
            "title": {"en": "Calm retreat", "pt": "Retiro calmo"},
        },
        {
            "id": "root-b",
            "slug": "root-b",
            "kind": "course",
            "defaultLanguage": "pt",
            "order": 1,
            "title": {"pt": "Curso do coração", "en": "Heart course"},
            "requires": "premium",
        },
        {
            "id": "nested",
            "slug": "nested",
            "kind": "retreat",
            "defaultLanguage": "en",
            "order": 1,
            "parentId": "root-a",
            "title": {"en": "Evening silence"},
        },
        {
            "id": "draft",
            "slug": "draft",
            "kind": "retreat",
            "defaultLanguage": "en",
            "order": 0,
            "title": {"en": "Calm draft"},
            "published": False,
        },
        {
            "id": "root-c",
            "slug": "root-c",
            "kind": "retreat",
            "defaultLanguage": "en",
            "order": 2,
            "title": {"en": "Walking retreat", "pt-BR": "Retiro de caminhada"},
        },
    ]
    tracks = []
    for c, collection in enumerate(collections):
        for t in range(7):
            word, other = WORDS[(c + t) % len(WORDS)], WORDS[(c * 3 + t) % len(WORDS)]
            title = {"en": f"{word.title()} {other} {t}"}
            if t % 2 == 0:
                title["pt"] = f"{PT.get(word, word)} {PT.get(other, other)} {t}"
            if t % 3 == 0:
                title["pt-BR"] = f"{PT.get(other, other)} brasil {t}"
            tracks.append(
                {
                    "id": f"{collection['id']}-{t}",
                    "collectionId": collection["id"],
                    "order": t % 4,  # ties: by id
                    "title": title,
                    "description": {"en": f"A {other} practice for the {word}"},
                    "tags": [WORDS[t]],
                    "language": "pt" if t == 5 else "en",
                    "published": t != 6,
                    **({"requires": "premium"} if t == 4 else {}),
                }
            )
    return {"collections": collections, "tracks": tracks}


QUESTIONS: list[tuple[str, dict[str, Any]]] = [
    *(("Collections", {"locale": locale}) for locale in ("en", "pt", "pt-BR", "fr", None)),
    ("Collections", {"first": 1, "locale": "en"}),
    ("Collections", {"parentId": "root-a", "locale": "pt"}),
    ("Collections", {"kind": "course"}),
    ("Collections", {"parentId": "draft"}),
    ("Collection", {"slug": "root-b", "locale": "en"}),
    ("Collection", {"slug": "nested", "locale": "pt-PT"}),
    ("Collection", {"slug": "draft"}),
    ("Collection", {"id": "root-c", "locale": "pt-BR"}),
    *(
        ("SearchContent", {"query": query, "locale": locale})
        for query in ("calm", "calma", "bre", "heart practice", "silencio ", "zzz", "brasil")
        for locale in ("en", "pt", "pt-BR", "de", None)
    ),
    ("SearchContent", {"query": "rest", "locale": "en", "first": 2}),
]


@pytest.fixture
def indexed_settings(catalog_settings: Settings, s3: LocalS3) -> Settings:
    """A deployment with its media bucket: the catalog's index is published there."""
    return dataclasses.replace(catalog_settings, media_bucket=s3.bucket, s3_endpoint=s3.endpoint)


@pytest.fixture
def editor(indexed_settings: Settings) -> Services:
    services = Services.build(indexed_settings)
    load_catalog(catalog_file(), services.sync, services.catalog)
    return services


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def asker(services: Services, token: str | None) -> Callable[[str, dict[str, Any]], tuple[Any, Calls]]:
    client = TestClient(create_app(services=services))

    def ask(document: str, variables: dict[str, Any]) -> tuple[Any, Calls]:
        with record_calls() as calls:
            body = GraphQLClient(client, token)(operation(document), variables)
        assert "errors" not in body, body["errors"]
        return body["data"], calls

    return ask


def s3_gets(services: Services) -> list[str]:
    """The names of the objects this Lambda fetches from S3 from now on."""
    found: list[str] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        found.append(params["Key"].rsplit("/", 1)[-1])

    services.catalog.media.media.client.meta.events.register("provide-client-params.s3.GetObject", seen)
    return found


def test_a_cold_lambda_answers_listings_and_searches_from_the_index_as_the_full_copy_does(
    editor: Services, catalog_settings: Settings, indexed_settings: Settings, gql: GraphQLClient
) -> None:
    partition = indexed_settings.catalog_partition
    clock = Clock()
    full = asker(Services.build(catalog_settings, clock=clock), gql.token)  # no index: loads it all
    for document, variables in QUESTIONS:
        indexed = asker(Services.build(indexed_settings, clock=clock), gql.token)  # a cold Lambda each
        answer, calls = indexed(document, variables)
        expected, _ = full(document, variables)
        assert answer == expected, (document, variables)
        reads = catalog_reads(calls, partition)
        assert ("Query", "feed") not in reads, (document, variables)  # the catalog is not loaded
        assert [name for name, _ in reads if name != "GetItem"] == []
        hits = [hit for hit in answer.get("searchContent") or [] if hit["item"]["__typename"] == "Track"]
        batch = [params for name, params in calls.requests if name == "BatchGetItem"]
        catalog_batches = [params for params in batch if partition in str(params)]
        assert len(catalog_batches) == (1 if hits else 0), (document, variables)  # the hits' tracks

    # Pagination: the cursor the indexed Lambda hands out walks the same pages.
    indexed = asker(Services.build(indexed_settings, clock=clock), gql.token)
    after = None
    for _ in range(4):
        page, _ = indexed("Collections", {"first": 1, "after": after, "locale": "pt"})
        expected, _ = full("Collections", {"first": 1, "after": after, "locale": "pt"})
        assert page == expected
        after = page["collections"]["pageInfo"]["endCursor"]
        if not page["collections"]["pageInfo"]["hasNextPage"]:
            break


def test_a_lambda_loads_only_the_pieces_its_requests_need(
    editor: Services, indexed_settings: Settings, gql: GraphQLClient
) -> None:
    manifest = IndexStore(editor.catalog.media.media, indexed_settings.catalog_partition).manifest()
    assert manifest is not None
    assert set(manifest.search) == {"", "en", "pt,pt-BR", "pt-BR,pt"}  # every preference there can be
    assert len(manifest.tracks) == 4  # the draft collection's tracks are not users'
    reader = Services.build(indexed_settings, clock=Clock())
    ask, gets = asker(reader, gql.token), s3_gets(reader)
    ask("Collections", {"locale": "en"})
    assert gets == ["manifest.json", manifest.collections]
    ask("Collection", {"slug": "nested", "locale": "en"})
    ask("Collection", {"slug": "nested", "locale": "pt"})  # kept: not fetched again
    assert gets[2:] == [manifest.tracks["nested"]]
    ask("SearchContent", {"query": "calm", "locale": "pt-PT"})
    ask("SearchContent", {"query": "heart", "locale": "pt"})
    assert gets[3:] == [manifest.search["pt,pt-BR"]]


def test_preferences_cover_every_locale() -> None:
    from tether.catalog.locale import preference

    languages = {"en", "pt", "pt-BR", "zh-Hant", "sr-Latn-RS"}
    made = preferences(languages)
    for locale in (
        "en",
        "en-GB",
        "pt",
        "pt-PT",
        "pt-BR",
        "pt-BR-x",
        "zh",
        "zh-Hant-TW",
        "sr",
        "sr-Latn",
        "de",
        "",
    ):
        assert preference(locale, languages) in made, locale


def test_a_change_published_after_a_lambda_read_the_index_is_seen_once_the_cached_head_expires(
    editor: Services, indexed_settings: Settings, gql: GraphQLClient
) -> None:
    partition = indexed_settings.catalog_partition
    clock = Clock()
    reader = Services.build(indexed_settings, clock=clock)
    ask = asker(reader, gql.token)
    before, _ = ask("SearchContent", {"query": "lighthouse", "locale": "en"})
    listed, _ = ask("Collection", {"slug": "nested", "locale": "en"})
    assert before["searchContent"] == []
    ttl = timedelta(seconds=indexed_settings.catalog_head_ttl_seconds)

    changed = dict(catalog_file())
    changed["tracks"] = [
        {**track, "title": {"en": "Lighthouse at dusk"}} if track["id"] == "nested-1" else track
        for track in changed["tracks"]
    ]
    load_catalog(changed, editor.sync, editor.catalog)  # the editor's Lambda writes and publishes

    clock.now += ttl - timedelta(milliseconds=1)  # the head read first is still trusted: the old answer
    answer, calls = ask("SearchContent", {"query": "lighthouse", "locale": "en"})
    assert answer["searchContent"] == []
    assert catalog_reads(calls, partition) == []
    clock.now += timedelta(milliseconds=1)  # now as old as the TTL: the head is read again
    answer, calls = ask("SearchContent", {"query": "lighthouse", "locale": "en"})
    assert [hit["item"]["id"] for hit in answer["searchContent"]] == ["nested-1"]
    assert ("Query", "feed") not in catalog_reads(calls, partition)  # the new index, not the feed
    tracks, _ = ask("Collection", {"slug": "nested", "locale": "en"})
    titles = {track["id"]: track["title"] for track in tracks["collection"]["tracks"]}
    assert titles["nested-1"] == "Lighthouse at dusk"
    assert len(titles) == len(listed["collection"]["tracks"])


def test_an_index_that_was_not_published_is_caught_up_from_the_feed(
    editor: Services, catalog_settings: Settings, indexed_settings: Settings, gql: GraphQLClient
) -> None:
    """An editor whose index upload failed (S3 down after the DynamoDB write): readers apply the
    feed since the older index, so they answer exactly as a full copy does."""
    partition = indexed_settings.catalog_partition
    failing = Services.build(indexed_settings)
    with Stubber(failing.catalog.media.media.client) as stub:  # every S3 call of this editor fails
        for _ in range(3):
            stub.add_client_error("get_object", "ServiceUnavailable", http_status_code=503)
        changed = catalog_file()
        changed["tracks"][0] = {**changed["tracks"][0], "title": {"en": "Lighthouse"}, "order": 9}
        changed["tracks"][8] = {**changed["tracks"][8], "published": False}
        changed["collections"][2] = {
            **changed["collections"][2],
            "defaultLanguage": "pt",
            "title": {"en": "Evening silence", "pt": "Silêncio da noite"},
        }
        load_catalog(changed, failing.sync, failing.catalog)
    clock = Clock()
    full = asker(Services.build(catalog_settings, clock=clock), gql.token)
    reader = asker(Services.build(indexed_settings, clock=clock), gql.token)
    feed_reads = 0
    for document, variables in [
        ("SearchContent", {"query": "lighthouse", "locale": "en"}),
        ("SearchContent", {"query": "calm", "locale": "pt"}),
        ("Collection", {"slug": "root-a", "locale": "en"}),
        ("Collection", {"slug": "root-b", "locale": "en"}),
        ("Collection", {"slug": "nested", "locale": "fr"}),
        ("Collections", {"parentId": "root-a", "locale": "fr"}),
    ]:
        answer, calls = reader(document, variables)
        assert answer == full(document, variables)[0], (document, variables)
        feed_reads += catalog_reads(calls, partition).count(("Query", "feed"))
    assert answer["collections"]["nodes"][0]["title"] == "Silêncio da noite"
    assert feed_reads == 1  # the changes since the index, once; not the catalog (8 segments)


def test_a_dumped_search_index_answers_as_the_one_it_was_dumped_from() -> None:
    from tether.catalog.search import Document, SearchIndex

    index = SearchIndex(("pt", "pt-BR"))
    for n in range(60):
        title = {"en": f"Calm {WORDS[n % 10]} {n}", "pt": f"Calma {PT.get(WORDS[n % 7], 'x')} {n}"}
        index.put(Document(f"track:t{n}", title, {"en": f"{WORDS[n % 3]} practice"}, [WORDS[n % 5]], ("en",)))
    for n in range(0, 60, 4):  # changed items leave dead slots, which the dump drops
        index.put(Document(f"track:t{n}", {"en": f"Silence {n}"}, {}, [], ("en",)))
    index.remove("track:t7")
    loaded = SearchIndex.load(index.dump(), index.preferred)
    assert len(loaded) == len(index)
    for query in ("calm", "calma", "ca", "silence", "rest calm", "practice", "coracao", "zzz", "si"):
        assert loaded.search(query, 50) == index.search(query, 50), query


def test_a_lambda_whose_index_objects_were_retired_rereads_the_manifest(
    editor: Services, catalog_settings: Settings, indexed_settings: Settings, gql: GraphQLClient
) -> None:
    """Each publish deletes what the one before it dropped: a Lambda that still holds an older
    manifest finds an object gone, rereads the manifest once, and answers from the new index."""
    partition = indexed_settings.catalog_partition
    clock = Clock()
    reader = Services.build(indexed_settings, clock=clock)
    ask = asker(reader, gql.token)
    ask("Collections", {"locale": "en"})  # holds the first manifest (not yet root-c's tracks)
    for title in ("Lighthouse", "Harbour"):  # two publishes: the first index's root-c list is deleted
        changed = catalog_file()
        changed["tracks"] = [
            {**track, "title": {"en": title}} if track["id"] == "root-c-1" else track
            for track in changed["tracks"]
        ]
        load_catalog(changed, editor.sync, editor.catalog)
    answer, calls = ask("Collection", {"slug": "root-c", "locale": "en"})  # the head is still cached
    assert ("Query", "feed") not in catalog_reads(calls, partition)  # not the full copy
    expected, _ = asker(Services.build(catalog_settings, clock=clock), gql.token)(
        "Collection", {"slug": "root-c", "locale": "en"}
    )
    assert answer == expected
    assert "Harbour" in [track["title"] for track in answer["collection"]["tracks"]]
