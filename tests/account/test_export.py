"""exportMyData: every record the user owns, exactly once, as one versioned JSON document in S3."""

from __future__ import annotations

import io
import json
import secrets
import urllib.parse
import urllib.request
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.account.conftest import fill_account, items, new_id
from tests.conftest import GraphQLClient
from tests.operations import operation
from tether import audit
from tether.accounts.export import Exports
from tether.auth import User
from tether.errors import TetherError
from tether.media import MIN_PART_SIZE, Media
from tether.model.record import Record
from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.base import TetherModel
from tether.storage.keys import user_key
from tether.storage.record_items import Write, record_id_of, record_item


def fetch_zip(url: str) -> zipfile.ZipFile:
    """The export as it downloads: one ZIP."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return zipfile.ZipFile(io.BytesIO(response.read()))


def download(url: str) -> dict[str, Any]:
    """The export's data.json."""
    document: dict[str, Any] = json.loads(fetch_zip(url).read("data.json"))
    return document


def exported_keys(document: dict[str, Any]) -> Counter[tuple[str, str]]:
    """What the export holds, as (item type, identity) pairs: one per item of the store."""
    found: Counter[tuple[str, str]] = Counter()
    for collection, records in document["records"].items():
        for record in records:
            found[("record", f"{collection}:{record['id']}")] += 1
    for device in document["devices"]:
        found[("client", device["clientId"])] += 1
    for consent in document["consents"]:
        found[("consent", f"{consent['kind']}:{consent['recordedAt']}")] += 1
    for counter in document["counters"]:
        found[("counter", counter["key"])] += 1
    for other in document["other"]:
        found[(other["type"], other["key"])] += 1
    if "createdAt" in document["user"]:
        found[("profile", "PROFILE")] += 1
    return found


# The core's collection names -> the API's (the export's keys); the others are the same in both.
API_NAMES = {"chat_thread": "chatThread", "chat_message": "chatMessage", "chat_memory": "chatMemory"}


def stored_keys(user_id: str) -> Counter[tuple[str, str]]:
    """The same pairs, read from the store (the sync head is bookkeeping, not exported)."""
    found: Counter[tuple[str, str]] = Counter()
    for item in items(user_id):
        kind = item.get("type")
        if kind == "head":
            continue
        if kind == "record":
            collection = API_NAMES.get(item["collection"], item["collection"])
            found[("record", f"{collection}:{record_id_of(item['sk'])}")] += 1
        elif kind == "client":
            found[("client", item["client_id"])] += 1
        elif kind == "consent":
            recorded = datetime.strptime(item["recorded_at"], "%Y-%m-%dT%H:%M:%S.%f%z")
            found[
                (
                    "consent",
                    f"{item['kind']}:{recorded.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}",
                )
            ] += 1
        elif kind == "profile":
            found[("profile", "PROFILE")] += 1
        else:
            found[(str(kind), item["sk"])] += 1
    return found


