"""A push carrying a chat message against one without, and what a reply costs (docs/chat.md).

Rows (the push rows are what `syncPush` does in the core: the engine's push, then the assistant's
after-push step):
- a push of one piece (no chat): the baseline;
- a push of one chat message with the reply queue: the message, its PENDING reply and one SQS
  SendMessage; the push answers without waiting for the model;
- the same push without a queue (the reply written in the request), with a model that takes
  MODEL_SECONDS to answer: what a push carrying a message cost before the worker;
- the worker writing one reply (the job received from the local SQS, worked, deleted);
- a duplicated delivery of a job already done (what SQS's at-least-once delivery costs).
Each row's round trips and capacity units are DynamoDB's; the SQS requests are printed after.
"""

from __future__ import annotations

import dataclasses
import functools
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ulid import ULID

from bench.common import Report, floor, local_table, measure, timed
from localdev import sqs as local_sqs
from tether.chat.assistant import Assistant
from tether.chat.model import MESSAGES, THREADS
from tether.chat.providers.base import ChatRequest, ChatResponse
from tether.chat.queue import SqsReplyQueue
from tether.chat.worker import handle_sqs_event
from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.storage.instrumentation import Calls
from tether.sync.engine import Mutation

REPEAT = 30
MODEL_SECONDS = 0.3


class TimedModel:
    """A provider that answers after MODEL_SECONDS (a quick real model's latency)."""

    name = "bench"
    model = "bench-1"

    def complete(self, request: ChatRequest) -> ChatResponse:
        time.sleep(MODEL_SECONDS)
        return ChatResponse("A reply.", self.model, 40, 20)


class SqsCounter:
    """SQS requests made through the clients it watches (botocore's before-call event)."""

    def __init__(self, *clients: Any) -> None:
        self.operations: list[str] = []
        for client in clients:
            client.meta.events.register("before-call.sqs", self._count)

    def _count(self, model: Any, **kwargs: Any) -> None:
        self.operations.append(model.name)


@dataclasses.dataclass
class Bench:
    settings: Settings
    queued: Assistant
    inline: Assistant
    poller: local_sqs.QueuePoller
    sqs: SqsCounter

    def prepare(self, user: str, *, chat: bool) -> Mutation:
        """The mutation a phone pushes: a chat message (to a thread made now), or a piece."""
        if chat:
            thread = str(ULID())
            self.queued.engine.push(user, "setup", [_mutation(1, THREADS, "save", {"id": thread})])
            return _mutation(1, MESSAGES, "send", {"id": str(ULID()), "thread_id": thread, "text": "Hi"})
        return _mutation(1, PIECES, "save", {"id": str(ULID()), "title": "Etude"})

    def push(self, user: str, mutation: Mutation, assistant: Assistant | None) -> None:
        """What syncPush does in the core: the engine's push, then the assistant's step."""
        started = time.monotonic()
        result = self.queued.engine.push(user, "phone", [mutation])
        if assistant is not None:
            assistant.after_push(user, result.results, started)


def _mutation(mutation_id: int, collection: Any, operation: str, payload: dict[str, Any]) -> Mutation:
    return Mutation(mutation_id, datetime.now(UTC), collection, operation, payload)


def _timed_push(bench: Bench, assistant: Assistant | None, chat: bool) -> tuple[list[float], Calls]:
    """Median-able samples of one push each by a new user (the thread is made before the clock starts)."""
    samples: list[float] = []
    calls = Calls()
    for _ in range(REPEAT):
        user = f"bench-{ULID()}"
        mutation = bench.prepare(user, chat=chat)
        elapsed, calls = measure(functools.partial(bench.push, user, mutation, assistant))
        samples.append(elapsed)
    return samples, calls


def main() -> None:
    with local_table() as base, local_sqs.running() as server:
        local = dataclasses.replace(base, sqs_endpoint=server.endpoint, chat_queue_url="unused")
        client = SqsReplyQueue(local).client
        url = local_sqs.create_queues(client, f"bench-replies-{ULID()}")
        settings = dataclasses.replace(local, chat_queue_url=url)
        services = Services.build(settings)
        model = TimedModel()
        queue = SqsReplyQueue(settings)
        queued = Assistant(settings, services.sync, model, queue=queue)
        inline = Assistant(settings, services.sync, model)
        worker: Callable[[Any], Any] = lambda event: handle_sqs_event(queued, event)  # noqa: E731
        poller = local_sqs.QueuePoller(client, url, worker)
        counter = SqsCounter(client, queue.client)
        bench = Bench(settings, queued, inline, poller, counter)

        report = Report("chat", floor())
        samples, calls = _timed_push(bench, queued, chat=False)
        report.add("push without a chat message", samples, calls)
        plain = statistics.median(samples)

        counter.operations.clear()
        samples, calls = _timed_push(bench, queued, chat=True)
        report.add("push with a chat message, reply queued", samples, calls)
        queued_push = statistics.median(samples)
        sends = counter.operations.count("SendMessage") / REPEAT
        poller.drain()

        samples, calls = _timed_push(bench, inline, chat=True)
        report.add(f"push with a chat message, answered inline ({MODEL_SECONDS}s model)", samples, calls)
        inline_push = statistics.median(samples)

        # The worker, one reply at a time: receive, work, delete.
        jobs: list[float] = []
        worker_calls = Calls()
        worker_sqs: list[str] = []
        for _ in range(REPEAT):
            user = f"bench-{ULID()}"
            bench.push(user, bench.prepare(user, chat=True), queued)
            before = len(counter.operations)
            elapsed, worker_calls = measure(poller.run_once)
            worker_sqs += counter.operations[before:]
            jobs.append(elapsed)
        report.add(
            f"worker: one reply ({MODEL_SECONDS}s model), job received and deleted", jobs, worker_calls
        )

        # A duplicated delivery of a job whose reply is written.
        user = f"bench-{ULID()}"
        bench.push(user, bench.prepare(user, chat=True), queued)
        received = client.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
        event = poller.event_for(received)
        handle_sqs_event(queued, event)
        duplicate = timed(lambda: handle_sqs_event(queued, event), 1)
        _, duplicate_calls = measure(lambda: handle_sqs_event(queued, event))
        report.add("worker: a duplicated delivery (reply already COMPLETE)", duplicate, duplicate_calls)
        poller.drain()
        report.print()

        per_reply = {name: worker_sqs.count(name) / REPEAT for name in sorted(set(worker_sqs))}
        print(
            f"  push with a chat message: {queued_push * 1000:.1f} ms with the queue, "
            f"{queued_push / plain:.1f}x a push without one; answered inline it took {inline_push * 1000:.1f} ms"
        )
        print(
            f"  SQS requests per reply: SendMessage {sends:.0f} (the push), "
            + ", ".join(f"{name} {count:.0f}" for name, count in per_reply.items())
            + " (the worker; in AWS the event source mapping makes these)"
        )


if __name__ == "__main__":
    main()
