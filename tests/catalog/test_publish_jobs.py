"""The read index is published off the editor's request: the change queues a job on the catalog's
FIFO publish queue (the local SQS), and the publisher's Lambda (the same handler, driven by the
poller that stands in for the event source mapping) publishes it.

What is asserted: which S3 writes each side makes, what is queued and delivered, what readers then
see. No timing: a cold publish's duration is bench/catalog_bench.py's.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.stub import Stubber
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app, make_handler
from localdev.sqs import PUBLISH_BATCH_SIZE, QueuePoller, create_publish_queues
from tests.catalog.conftest import save_track, text
from tests.catalog.test_cold_reads import catalog_reads
from tests.catalog.test_index import asker, catalog_file
from tests.conftest import GraphQLClient, LocalS3
from tests.deploy.lambda_support import FakeLambdaContext
from tether.catalog.loader import load_catalog
from tether.catalog.publishing import BadPublishJob, PublishJob, SqsPublishQueue
from tether.services import Services
from tether.settings import Settings


@dataclasses.dataclass
class Deployment:
    """An editor's Lambda and the publisher's (each its own services, as two functions are), the
    publish queue between them, and the poller delivering its jobs to the publisher's handler."""

    settings: Settings
    editor: Services
    publisher: Services
    client: Any  # boto3's SQS client
    url: str
    poller: QueuePoller

    def waiting(self) -> tuple[int, int]:
        """(jobs visible, jobs delivered and not yet deleted)."""
        return self.poller.counts()


@pytest.fixture
def deployment(catalog_settings: Settings, s3: LocalS3, sqs_endpoint: str) -> Deployment:
    local = dataclasses.replace(
        catalog_settings,
        media_bucket=s3.bucket,
        s3_endpoint=s3.endpoint,
        sqs_endpoint=sqs_endpoint,
        catalog_publish_queue_url="unused",
    )
    client = SqsPublishQueue(local).client
    url = create_publish_queues(client, f"publish-{ULID()}")
    settings = dataclasses.replace(local, catalog_publish_queue_url=url)
    editor = Services.build(settings)
    load_catalog(catalog_file(), editor.sync, editor.catalog)  # a load publishes at once (make seed)
    publisher = Services.build(settings)
    handler = make_handler(create_app(services=publisher))
    poller = QueuePoller(
        client,
        url,
        lambda event: handler(dict(event), FakeLambdaContext(function_name="tether-dev-catalog-publisher")),
        batch_size=PUBLISH_BATCH_SIZE,
        name="catalog-publisher",
    )
    return Deployment(settings, editor, publisher, client, url, poller)


@contextmanager
def s3_writes(services: Services) -> Iterator[list[str]]:
    """The keys this Lambda writes to (or deletes from) S3 inside the block."""
    written: list[str] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        written.append(params["Key"])

    events = services.catalog.media.media.client.meta.events
    for name in ("provide-client-params.s3.PutObject", "provide-client-params.s3.DeleteObject"):
        events.register(name, seen)
    try:
        yield written
    finally:
        for name in ("provide-client-params.s3.PutObject", "provide-client-params.s3.DeleteObject"):
            events.unregister(name, seen)


def editor_client(services: Services, make_token: Any) -> GraphQLClient:
    return GraphQLClient(
        TestClient(create_app(services=services)), make_token(f"editor-{ULID()}", groups=["admin"])
    )


def manifest_seq(services: Services) -> int:
    index = services.catalog.index
    assert index is not None
    manifest = index.manifest()
    assert manifest is not None
    return manifest.seq


def test_an_editors_change_is_published_by_the_queued_job_not_in_the_request(
    deployment: Deployment, make_token: Any, gql: GraphQLClient
) -> None:
    admin = editor_client(deployment.editor, make_token)
    published_before = manifest_seq(deployment.editor)
    with s3_writes(deployment.editor) as written:
        saved = save_track(admin, id="nested-1", title=[text("en", "Lighthouse at dusk")])
    assert written == []  # the request committed the change and queued a job; it uploaded nothing
    assert saved["titles"] == [text("en", "Lighthouse at dusk")]
    assert deployment.waiting() == (1, 0)
    assert manifest_seq(deployment.editor) == published_before  # not yet published

    with s3_writes(deployment.publisher) as uploaded:
        assert deployment.poller.drain() == 1
    assert any(key.endswith("manifest.json") for key in uploaded)
    assert deployment.waiting() == (0, 0)  # done: deleted from the queue
    assert manifest_seq(deployment.editor) > published_before

    # A users' Lambda finds the change in the new index, without reading the feed.
    reader = asker(Services.build(deployment.settings), gql.token)
    answer, calls = reader("SearchContent", {"query": "lighthouse", "locale": "en"})
    assert [hit["item"]["id"] for hit in answer["searchContent"]] == ["nested-1"]
    assert ("Query", "feed") not in catalog_reads(calls, deployment.settings.catalog_partition)


