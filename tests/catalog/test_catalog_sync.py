"""The catalog offline: syncPull delivers it to every user and converges to exactly what is published."""

from __future__ import annotations

import dataclasses
from typing import Any

from ulid import ULID

from app import create_app
from tests.catalog.conftest import new_collection, new_track, publish, save_track, text
from tests.conftest import GraphQLClient
from tests.operations import operation
from tests.sync.conftest import Device, at, new_id
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import record_calls
from tether.storage.keys import HEAD, client_key, user_key
from tether.storage.signins import SIGNINS


class CatalogDevice(Device):
    """An app keeping the catalog offline: it applies what syncPull returns, as docs/sync.md says."""

    def __init__(self, gql: GraphQLClient, client_id: str) -> None:
        super().__init__(gql, client_id)
        self.collections: dict[str, dict[str, Any]] = {}
        self.tracks: dict[str, dict[str, Any]] = {}
        self.tombstones_seen = 0

    def forget(self) -> None:
        self.collections.clear()
        self.tracks.clear()

    def receive(self, payload: dict[str, Any]) -> None:
        for local, records in ((self.collections, payload["collections"]), (self.tracks, payload["tracks"])):
            for record in records:
                if record["deleted"]:
                    self.tombstones_seen += 1
                    local.pop(record["id"], None)
                else:
                    local[record["id"]] = record


def published_catalog(admin: GraphQLClient, collection_ids: list[str]) -> tuple[set[str], dict[str, int]]:
    """What users can see, as editors see it: the visible collections, their visible tracks' versions."""
    collections, tracks = set(), {}
    for collection_id in collection_ids:
        found = admin.data(operation("AdminCollection"), {"id": collection_id})["collection"]
        if found is not None and found["visible"]:
            collections.add(collection_id)
        if found is not None:
            tracks.update({t["id"]: t["version"] for t in found["tracks"] if t["visible"]})
    return collections, tracks


def test_a_device_converges_to_exactly_the_published_catalog(
    admin: GraphQLClient, gql: GraphQLClient
) -> None:
    retreat = new_collection(admin)["id"]
    course = new_collection(admin)["id"]
    t1, t2, t3, t4 = (new_track(admin, retreat, order=n)["id"] for n in range(1, 5))
    t5 = save_track(admin, id=f"{retreat}-draft", collectionId=retreat, title=[text("en", "Draft")])["id"]
    phone = CatalogDevice(gql, "phone")
    phone.sync_all()
    assert set(phone.collections) == {retreat, course}
    assert set(phone.tracks) == {t1, t2, t3, t4}  # not the draft
    assert phone.tombstones_seen == 0

    # An editor adds, changes, unpublishes and deletes tracks (and a collection) meanwhile.
    t6 = new_track(admin, course, title=[text("en", "New lesson"), text("pt", "Nova lição")])["id"]
    save_track(admin, id=t1, title=[text("en", "Renamed talk")], tags=["renamed"])
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": t2})
    assert "errors" not in admin(operation("AdminDeleteTrack"), {"id": t3})
    publish(admin, t5)
    save_track(admin, id=t4, order=9)
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": t4})
    publish(admin, t4)
    t7 = save_track(admin, id=f"{course}-draft", collectionId=course, title=[text("en", "Not yet")])["id"]
    t8 = new_track(admin, course)["id"]
    assert "errors" not in admin(operation("AdminDeleteTrack"), {"id": t8})
    assert "errors" not in admin(operation("AdminUnpublish"), {"id": course})

    phone.sync_all(limit=2)  # small pages: the catalog comes in several pulls
    collections, tracks = published_catalog(admin, [retreat, course])
    assert set(phone.collections) == collections == {retreat}
    assert {track_id: track["version"] for track_id, track in phone.tracks.items()} == tracks
    assert set(tracks) == {t1, t4, t5}  # t6 is published, but its collection no longer is
    assert phone.tracks[t1]["titles"] == [{"language": "en", "text": "Renamed talk"}]
    assert phone.tracks[t1]["tags"] == ["renamed"]
    assert phone.tracks[t4]["order"] == 9

    # Publishing the collection again brings back what it holds and is published (not the draft).
    publish(admin, course)
    phone.sync_all()
    collections, tracks = published_catalog(admin, [retreat, course])
    assert set(phone.collections) == collections == {retreat, course}
    assert {track_id: track["version"] for track_id, track in phone.tracks.items()} == tracks
    assert set(tracks) == {t1, t4, t5, t6}
    assert t7 not in phone.tracks
    assert phone.tracks[t6]["titles"] == [
        {"language": "en", "text": "New lesson"},
        {"language": "pt", "text": "Nova lição"},
    ]

    # A device starting now gets the same catalog, and no tombstones for what it never had.
    tablet = CatalogDevice(gql, "tablet")
    tablet.sync_all()
    assert (tablet.collections, tablet.tracks) == (phone.collections, phone.tracks)
    assert tablet.tombstones_seen == 0
    assert tablet.pull()["tracks"] == []


def test_the_catalog_feed_is_global_and_sits_beside_the_users_own(
    admin: GraphQLClient, gql: GraphQLClient, client: Any, make_token: Any
) -> None:
    collection = new_collection(admin)["id"]
    track = new_track(admin, collection)["id"]
    other = GraphQLClient(client, make_token(f"other-{ULID()}"))
    push = other(
        operation("SyncPush"),
        {
            "input": {
                "clientId": "phone",
                "mutations": [
                    {
                        "mutationId": 1,
                        "changedAt": at(0),
                        "change": {"savePiece": {"id": new_id(), "title": "mine"}},
                    }
                ],
            }
        },
    )
    assert "errors" not in push
    mine = other.data(operation("SyncPull"), {"input": {"clientId": "tablet"}})["syncPull"]
    theirs = gql.data(operation("SyncPull"), {"input": {"clientId": "tablet"}})["syncPull"]
    assert [t["id"] for t in mine["tracks"]] == [t["id"] for t in theirs["tracks"]] == [track]
    assert [p["title"] for p in mine["pieces"]] == ["mine"]
    assert theirs["pieces"] == []


def test_an_idle_poll_costs_one_request_whether_or_not_the_catalog_head_is_cached(
    catalog_settings: Settings, admin: GraphQLClient, gql: GraphQLClient, user_id: str
) -> None:
    collection = new_collection(admin)["id"]
    new_track(admin, collection)
    phone = CatalogDevice(gql, "phone")
    phone.sync_all()
    with record_calls() as calls:
        idle = phone.pull()
    assert (idle["tracks"], idle["collections"], idle["hasMore"]) == ([], [], False)
    assert calls.operations == ["BatchGetItem"]
    # The device, the head, and the account's sign-ins (tether/accounts/gate.py): one request.
    assert sorted(calls.keys_read()) == [
        (user_key(user_id), client_key("phone")),
        (user_key(user_id), HEAD),
        (user_key(user_id), SIGNINS),
    ]
    # With the cache always stale (a TTL of 0), the catalog head joins the same request.
    uncached = Services.build(dataclasses.replace(catalog_settings, catalog_head_ttl_seconds=0))
    with TestClientFor(uncached) as other_lambda:
        device = CatalogDevice(GraphQLClient(other_lambda, gql.token), "phone")
        device.cursor = phone.cursor
        with record_calls() as calls:
            assert device.pull()["tracks"] == []
    assert calls.operations == ["BatchGetItem"]
    assert (catalog_settings.catalog_partition, HEAD) in calls.keys_read()
    assert len(calls.keys_read()) == 4


def TestClientFor(services: Services) -> Any:
    from starlette.testclient import TestClient

    return TestClient(create_app(services=services))
