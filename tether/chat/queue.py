"""Reply jobs: what a request hands to the worker so that it can answer at once (docs/chat.md).

A job names a profile and the user messages whose replies are PENDING, in conversation order. It is
a hint, never the truth: the worker reads the replies again under the lease, so a job delivered
twice, retried, or racing a `retryChatReply` writes at most one reply per message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from botocore.config import Config

from tether.aws import aws_client
from tether.settings import Settings
from tether.sync.fields import is_record_id

JOB_VERSION = 1
MAX_MESSAGES_PER_JOB = 100  # a push carries at most 100 mutations


class BadJob(ValueError):
    """A queue message that is not a reply job (it goes to the dead-letter queue after its retries)."""


@dataclass(frozen=True)
class ReplyJob:
    """Answer these messages of this profile (`USER#<profile>`), oldest first."""

    profile: str
    messages: tuple[str, ...]

    def body(self) -> str:
        return json.dumps(
            {"v": JOB_VERSION, "profile": self.profile, "messages": list(self.messages)},
            separators=(",", ":"),
        )

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
        if not all(isinstance(message, str) and is_record_id(message) for message in messages):
            raise BadJob("bad message id")
        return cls(profile, tuple(messages))


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
        settings = self._settings
        return aws_client(
            "sqs",
            region=settings.region,
            endpoint=settings.sqs_endpoint,
            local=settings.sqs_endpoint is not None,
            # Short timeouts: a push that cannot enqueue answers its replies itself instead.
            config=Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2}),
        )

    def send(self, job: ReplyJob) -> None:
        self.client.send_message(QueueUrl=self.url, MessageBody=job.body())


def reply_queue(settings: Settings) -> ReplyQueue | None:
    """The deployment's reply queue, or None (replies are then written within the request)."""
    return SqsReplyQueue(settings) if settings.chat_queue_url else None
