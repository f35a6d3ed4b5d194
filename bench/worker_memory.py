"""The reply worker's peak memory: a fresh interpreter configured as template.yaml configures
ChatWorkerFunction (environment only) imports the handler and works one SQS reply job, as the
event source mapping delivers it, against DynamoDB Local and a fake OpenAI API (the openai SDK is
the heaviest provider to import; Bedrock's is boto3, already loaded). The job is a real one: a push
carrying a chat message hands it to a local SQS queue, from which it is received.

Printed: the child's peak resident set (`ru_maxrss`) after the import and after the job, against
the worker's MemorySize in template.yaml. `python -m bench worker_memory`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ulid import ULID

from bench.coldstart_bench import ROOT, handler_env
from bench.common import RESULTS
from bench.cost import CHAT_SETTINGS, WORKLOAD, ReplyQueue, chat_stack, worker_memory_mb
from tether.chat.model import MESSAGES, THREADS
from tether.services import Services
from tether.settings import Settings
from tether.sync.engine import Mutation

WORKER_SCRIPT = (
    "import json, resource, sys\n"
    "event = json.load(open(sys.argv[1]))\n"
    "from tests.deploy.lambda_support import FakeLambdaContext\n"
    "import app\n"
    "imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "answer = app.handler(event, FakeLambdaContext(function_name='tether-dev-chat-worker'))\n"
    "assert answer == {'batchItemFailures': []}, answer\n"
    "print(json.dumps({'imported_kb': imported,"
    " 'peak_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))\n"
)


def queued_job(services: Services, queue: ReplyQueue) -> dict[str, Any]:
    """A push of a chat message (its thread made first) hands its reply to the queue: the SQS event
    the event source mapping would deliver for it."""
    user = f"bench-{ULID()}"
    thread, now = str(ULID()), datetime.now(UTC)
    services.sync.push(user, "setup", [Mutation(1, now, THREADS, "save", {"id": thread})])
    message = {"id": str(ULID()), "thread_id": thread, "text": "How long should I hold the vowel?"}
    result = services.sync.push(user, "phone", [Mutation(1, now, MESSAGES, "send", message)])
    services.chat.after_push(user, result.results, 0.0)
    return queue.next_event()


def measure() -> dict[str, Any]:
    with chat_stack(WORKLOAD.chat_reply_chars) as (settings, queue):
        event = queued_job(Services.build(settings), queue)
        env = handler_env(settings.table_name, str(settings.dynamodb_endpoint))
        env |= {
            spec.metadata["env"]: str(getattr(settings, spec.name))
            for spec in fields(Settings)
            if spec.name in CHAT_SETTINGS
        }
        env["AWS_LAMBDA_FUNCTION_NAME"] = "tether-dev-chat-worker"
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(event, file)
        try:
            run = subprocess.run(
                [sys.executable, "-c", WORKER_SCRIPT, file.name],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            os.unlink(file.name)
    if run.returncode != 0:
        raise RuntimeError(f"the worker failed:\n{run.stderr[-4000:]}")
    measured: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return measured | {"memory_mb": worker_memory_mb()}


def main() -> None:
    result = measure()
    imported, peak, memory = result["imported_kb"] / 1024, result["peak_kb"] / 1024, result["memory_mb"]
    print("\nreply worker memory (a fresh process: import the handler, work one SQS reply job)")
    print(f"  after import {imported:.0f} MB, peak after the job {peak:.0f} MB")
    print(f"  ChatWorkerFunction MemorySize {memory} MB: {peak / memory:.0%} of it used")
    RESULTS.mkdir(exist_ok=True)
    (Path(RESULTS) / "worker_memory.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
