"""The reply worker: SQS delivers reply jobs to the same function (docs/chat.md, "The worker").

The event source mapping reports partial batch failures (`ReportBatchItemFailures`): a job whose
replies are all written is deleted from the queue; one still PENDING (the provider timed out,
another attempt holds the lease, an attempt crashed, time ran out) is named in
`batchItemFailures` and comes back after the visibility timeout; after the queue's
`maxReceiveCount` it moves to the dead-letter queue, whose alarm tells the operator.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from tether.chat.queue import BadJob, ReplyJob
from tether.telemetry import REPLY_JOBS_LINE, logger

if TYPE_CHECKING:  # app.py tells events apart with this module: the assistant is built on first use
    from tether.chat.assistant import Assistant

SQS_SOURCE = "aws:sqs"


def is_sqs_event(event: Mapping[str, Any]) -> bool:
    """Messages from an SQS event source mapping (not an API Gateway request)."""
    records = event.get("Records")
    return isinstance(records, list) and bool(records) and records[0].get("eventSource") == SQS_SOURCE


def handle_sqs_event(
    assistant: Assistant, event: Mapping[str, Any], clock: Callable[[], float] = time.monotonic
) -> dict[str, Any]:
    """Work the batch's jobs in order; the ones not done go back to the queue.

    The whole batch shares one time budget (the Lambda's timeout bounds the invocation): a job that
    no longer fits is not started and is reported as failed, to be delivered again."""
    started = clock()
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        message_id = str(record.get("messageId"))
        if not _done(assistant, record, started):
            failures.append({"itemIdentifier": message_id})
    # The invocation's metrics are written with this line (one JSON object: tether/telemetry.py).
    logger.info(REPLY_JOBS_LINE, extra={"jobs": len(event["Records"]), "returned_to_queue": len(failures)})
    return {"batchItemFailures": failures}


def _done(assistant: Assistant, record: Mapping[str, Any], started: float) -> bool:
    try:
        job = ReplyJob.parse(record.get("body", ""))
    except BadJob as error:  # kept for its retries, then the dead-letter queue (never logged whole)
        logger.error(
            "not a chat reply job", extra={"sqs_message_id": record.get("messageId"), "why": str(error)}
        )
        return False
    try:
        return assistant.work(job, started)
    except Exception as error:
        logger.warning("chat reply job failed", extra={"error": type(error).__name__})
        return False
