"""A Lambda that has not loaded the catalog answers a read of one item without loading it.

The catalog is a large shared partition (bench/catalog_bench.py: 50,000 tracks take seconds of CPU
and hundreds of MB to load); a cold Lambda's first `track(id)` reads that track, and its collection
for the fallback language, and nothing else of the catalog. What is read is asserted, not how long.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from app import create_app
from tests.catalog.conftest import new_collection, new_track, publish, text
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import Calls, record_calls


def catalog_reads(calls: Calls, partition: str) -> list[tuple[str, str]]:
    """(operation, sort key or query) of every request that read the catalog partition."""
    reads = []
    for name, params in calls.requests:
        if name == "GetItem" and params["Key"]["pk"]["S"] == partition:
            reads.append((name, params["Key"]["sk"]["S"]))
        elif name == "Query" and partition in str(params.get("ExpressionAttributeValues")):
            reads.append((name, "feed"))
    return reads


def ask(services: Services, token: str | None, document: str, variables: dict[str, Any]) -> tuple[Any, Calls]:
    with TestClient(create_app(services=services)) as client, record_calls() as calls:
        body = GraphQLClient(client, token)(operation(document), variables)
    assert "errors" not in body, body["errors"]
    return body["data"], calls


def test_a_cold_lambda_answers_one_track_with_two_reads_and_loads_the_catalog_for_a_listing(
    catalog_settings: Settings, admin: GraphQLClient, gql: GraphQLClient
) -> None:
    partition = catalog_settings.catalog_partition
    # Portuguese by default; the track is recorded in English and titled in both: a French reader
    # gets the collection's language (a fallback the cold read must fetch), not the recording's.
    collection = new_collection(
        admin, defaultLanguage="pt", title=[text("pt", "Retiro"), text("en", "Retreat")]
    )["id"]
    track = new_track(
        admin,
        collection,
        language="en",
        title=[text("en", "Opening talk"), text("pt", "Palestra de abertura")],
    )["id"]
    for other in range(3):  # the rest of the catalog, which a cold answer must not read
        new_track(admin, new_collection(admin)["id"], title=[text("en", f"Other {other}")])
    publish(admin, collection, with_tracks=True)

    now = datetime.now(UTC)  # frozen: the cached catalog head stays fresh for the whole test
    cold = Services.build(catalog_settings, clock=lambda: now)  # another Lambda, fresh from its init
    found, calls = ask(cold, gql.token, "Track", {"id": track, "locale": "fr"})
    assert (found["track"]["title"], found["track"]["textLanguage"]) == ("Palestra de abertura", "pt")
    assert catalog_reads(calls, partition) == [
        ("GetItem", f"TRACK#{track}"),
        ("GetItem", f"COLLECTION#{collection}"),
    ]

    # An unknown id is absent for one read, a malformed one for none.
    found, calls = ask(cold, gql.token, "Track", {"id": "no-such-track", "locale": "en"})
    assert found["track"] is None
    assert catalog_reads(calls, partition) == [("GetItem", "TRACK#no-such-track")]
    found, calls = ask(cold, gql.token, "Track", {"id": "not a catalog id!", "locale": "en"})
    assert (found["track"], catalog_reads(calls, partition)) == (None, [])

    # A listing needs the whole copy: loaded once (the feed), then one-item reads come from it.
    found, calls = ask(cold, gql.token, "Collection", {"id": collection, "locale": "fr"})
    assert [item["id"] for item in found["collection"]["tracks"]] == [track]
    assert ("Query", "feed") in catalog_reads(calls, partition)
    found, calls = ask(cold, gql.token, "Track", {"id": track, "locale": "fr"})
    assert found["track"]["title"] == "Palestra de abertura"
    assert catalog_reads(calls, partition) == []
