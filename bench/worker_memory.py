"""The reply worker's peak memory: a fresh interpreter configured as template.yaml configures
ChatWorkerFunction (environment only) imports the handler and works one SQS reply job, as the
event source mapping delivers it, against DynamoDB Local and a fake OpenAI API (the openai SDK is
the heaviest provider to import; Bedrock's is boto3, already loaded). The job is a real one: a push
carrying a chat message hands it to a local SQS queue, from which it is received.

Two jobs: a plain reply, and a reply for which the model first calls the `search_catalog` tool on
a catalog of WORKER_CATALOG_TRACKS tracks (default 50,000; bench/catalog_bench.py's catalog, its
read index published to a local S3 as an editor's change publishes it): the worker loads only the
index pieces that search needs (docs/catalog.md), not the catalog.

Printed: the child's peak resident set (VmHWM) after the import and after each job, against
the worker's MemorySize in template.yaml. `python -m bench worker_memory`.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ulid import ULID

from bench.catalog_bench import LOCAL_READ_TIMEOUT, engine_for, write_catalog
from bench.coldstart_bench import ROOT, handler_env
from bench.common import RESULTS
from bench.cost import CHAT_SETTINGS, WORKLOAD, ReplyQueue, chat_stack, worker_memory_mb
from localdev import s3 as local_s3
from tests.chat.conftest import Answer, FakeAPI, Received, openai_reply
from tests.chat.test_tools import openai_calls
from tether.attachments import ATTACHMENTS, UPLOADED, object_key
from tether.chat import files
from tether.chat.model import MESSAGES, THREADS
from tether.media import Media
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.storage.keys import user_key
from tether.sync.engine import Mutation, ServerChange

# The peak is VmHWM: ru_maxrss survives exec, so a child would report its parent's peak.
WORKER_SCRIPT = (
    "import json, sys\n"
    "def peak():\n"
    "    lines = open('/proc/self/status').read().splitlines()\n"
    "    return next(int(line.split()[1]) for line in lines if line.startswith('VmHWM:'))\n"
    "event = json.load(open(sys.argv[1]))\n"
    "from tests.deploy.lambda_support import FakeLambdaContext\n"
    "import app\n"
    "imported = peak()\n"
    "answer = app.handler(event, FakeLambdaContext(function_name='tether-dev-chat-worker'))\n"
    "assert answer == {'batchItemFailures': []}, answer\n"
    "print(json.dumps({'imported_kb': imported, 'peak_kb': peak()}))\n"
)


def queued_job(services: Services, queue: ReplyQueue, attachments: int = 0) -> dict[str, Any]:
    """A push of a chat message (its thread made first) hands its reply to the queue: the SQS event
    the event source mapping would deliver for it. With `attachments`, the message carries that many
    uploaded images, together the most the provider reads with one message (ATTACHED_BYTES)."""
    user = f"bench-{ULID()}"
    thread, now = str(ULID()), datetime.now(UTC)
    services.sync.push(user, "setup", [Mutation(1, now, THREADS, "save", {"id": thread})])
    message: dict[str, Any] = {
        "id": str(ULID()),
        "thread_id": thread,
        "text": "How long should I hold the vowel?",
    }
    if attachments:
        message["attachment_ids"] = attached_files(services, user, attachments)
    result = services.sync.push(user, "phone", [Mutation(1, now, MESSAGES, "send", message)])
    services.chat.after_push(user, result.results, 0.0)
    return queue.next_event()


# The provider's (openai's, the fake's) limit of raw bytes a message's files may take together.
ATTACHED_BYTES = files.OPENAI.max_total_bytes


def attached_files(services: Services, user: str, count: int) -> list[str]:
    """`count` images of ATTACHED_BYTES together, uploaded to the media bucket and settled UPLOADED
    (as the S3 event settles them): the heaviest attachments a message may carry within the daily
    token budget (an image is reserved ~1,600 tokens whatever its size; a PDF one per 40 bytes, so
    PDFs this large are refused by the budget before they are read)."""
    size, now, ids = ATTACHED_BYTES // count, datetime.now(UTC), list[str]()
    at = now.isoformat().replace("+00:00", "Z")
    content = b"\x89PNG\r\n\x1a\n" + os.urandom(size - 8)
    media = services.uploads.media
    for number in range(count):
        attachment_id = str(ULID())
        attachment: dict[str, Any] = {
            "id": attachment_id,
            "name": f"photo-{number}.png",
            "content_type": "image/png",
            "byte_size": size,
            "width": 4000,
            "height": 3000,
            "sha256": base64.b64encode(hashlib.sha256(content).digest()).decode(),
        }
        services.sync.push(user, "setup", [Mutation(2 + number, now, ATTACHMENTS, "save", attachment)])
        media.client.put_object(Bucket=media.bucket, Key=object_key(user, attachment_id), Body=content)
        services.sync.write(
            user_key(user),
            [
                ServerChange(
                    ATTACHMENTS, "settle", {"id": attachment_id, "status": UPLOADED, "uploaded_at": at}
                )
            ],
        )
        ids.append(attachment_id)
    return ids


CATALOG_TRACKS = int(os.environ.get("WORKER_CATALOG_TRACKS", "50000"))
SEARCH = ("call_1", "search_catalog", {"query": "breath kindness", "limit": 5})


def searching_model(reply: str) -> Callable[[Received], Answer]:
    """A model that calls the catalog search tool first, then replies once it has the results."""

    def answer(request: Received) -> Answer:
        messages = (request.body or {}).get("messages", [])
        if any(message.get("role") == "tool" for message in messages):
            return openai_reply(reply, prompt=600, completion=250)
        return openai_calls(SEARCH)

    return answer


def work(settings: Settings, event: dict[str, Any]) -> dict[str, Any]:
    """A fresh worker process configured like ChatWorkerFunction works the job: its peak memory."""
    env = handler_env(settings.table_name, str(settings.dynamodb_endpoint))
    env |= {
        spec.metadata["env"]: str(getattr(settings, spec.name))
        for spec in fields(Settings)
        if spec.name in (*CHAT_SETTINGS, "media_bucket", "s3_endpoint", "dynamodb_read_timeout")
        and getattr(settings, spec.name)
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
    return measured


def measure() -> dict[str, Any]:
    model = FakeAPI().start()
    try:
        with chat_stack(WORKLOAD.chat_reply_chars) as (chat, queue), local_s3.running() as s3:
            settings = dataclasses.replace(
                chat,
                media_bucket="tether-bench-media",
                s3_endpoint=s3.endpoint,
                chat_openai_base_url=f"{model.url}/v1",
                dynamodb_read_timeout=LOCAL_READ_TIMEOUT,
            )
            storage.configure(settings)
            local_s3.create_bucket(Media(settings).client, settings.media_bucket_name)
            services = Services.build(settings)
            model.default = lambda request: openai_reply(
                "x" * WORKLOAD.chat_reply_chars, prompt=400, completion=250
            )
            plain = work(settings, queued_job(services, queue))
            attached = work(settings, queued_job(services, queue, attachments=files.MAX_ATTACHMENTS))
            items = write_catalog(engine_for(settings, ttl=5), settings.catalog_partition, CATALOG_TRACKS)
            manifest = services.catalog.publish()  # what an editor's change does
            assert manifest is not None
            model.default = searching_model("x" * WORKLOAD.chat_reply_chars)
            searched = work(settings, queued_job(services, queue))
            # The same without the index (no media bucket): the worker loads the whole catalog.
            whole = work(dataclasses.replace(settings, media_bucket=None), queued_job(services, queue))
            tool_results = [
                message["content"]
                for request in model.requests
                for message in (request.body or {}).get("messages", [])
                if message.get("role") == "tool"
            ]
            assert len(tool_results) == 2, "the model did not get the search's results twice"
            assert json.loads(tool_results[0])["results"], tool_results[0]  # it found tracks
            assert tool_results[0] == tool_results[1]  # the same with the index and without
    finally:
        model.stop()
    return {
        "plain": plain,
        "attachments": attached,
        "catalog_search": searched,
        "catalog_search_whole_catalog": whole,
        "catalog_items": items,
        "memory_mb": worker_memory_mb(),
    }


def main() -> None:
    result = measure()
    memory = result["memory_mb"]
    print("\nreply worker memory (a fresh process: import the handler, work one SQS reply job)")
    for name, label in (
        ("plain", "a reply"),
        (
            "attachments",
            f"a reply reading {files.MAX_ATTACHMENTS} images of {ATTACHED_BYTES / 2**20:.0f} MB together",
        ),
        ("catalog_search", f"a reply after a catalog search ({result['catalog_items']:,} catalog items)"),
        ("catalog_search_whole_catalog", "the same search without the index (the whole catalog loaded)"),
    ):
        imported, peak = result[name]["imported_kb"] / 1024, result[name]["peak_kb"] / 1024
        print(f"  {label}: after import {imported:.0f} MB, peak after the job {peak:.0f} MB")
        print(f"    ChatWorkerFunction MemorySize {memory} MB: {peak / memory:.0%} of it used")
    RESULTS.mkdir(exist_ok=True)
    (Path(RESULTS) / "worker_memory.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
