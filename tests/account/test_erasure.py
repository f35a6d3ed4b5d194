"""deleteMyAccount: everything the user owns is erased (and nothing of anyone else's); retries finish it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from tests.account.conftest import fill_account, items, new_id, objects
from tests.conftest import GraphQLClient
from tests.faults import fail, lose_response, throttling
from tests.operations import operation
from tests.sync.conftest import Device, at
from tether import audit
from tether import media as media_module
from tether.accounts.erasure import Erasure, Step
from tether.auth import User
from tether.errors import Unavailable
from tether.media import Media
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage import partition
from tether.storage.instrumentation import record_calls
from tether.storage.keys import user_key

INDEXES = ("bySeq", "byLookup", "byTime")


def stored(user_id: str) -> dict[str | None, int]:
    """Items of the partition and entries of each of its indexes."""
    pk = user_key(user_id)
    return {None: partition.count(pk), **{index: partition.count(pk, index) for index in INDEXES}}


def erase(gql: GraphQLClient) -> dict[str, Any]:
    result: dict[str, Any] = gql.data(operation("DeleteMyAccount"), {"confirm": "DELETE"})["deleteMyAccount"]
    return result


def test_erasure_leaves_nothing_of_the_user_and_touches_no_one_else(
    gql: GraphQLClient, settings: Settings, user_id: str, client: Any, make_token: Callable[..., str]
) -> None:
    media = Media(settings)
    fill_account(gql, media, user_id)
    gql.data(operation("ExportMyData"))  # an export file under the user's prefix too
    other_id = f"other-{new_id()}"
    other = GraphQLClient(client, make_token(other_id))
    fill_account(other, media, other_id)
    before_other = stored(other_id)
    other_objects = objects(media, other_id)
    before = stored(user_id)
    assert all(count > 0 for count in before.values())
    assert len(objects(media, user_id)) == 3  # two versions of a take, one export

    result = erase(gql)
    assert result == {
        "complete": True,
        "itemsDeleted": before[None],
        "objectsDeleted": 3,
        "media": "DONE",
        "cognitoUser": "NOT_CONFIGURED",  # no user pool locally
    }
    assert stored(user_id) == {None: 0, "bySeq": 0, "byLookup": 0, "byTime": 0}
    assert objects(media, user_id) == []
    assert stored(other_id) == before_other
    assert objects(media, other_id) == other_objects
    assert Device(other, "phone").sync_all() != {}

    # The audit log outlives the account: its entries hold only a keyed hash of the id.
    log = Services.build(settings).audit
    kinds = [e.kind for e in log.entries() if e.subject == log.subject(user_id)]
    assert kinds[0] == audit.FIRST_SIGN_IN
    assert kinds[-1] == audit.ACCOUNT_ERASED
    assert audit.CONSENT_CHANGED in kinds
    assert audit.EXPORT_REQUESTED in kinds
    assert log.verify().ok


def put_items(user_id: str, count: int) -> None:
    """`count` items straight into the user's partition (25 per BatchWriteItem, several at once)."""
    pk, table = user_key(user_id), str(storage.TetherModel.Meta.table_name)

    def write(start: int) -> None:
        requests = [
            {"PutRequest": {"Item": {"pk": {"S": pk}, "sk": {"S": f"ZZBULK#{n:06d}"}, "type": {"S": "bulk"}}}}
            for n in range(start, min(start + 25, count))
        ]
        while requests:
            unprocessed = storage.client().batch_write_item(RequestItems={table: requests})
            requests = unprocessed.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(0, count, 25)))


def versions_and_markers(media: Media, user_id: str) -> tuple[int, int]:
    pages = media.client.get_paginator("list_object_versions").paginate(
        Bucket=media.bucket, Prefix=f"users/{user_id}/"
    )
    listed = list(pages)
    return (
        sum(len(page.get("Versions", [])) for page in listed),
        sum(len(page.get("DeleteMarkers", [])) for page in listed),
    )


