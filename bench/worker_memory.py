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
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from ulid import ULID

from bench.coldstart_bench import ROOT, handler_env
from bench.common import RESULTS, local_table
from bench.cost import worker_memory_mb
from localdev import sqs as local_sqs
from tests.chat.conftest import FakeAPI, openai_reply
from tests.deploy.lambda_support import load_event
from tether.chat.model import MESSAGES, THREADS
from tether.services import Services
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


def queued_job(services: Services, sqs: Any, url: str) -> dict[str, Any]:
    """A push of a chat message (its thread made first) hands its reply to the queue: the SQS event
    the event source mapping would deliver for it."""
    user = f"bench-{ULID()}"
    thread, now = str(ULID()), datetime.now(UTC)
    services.sync.push(user, "setup", [Mutation(1, now, THREADS, "save", {"id": thread})])
    message = {"id": str(ULID()), "thread_id": thread, "text": "How long should I hold the vowel?"}
    result = services.sync.push(user, "phone", [Mutation(1, now, MESSAGES, "send", message)])
    services.chat.after_push(user, result.results, 0.0)
    [received] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    event = load_event("sqs_chat_reply_job.json")
    event["Records"][0] |= {"messageId": received["MessageId"], "body": received["Body"]}
    return event


def measure() -> dict[str, Any]:
    fake = FakeAPI().start()
    fake.default = lambda request: openai_reply("Hold it for four counts, then let it fall.")
    try:
        return _measure(fake)
    finally:
        fake.stop()


def _measure(fake: FakeAPI) -> dict[str, Any]:
    with local_table() as settings, local_sqs.running() as server:
        sqs = boto3.client(
            "sqs",
            endpoint_url=server.endpoint,
            region_name=local_sqs.REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        url = local_sqs.create_queues(sqs, f"bench-{ULID()}")
        chat = {
            "TETHER_CHAT_PROVIDER": "openai",
            "TETHER_CHAT_OPENAI_BASE_URL": f"{fake.url}/v1",
            "TETHER_CHAT_OPENAI_MODEL": "gpt-test",
            "TETHER_CHAT_API_KEY": "sk-bench",
            "TETHER_CHAT_QUEUE_URL": url,
            "TETHER_SQS_ENDPOINT": server.endpoint,
        }
        services = Services.build(
            replace(
                settings,
                chat_provider="openai",
                chat_openai_base_url=f"{fake.url}/v1",
                chat_openai_model="gpt-test",
                chat_api_key="sk-bench",
                chat_queue_url=url,
                sqs_endpoint=server.endpoint,
            )
        )
        event = queued_job(services, sqs, url)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(event, file)
        env = handler_env(settings.table_name, str(settings.dynamodb_endpoint)) | chat
        env["AWS_LAMBDA_FUNCTION_NAME"] = "tether-dev-chat-worker"
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
        assert fake.requests, "the worker did not call the provider"
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
