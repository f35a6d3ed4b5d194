"""Reply jobs: what a request hands to the worker so that it can answer at once (docs/chat.md).

A job names a profile and the user messages whose replies are PENDING, in conversation order, and
each message's thread (so that the worker reads the thread with the message and its reply, in one
BatchGetItem). It is a hint, never the truth: the worker reads the replies again under the lease,
so a job delivered twice, retried, or racing a `retryChatReply` writes at most one reply per
message, and a thread that is not the message's own is read again by its real id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from tether.aws import job_queue_client
from tether.settings import Settings
from tether.sync.fields import is_record_id

JOB_VERSION = 1
MAX_MESSAGES_PER_JOB = 100  # a push carries at most 100 mutations


class BadJob(ValueError):
    """A queue message that is not a reply job (it goes to the dead-letter queue after its retries)."""


@dataclass(frozen=True)
class ReplyJob:
    """Answer these messages of this profile (`USER#<profile>`), oldest first. `threads`: each
    message's thread, in the same order (empty in jobs queued before threads were named)."""

    profile: str
    messages: tuple[str, ...]
    threads: tuple[str, ...] = ()

    def body(self) -> str:
        job: dict[str, Any] = {"v": JOB_VERSION, "profile": self.profile, "messages": list(self.messages)}
        if self.threads:
            job["threads"] = list(self.threads)
        return json.dumps(job, separators=(",", ":"))

    def thread_of(self, position: int) -> str | None:
        """The thread the job names for its `position`-th message (None: not named)."""
        return self.threads[position] if self.threads else None

    @classmethod
    def parse(cls, body: str) -> ReplyJob:
        """The job in a queue message's body; BadJob when it is not one."""
        try:
            data = json.loads(body)
        except (TypeError, ValueError) as error:
            raise BadJob("not JSON") from error
        if not isinstance(data, Mapping) or data.get("v") != JOB_VERSION:
            raise BadJob("not a reply job")
        profile, messages = data.get("profile"), data.get("messages")
        if not isinstance(profile, str) or not profile or len(profile) > 200:
            raise BadJob("no profile")
        if not isinstance(messages, list) or not 0 < len(messages) <= MAX_MESSAGES_PER_JOB:
            raise BadJob("no messages")
        if not _record_ids(messages):
            raise BadJob("bad message id")
        threads = data.get("threads", [])
        if not isinstance(threads, list) or (threads and len(threads) != len(messages)):
            raise BadJob("threads do not match the messages")
        if not _record_ids(threads):
            raise BadJob("bad thread id")
        return cls(profile, tuple(messages), tuple(threads))


def _record_ids(values: list[Any]) -> bool:
    return all(isinstance(value, str) and is_record_id(value) for value in values)


class ReplyQueue(Protocol):
    """Where jobs go: SQS in AWS and in `make dev` (localdev/sqs.py serves a local one)."""

    def send(self, job: ReplyJob) -> None: ...


class SqsReplyQueue:
    """The reply queue through boto3's SQS client (one SendMessage per job)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.chat_queue_url is not None
        self.url = settings.chat_queue_url
        self._settings = settings

    @cached_property
    def client(self) -> Any:
        # A push that cannot enqueue answers its replies itself instead.
        return job_queue_client(region=self._settings.region, endpoint=self._settings.sqs_endpoint)

    def send(self, job: ReplyJob) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=job.body())


def reply_queue(settings: Settings) -> ReplyQueue | None:
    """The deployment's reply queue, or None (replies are then written within the request)."""
    return SqsReplyQueue(settings) if settings.chat_queue_url else None