def test_an_export_holds_every_record_exactly_once_in_the_documented_format(
    gql: GraphQLClient, settings: Settings, user_id: str, client: Any, make_token: Any
) -> None:
    media = Media(settings)
    ids = fill_account(gql, media, user_id)
    other = GraphQLClient(client, make_token(f"other-{new_id()}"))
    fill_account(other, media, "unused")  # another user's data stays out of this export
    started = datetime.now(UTC)
    exported = gql.data(operation("ExportMyData"))["exportMyData"]
    assert (exported["format"], exported["version"]) == ("tether-export", 2)
    # 2 pieces (one a tombstone), 2 sessions, progress, a bookmark, a chat thread, the user's
    # message and the assistant's reply, a fact of long-term memory, the preferences
    assert exported["records"] == 11
    expires = datetime.fromisoformat(exported["expiresAt"])
    assert started + timedelta(minutes=14) < expires <= datetime.now(UTC) + timedelta(minutes=15)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(exported["url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    archive = fetch_zip(exported["url"])
    assert archive.namelist() == ["data.json"]  # no attachments in this account
    document = json.loads(archive.read("data.json"))
    assert archive.getinfo("data.json").file_size == len(
        json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    )
    with urllib.request.urlopen(exported["url"], timeout=30) as response:
        assert exported["sizeBytes"] == len(response.read())
    assert exported_keys(document) == stored_keys(user_id)
    assert set(document) == {
        "format",
        "version",
        "exportedAt",
        "records",
        "user",
        "devices",
        "consents",
        "counters",
        "other",
        "counts",
    }
    assert document["user"]["id"] == user_id
    assert document["user"]["email"] == f"{user_id}@example.test"
    piece = next(r for r in document["records"]["piece"] if r["id"] == ids["piece"])
    assert piece["fields"] == {"title": "Oli Aloha", "tags": ["greeting"], "lyrics": "E ala e"}
    assert piece["version"] == 1
    tombstone = next(r for r in document["records"]["piece"] if r["id"] == ids["deleted_piece"])
    assert (tombstone["deleted"], tombstone["fields"]) == (True, {})
    session = next(r for r in document["records"]["session"] if r["id"] == ids["session"])
    assert session["fields"]["durationSeconds"] == 600
    assert session["fields"]["pieceId"] == ids["piece"]
    [preferences] = document["records"]["preferences"]
    assert preferences["fields"] == {"timeZone": "Pacific/Honolulu", "custom": {"theme": "dark"}}
    phone = next(d for d in document["devices"] if d["clientId"] == "phone")
    assert phone["name"] == "Ada's phone"
    assert [(c["kind"], c["granted"]) for c in document["consents"]] == [
        ("ai_chat", True),
        ("ai_chat", False),
        ("privacy", True),
    ]
    [progress] = document["records"]["progress"]
    assert progress["id"] == "track-1"
    assert progress["fields"]["positionSeconds"] == 30
    [bookmark] = document["records"]["bookmark"]
    assert bookmark["fields"]["label"] == "Breath"
    [thread] = document["records"]["chatThread"]
    assert thread["id"] == ids["thread"]
    texts = {m["fields"]["role"]: m["fields"].get("text") for m in document["records"]["chatMessage"]}
    assert texts["USER"] == "How long should I practise?"
    assert texts["ASSISTANT"]  # the local provider's reply
    [fact] = document["records"]["chatMemory"]
    assert (fact["id"], fact["fields"]) == (ids["fact"], {"text": "Practises in the evening", "pinned": True})
    assert document["counts"]["byCollection"] == {
        "piece": 2,
        "preferences": 1,
        "session": 2,
        "progress": 1,
        "bookmark": 1,
        "chatThread": 1,
        "chatMessage": 2,
        "chatMemory": 1,
    }
    # The file lies under the user's prefix, tagged for the bucket's lifecycle rule.
    key = urllib.parse.urlparse(exported["url"]).path.removeprefix(f"/{settings.media_bucket}/")
    assert key.startswith(f"users/{user_id}/exports/")
    tags = media.client.get_object_tagging(Bucket=settings.media_bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "tether-kind", "Value": "export"}]
    log = Services.build(settings).audit
    requested = [
        e for e in log.entries() if e.subject == log.subject(user_id) and e.kind == audit.EXPORT_REQUESTED
    ]
    assert len(requested) == 1


def seed(user_id: str, count: int, lyrics: int) -> None:
    """`count` pieces written straight to the table (much faster than pushing them), plus a counter
    and an item of a type no model here declares: the export must cover those too."""
    pk = user_key(user_id)
    now = datetime.now(UTC)
    table = str(TetherModel.Meta.table_name)

    def write(start: int) -> None:
        requests = []
        for n in range(start, min(start + 25, count)):
            record = Record(
                PIECES.name,
                new_id(),
                1,
                n + 1,
                now,
                now,
                # random text: the export is compressed, and must still span several parts
                data={"title": f"piece {n}", "lyrics": secrets.token_urlsafe(lyrics)[:lyrics]},
            )
            requests.append(
                {
                    "PutRequest": {
                        "Item": record_item(pk, Write(PIECES.sort_key(record.id), record)).serialize()
                    }
                }
            )
        while requests:
            requests = (
                storage.client()
                .batch_write_item(RequestItems={table: requests})
                .get("UnprocessedItems", {})
                .get(table, [])
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(0, count, 25)))
    for sk, kind, extra in (
        ("STATS#2026-03-01", "counter", {"minutes": {"N": "42"}}),
        ("ZZFUTURE#1", "future_thing", {"label": {"S": "kept"}}),
    ):
        storage.client().put_item(
            TableName=table,
            Item={"pk": {"S": pk}, "sk": {"S": sk}, "type": {"S": kind}, **extra},
        )


@pytest.mark.slow
def test_a_large_export_streams_in_parts_and_holds_every_record_once(
    settings: Settings, user_id: str
) -> None:
    seed(user_id, 600, 14000)  # ~8.4 MB (~6.3 MB zipped): more than one 5 MB part, several 1 MB pages
    services = Services.build(settings)
    exports = Exports(
        Media(settings),
        services.audit,
        services.accounts.profiles,
        lambda: datetime.now(UTC),
        part_size=MIN_PART_SIZE,
    )
    uploads: list[str] = []
    original = exports.media.client.upload_part

    def counted(**params: Any) -> Any:
        uploads.append(str(params["PartNumber"]))
        return original(**params)

    exports.media.client.upload_part = counted
    result = exports.export(User(user_id))
    assert uploads == ["1", "2"]
    assert result.size > MIN_PART_SIZE
    document = download(result.url)
    assert exported_keys(document) == stored_keys(user_id)
    assert len(document["records"]["piece"]) == 600
    assert document["counters"] == [{"key": "STATS#2026-03-01", "values": {"minutes": 42}}]
    assert document["other"] == [
        {"key": "ZZFUTURE#1", "type": "future_thing", "attributes": {"label": "kept"}}
    ]


def test_export_needs_a_media_bucket(settings: Settings, user_id: str) -> None:
    services = Services.build(settings)
    unconfigured = Exports(
        Media(Settings()), services.audit, services.accounts.profiles, lambda: datetime.now(UTC)
    )
    with pytest.raises(TetherError) as error:
        unconfigured.export(User(user_id))
    assert error.value.extensions == {"reason": "NOT_CONFIGURED"}


def test_an_export_of_a_new_user_is_valid_and_empty(gql: GraphQLClient, user_id: str) -> None:
    exported = gql.data(operation("ExportMyData"))["exportMyData"]
    document = download(exported["url"])
    assert document["records"] == {}
    # The app never asked for `me`: the export still carries the whole profile, the one `me` shows.
    me = gql.data("{ me { createdAt lastSeenAt } }")["me"]
    user = document["user"]
    assert set(user) == {"id", "email", "name", "createdAt", "lastSeenAt"}
    assert (user["id"], user["email"], user["name"]) == (
        user_id,
        f"{user_id}@example.test",
        user_id.capitalize(),
    )
    for name in ("createdAt", "lastSeenAt"):  # the export keeps milliseconds
        shown = datetime.fromisoformat(me[name])
        assert datetime.fromisoformat(user[name]) == shown.replace(
            microsecond=shown.microsecond // 1000 * 1000
        )
