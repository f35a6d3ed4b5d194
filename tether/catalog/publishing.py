"""Publishing the catalog's read index off the editor's request (docs/catalog.md, "The read index").

An editor's change is committed in the request; the index users' Lambdas load is then rebuilt by a
job on its own function (template.yaml: `CatalogPublisherFunction`, a longer timeout and a full
vCPU), so a cold editor's Lambda on a catalog of tens of thousands of tracks no longer outruns API
Gateway's 29 s. The queue is FIFO with one message group per catalog: publishes never run side by
side (two would race on the manifest and on the objects the previous one retired). A job is a
hint, never the truth: the publisher reads the catalog's head fresh and publishes what is stored
then, so a batch of jobs is one publish, and a job whose change is already published does nothing.

Without a queue (tests, `make seed`, a deployment without one) the change publishes in the request,
as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from ulid import ULID

from tether.aws import job_queue_client
from tether.catalog.catalog import Catalog
from tether.settings import Settings
from tether.telemetry import logger

JOB_KIND = "catalog-publish"
JOB_VERSION = 1


class BadPublishJob(ValueError):
    """A queue message that is not a publish job of this catalog."""


@dataclass(frozen=True)
class PublishJob:
    """Publish `catalog` (its partition) as of at least feed position `seq`."""

    catalog: str
    seq: int

    def body(self) -> str:
        job = {"v": JOB_VERSION, "kind": JOB_KIND, "catalog": self.catalog, "seq": self.seq}
        return json.dumps(job, separators=(",", ":"))

    @classmethod
    def parse(cls, body: Any) -> PublishJob:
        """The job in a queue message's body; BadPublishJob when it is not one."""
        try:
            data = json.loads(body)
        except (TypeError, ValueError) as error:
            raise BadPublishJob("not JSON") from error
        if not isinstance(data, Mapping) or data.get("v") != JOB_VERSION or data.get("kind") != JOB_KIND:
            raise BadPublishJob("not a catalog publish job")
        catalog, seq = data.get("catalog"), data.get("seq")
        if not isinstance(catalog, str) or not catalog or len(catalog) > 200:
            raise BadPublishJob("no catalog")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise BadPublishJob("no feed position")
        return cls(catalog, seq)


class PublishQueue(Protocol):
    """Where publish jobs go: SQS in AWS and in `make dev` (localdev/sqs.py serves a local one)."""

    url: str

    def send(self, job: PublishJob) -> None: ...


class SqsPublishQueue:
    """The FIFO publish queue through boto3's SQS client (one SendMessage per editor's change)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.catalog_publish_queue_url is not None
        self.url = settings.catalog_publish_queue_url
        self._settings = settings

    @cached_property
    def client(self) -> Any:
        # The change is committed: a job that cannot be queued is logged.
        return job_queue_client(region=self._settings.region, endpoint=self._settings.sqs_endpoint)

    def send(self, job: PublishJob) -> None:
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=job.body(),
            MessageGroupId=job.catalog,  # one publish at a time per catalog
            # Unique per change; botocore's retries of this very request reuse it, so a retried
            # send is not a second job (a second job would only publish nothing).
            MessageDeduplicationId=str(ULID()),
        )


def publish_queue(settings: Settings) -> PublishQueue | None:
    """The deployment's publish queue, or None (changes then publish within the request)."""
    return SqsPublishQueue(settings) if settings.catalog_publish_queue_url else None


class Publisher:
    """What follows an editor's committed change: the read index is published (a job is queued,
    or, without a queue, it is published here and now)."""

    def __init__(self, catalog: Catalog, queue: PublishQueue | None) -> None:
        self.catalog = catalog
        self.queue = queue

    def changed(self, seq: int) -> None:
        """The catalog's feed reached `seq` through an editor's change."""
        if self.queue is None:
            self.catalog.publish()
            return
        try:
            self.queue.send(PublishJob(self.catalog.partition, seq))
        except (BotoCoreError, ClientError) as error:
            # The change is stored and users' reads stay exact (they apply more of the feed to the
            # older index); the next change queues a job that publishes this one too.
            logger.warning("catalog publish not queued", extra={"error": type(error).__name__, "seq": seq})

    def handles(self, event: Mapping[str, Any]) -> bool:
        """Whether an SQS event comes from this deployment's publish queue (else: reply jobs)."""
        if self.queue is None:
            return False
        name = self.queue.url.rstrip("/").rsplit("/", 1)[-1]
        records = event.get("Records") or [{}]
        return str(records[0].get("eventSourceARN", "")).rsplit(":", 1)[-1] == name

    def handle_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Work a batch of publish jobs: one publish for all of them. When S3 fails the jobs are
        named in `batchItemFailures` and come back; a message that is no job of this catalog can
        never succeed and is dropped with an error (in a FIFO queue it would hold back the jobs
        behind it until it reached the dead-letter queue)."""
        jobs: list[str] = []
        for record in event["Records"]:
            message_id = str(record.get("messageId"))
            try:
                job = PublishJob.parse(record.get("body"))
                if job.catalog != self.catalog.partition:
                    raise BadPublishJob("a job of another catalog")
            except BadPublishJob as error:
                logger.error(
                    "bad catalog publish job", extra={"reason": str(error), "message_id": message_id}
                )
                continue
            jobs.append(message_id)
        failed: list[str] = []
        if jobs and self.catalog.index is None:
            logger.error("catalog publish job without a media bucket", extra={"jobs": len(jobs)})
        elif jobs:
            manifest = self.catalog.publish()
            if manifest is None:
                failed = jobs
            else:
                logger.info("catalog published", extra={"jobs": len(jobs), "seq": manifest.seq})
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