PAGE = 100  # the erasure's page sizes here (1,000 in production): the same walk, a tenth of the volume


def test_erasure_of_a_large_account_leaves_no_item_version_or_delete_marker(
    settings: Settings, user_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More than two pages of the partition, and more than one page of S3 versions (one
    ListObjectVersions and one DeleteObjects each): old versions of a rewritten file, delete markers
    of removed ones, a live file."""
    monkeypatch.setattr(partition, "DELETE_PAGE", PAGE)  # keys per Query
    monkeypatch.setattr(media_module, "DELETE_LIMIT", PAGE)  # keys per ListObjectVersions and DeleteObjects
    put_items(user_id, 2 * PAGE + 15)
    media = Media(settings)
    prefix = f"users/{user_id}/"
    for n in range(3):
        key = f"{prefix}audio/take-{n}.m4a"
        for version in range(3):
            media.client.put_object(Bucket=media.bucket, Key=key, Body=f"take {n} v{version}".encode())
        media.client.delete_object(Bucket=media.bucket, Key=key)  # a delete marker over 3 versions
    notes = PAGE + 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda n: media.client.put_object(
                    Bucket=media.bucket, Key=f"{prefix}notes/{n}.txt", Body=b"n"
                ),
                range(notes),
            )
        )
    assert versions_and_markers(media, user_id) == (9 + notes, 3)
    before = stored(user_id)[None]
    assert before >= 2 * PAGE + 15

    erasure = Services.build(settings).accounts.erasure
    erasure.monotonic = lambda: 0.0  # time stands still: the budget is not what this test is about
    listings: list[int] = []
    erasure.media.client.meta.events.register(
        "provide-client-params.s3.ListObjectVersions", lambda params, **_: listings.append(params["MaxKeys"])
    )
    with record_calls() as calls:
        result = erasure.erase(User(user_id))
    assert (result.complete, result.items_deleted, result.objects_deleted) == (True, before, 9 + notes + 3)
    # Page by page: every page read again from the start once the previous one is deleted, then
    # one read that finds nothing.
    pages = [params for name, params in calls.requests if name == "Query" and params.get("Limit") == PAGE]
    assert len(pages) == -(-before // PAGE) + 1
    assert listings == [PAGE] * (-(-(9 + notes + 3) // PAGE) + 1)
    assert stored(user_id) == {None: 0, "bySeq": 0, "byLookup": 0, "byTime": 0}
    assert versions_and_markers(media, user_id) == (0, 0)


def test_erasing_again_is_harmless_and_devices_must_start_over(gql: GraphQLClient, user_id: str) -> None:
    phone = Device(gql, "phone")
    phone.save_piece(at(0), id=new_id(), title="Oli")
    phone.push()
    phone.sync_all()
    assert erase(gql)["complete"] is True
    again = erase(gql)
    assert (again["complete"], again["itemsDeleted"], again["objectsDeleted"]) == (True, 0, 0)
    # A device that comes back after the erasure is told to drop its copy (the feed's epoch is gone).
    assert phone.pull()["resetRequired"] is True
    assert phone.sync_all() == {}


@pytest.mark.parametrize("confirm", ["delete", "", "DELETE ", "yes"])
def test_erasure_needs_the_exact_confirmation(gql: GraphQLClient, user_id: str, confirm: str) -> None:
    gql.data(operation("Me"))
    body = gql(operation("DeleteMyAccount"), {"confirm": confirm})
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "confirm"}
    assert stored(user_id)[None] == 1  # the profile is still there


def erased_entries(settings: Settings, user_id: str) -> int:
    log = Services.build(settings).audit
    return sum(
        1 for e in log.entries() if e.subject == log.subject(user_id) and e.kind == audit.ACCOUNT_ERASED
    )


def pieces(gql: GraphQLClient, count: int) -> None:
    phone = Device(gql, "phone")
    for batch in range(count // 100):
        for index in range(100):
            phone.save_piece(at(index), id=new_id(), title=f"piece {batch}-{index}")
        phone.push()


def test_a_retry_after_a_timeout_mid_erasure_finishes_the_job(
    gql: GraphQLClient, settings: Settings, user_id: str
) -> None:
    media = Media(settings)
    pieces(gql, 300)
    media.client.put_object(Bucket=media.bucket, Key=f"users/{user_id}/audio/a.m4a", Body=b"a")
    with lose_response("BatchWriteItem", skip=3) as lost:  # the 4th batch of deletes: its answer is lost
        body = gql(operation("DeleteMyAccount"), {"confirm": "DELETE"})
    assert lost.fired == 1
    error = body["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["retryable"]) == ("INTERNAL", True)
    assert objects(media, user_id) != []  # the later steps never ran
    assert erased_entries(settings, user_id) == 0
    result = erase(gql)  # the app retries
    assert (result["complete"], result["media"], result["objectsDeleted"]) == (True, "DONE", 1)
    assert stored(user_id) == {None: 0, "bySeq": 0, "byLookup": 0, "byTime": 0}
    assert objects(media, user_id) == []
    assert erased_entries(settings, user_id) == 1


def test_a_throttled_erasure_stops_part_way_and_its_retry_finishes(
    gql: GraphQLClient, settings: Settings, user_id: str
) -> None:
    pieces(gql, 300)
    quick = dataclasses.replace(settings, dynamodb_max_attempts=2)
    storage.configure(quick)
    try:
        with fail("BatchWriteItem", throttling, times=1000, skip=3):
            body = gql(operation("DeleteMyAccount"), {"confirm": "DELETE"})
    finally:
        storage.configure(settings)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 0 < stored(user_id)[None] < 302  # three batches went through, the rest did not
    assert erase(gql)["complete"] is True
    assert stored(user_id) == {None: 0, "bySeq": 0, "byLookup": 0, "byTime": 0}


def test_an_erasure_out_of_time_says_so_and_the_next_call_carries_on(
    settings: Settings, user_id: str
) -> None:
    services = Services.build(settings)
    services.accounts.consents.record(user_id, "privacy", True, "1")
    services.accounts.profiles.seen(user_id)
    out_of_time = Erasure(settings, services.audit, Media(settings), budget_seconds=0)
    result = out_of_time.erase(User(user_id))
    assert (result.complete, result.items_deleted, result.media, result.cognito_user) == (
        False,
        0,
        Step.PENDING,
        Step.PENDING,
    )
    assert stored(user_id)[None] == 2
    assert Erasure(settings, services.audit, Media(settings)).erase(User(user_id)).complete is True
    assert items(user_id) == []


def test_in_aws_the_cognito_user_is_deleted_once(settings: Settings, user_id: str) -> None:
    in_aws = dataclasses.replace(settings, user_pool_id="us-east-1_TetherTest")
    services = Services.build(in_aws)
    erasure = Erasure(in_aws, services.audit, Media(in_aws))
    cognito = boto3.session.Session().client(
        "cognito-idp", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    erasure.cognito = cognito
    user = User(user_id, username="google_1234567890")  # a federated user: the user name is not the sub
    with Stubber(cognito) as stub:
        expected = {"UserPoolId": "us-east-1_TetherTest", "Username": "google_1234567890"}
        stub.add_client_error(
            "admin_delete_user", "TooManyRequestsException", "Slow down", 400, expected_params=expected
        )
        stub.add_response("admin_delete_user", {}, expected)
        stub.add_client_error(
            "admin_delete_user",
            "UserNotFoundException",
            "User does not exist.",
            400,
            expected_params=expected,
        )
        with pytest.raises(Unavailable) as busy:  # nothing is lost: the app calls again
            erasure.erase(user)
        assert busy.value.extensions == {"retryable": True, "reason": "COGNITO_UNAVAILABLE"}
        assert erasure.erase(user).cognito_user is Step.DONE
        assert erasure.erase(user).cognito_user is Step.ALREADY_DONE  # a retry after a timeout
        stub.assert_no_pending_responses()
