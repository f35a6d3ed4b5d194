"""A local SQS for the reply worker and the catalog's publisher: moto's server, the queues as the
template makes them, and a poller that does what Lambda's event source mapping does in AWS.

`make dev` starts the server and the poller (localdev/devserver.py); the tests drive boto3's SQS
client against the same server. The poller receives jobs, hands them to the SAME code the Lambda
handler runs for an SQS event (`tether.chat.worker.handle_sqs_event`, with the event's shape), deletes
the jobs reported done and leaves the others to come back after the visibility timeout, as
`ReportBatchItemFailures` does.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from localdev.s3 import MotoServer

# What template.yaml gives the queues (a test keeps the two equal).
VISIBILITY_TIMEOUT_SECONDS = 60
MAX_RECEIVE_COUNT = 5
RETENTION_SECONDS = 4 * 24 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
REGION = "us-east-1"
# The catalog's FIFO publish queue (template.yaml's CatalogPublishQueue; a test keeps them equal).
PUBLISH_VISIBILITY_TIMEOUT_SECONDS = 360
PUBLISH_BATCH_SIZE = 10

Handler = Callable[[Mapping[str, Any]], Mapping[str, Any]]


class LocalSQSServer(MotoServer):
    """moto's SQS (its server answers every service; only SQS is used), on 127.0.0.1."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(DomainDispatcherApplication(create_backend_app), port, "local-sqs")


@contextmanager
def running(port: int = 0) -> Iterator[LocalSQSServer]:
    server = LocalSQSServer(port).start()
    try:
        yield server
    finally:
        server.stop()


def create_queues(client: Any, name: str) -> str:
    """The reply queue and its dead-letter queue, as the template makes them; the queue's URL."""
    dead = client.create_queue(
        QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
    )["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url: str = client.create_queue(QueueName=name, Attributes=queue_attributes(dead_arn))["QueueUrl"]
    return url


def create_publish_queues(client: Any, name: str) -> str:
    """The catalog's FIFO publish queue and its FIFO dead-letter queue, as the template makes them
    (`name` without the `.fifo` a FIFO queue's name ends with); the queue's URL."""
    fifo = {"FifoQueue": "true"}
    dead = client.create_queue(
        QueueName=f"{name}-dlq.fifo",
        Attributes={**fifo, "MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)},
    )["QueueUrl"]
    dead_arn = client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    attributes = {
        **queue_attributes(dead_arn, PUBLISH_VISIBILITY_TIMEOUT_SECONDS),
        **fifo,
    }
    url: str = client.create_queue(QueueName=f"{name}.fifo", Attributes=attributes)["QueueUrl"]
    return url


def queue_attributes(
    dead_letter_arn: str, visibility_timeout: int = VISIBILITY_TIMEOUT_SECONDS
) -> dict[str, str]:
    return {
        "VisibilityTimeout": str(visibility_timeout),
        "MessageRetentionPeriod": str(RETENTION_SECONDS),
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
        ),
    }


class QueuePoller:
    """Lambda's SQS event source mapping, locally: receive, call the handler with an SQS event,
    delete what it did not report as failed (batch size 1 as the reply queue's mapping, or the
    publish queue's `batch_size`)."""

    def __init__(
        self,
        client: Any,
        url: str,
        handler: Handler,
        *,
        wait_seconds: int = 1,
        batch_size: int = 1,
        name: str = "reply-worker",
    ) -> None:
        self.client = client
        self.url = url
        self.handler = handler
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size
        self.name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]

    def run_once(self, wait_seconds: int = 0) -> int:
        """One receive (long-polling up to `wait_seconds`) and its batch; the jobs delivered."""
        received = self.client.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return 0
        answer = self.handler(self.event_for(received))
        failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
        done = [message for message in received if message["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done)
                ],
            )
        return len(received)

    def counts(self) -> tuple[int, int]:
        """(visible, in flight) jobs in the queue."""
        attributes = self.client.get_queue_attributes(
            QueueUrl=self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]), int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def drain(self) -> int:
        """Work until the queue has nothing visible (tests, `make dev`'s shutdown); jobs delivered."""
        delivered = 0
        while count := self.run_once():
            delivered += count
        return delivered

    def start(self) -> QueuePoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once(self.wait_seconds)
            except Exception as error:  # keep polling; the job comes back after its visibility timeout
                logging.getLogger("tether").warning("local %s: %s", self.name, type(error).__name__)
                self._stop.wait(1.0)

    def event_for(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda's SQS event source mapping would send for these messages."""
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": message.get("MessageAttributes", {}),
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self._arn,
                    "awsRegion": REGION,
                }
                for message in messages
            ]
        }