def test_a_burst_of_changes_is_one_publish_of_all_of_them(deployment: Deployment, make_token: Any) -> None:
    admin = editor_client(deployment.editor, make_token)
    for number, track in enumerate(("nested-1", "nested-2", "root-a-1"), start=1):
        save_track(admin, id=track, title=[text("en", f"Renamed {number}")])
    assert deployment.waiting() == (3, 0)

    with s3_writes(deployment.publisher) as uploaded:
        assert deployment.poller.run_once() == 3  # one batch (up to 10 jobs)
    assert [key for key in uploaded if key.endswith("manifest.json")] != []
    assert len([key for key in uploaded if key.endswith("manifest.json")]) == 1
    assert deployment.waiting() == (0, 0)
    head = deployment.editor.sync.shared_head("catalog", fresh=True).head
    assert manifest_seq(deployment.editor) == head.seq  # all three changes are in it

    # A job whose change is already published publishes nothing.
    deployment.editor.publisher.changed(head.seq)
    with s3_writes(deployment.publisher) as again:
        assert deployment.poller.drain() == 1
    assert again == []


def test_a_publish_that_fails_returns_its_jobs_to_the_queue(deployment: Deployment, make_token: Any) -> None:
    admin = editor_client(deployment.editor, make_token)
    save_track(admin, id="nested-1", title=[text("en", "Lighthouse")])
    published_before = manifest_seq(deployment.editor)
    event = deployment.poller.event_for(
        deployment.client.receive_message(QueueUrl=deployment.url, MaxNumberOfMessages=10)["Messages"]
    )
    with Stubber(deployment.publisher.catalog.media.media.client) as stub:  # S3 is down for the publisher
        stub.add_client_error("get_object", "ServiceUnavailable", http_status_code=503)
        answer = deployment.publisher.publisher.handle_event(event)
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert manifest_seq(deployment.editor) == published_before

    # Its visibility timeout over, the job comes back and publishes.
    handle = event["Records"][0]["receiptHandle"]
    deployment.client.change_message_visibility(
        QueueUrl=deployment.url, ReceiptHandle=handle, VisibilityTimeout=0
    )
    assert deployment.poller.drain() == 1
    assert manifest_seq(deployment.editor) > published_before
    assert deployment.waiting() == (0, 0)


def test_a_change_whose_job_cannot_be_queued_is_still_saved(
    deployment: Deployment, make_token: Any, caplog: pytest.LogCaptureFixture
) -> None:
    admin = editor_client(deployment.editor, make_token)
    queue = deployment.editor.publisher.queue
    assert isinstance(queue, SqsPublishQueue)
    with Stubber(queue.client) as stub:  # SQS refuses the job
        stub.add_client_error("send_message", "ServiceUnavailable", http_status_code=503)
        saved = save_track(admin, id="nested-1", title=[text("en", "Lighthouse")])
    assert saved["titles"] == [text("en", "Lighthouse")]
    assert deployment.waiting() == (0, 0)
    assert any(record.getMessage() == "catalog publish not queued" for record in caplog.records)
    # The next change's job publishes both.
    save_track(admin, id="nested-2", title=[text("en", "Harbour")])
    assert deployment.poller.drain() == 1
    head = deployment.editor.sync.shared_head("catalog", fresh=True).head
    assert manifest_seq(deployment.editor) == head.seq


def test_a_message_that_is_no_job_of_this_catalog_is_dropped_not_retried(deployment: Deployment) -> None:
    other = PublishJob("CATALOG#another", 7).body()
    for body in ("not json", json.dumps({"v": 1, "profile": "USER#x", "messages": []}), other):
        deployment.client.send_message(
            QueueUrl=deployment.url, MessageBody=body, MessageGroupId="x", MessageDeduplicationId=str(ULID())
        )
    with s3_writes(deployment.publisher) as uploaded:
        assert deployment.poller.drain() == 3
    assert uploaded == []
    assert deployment.waiting() == (0, 0)  # not held back in the FIFO queue


def test_a_publish_job_round_trips_and_bad_bodies_are_refused() -> None:
    job = PublishJob("CATALOG", 42)
    assert PublishJob.parse(job.body()) == job
    for body in (
        None,
        "[]",
        '{"v":1,"kind":"catalog-publish","catalog":"","seq":1}',
        '{"v":1,"kind":"catalog-publish","catalog":"C","seq":true}',
        '{"v":2,"kind":"catalog-publish","catalog":"C","seq":1}',
    ):
        with pytest.raises(BadPublishJob):
            PublishJob.parse(body)


def test_reply_jobs_still_reach_the_reply_worker(deployment: Deployment) -> None:
    """The publisher recognizes its queue by the event's source; the reply queue's events are not its."""
    event = deployment.poller.event_for([])
    event["Records"] = [
        {
            "messageId": "m",
            "body": "{}",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tether-dev-chat-replies",
        }
    ]
    assert not deployment.publisher.publisher.handles(event)
    event["Records"][0]["eventSourceARN"] = (
        f"arn:aws:sqs:us-east-1:123456789012:{deployment.url.rsplit('/', 1)[-1]}"
    )
    assert deployment.publisher.publisher.handles(event)
