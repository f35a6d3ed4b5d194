"""Cold start: the core a fresh process builds answers a pull without the domains a pull does not
need (tether/services.py builds each on its first use), and a push builds only the domains its
follow-ups need.

Checked in a fresh interpreter by what is in `sys.modules`, against DynamoDB Local: no wall clock.
The suite shows each domain still works once it is built on use.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from strawberry.types.base import has_object_definition

from tests.deploy.lambda_support import lambda_environment, load_event, manifest_event, sync_pull_event
from tests.deploy.test_coldstart import fresh_interpreter
from tether.pieces import PIECES
from tether.services import Services
from tether.settings import Settings
from tether.sync.engine import Mutation
from tether.uploads import Uploads

ROOT = Path(__file__).resolve().parent.parent.parent

# The domains a pull needs none of (their modules; a package's own `__init__` imports nothing).
DOMAINS = {
    "tether.chat.assistant": "the assistant (chat replies)",
    "tether.chat.providers.base": "the chat providers",
    "tether.chat.tools": "the assistant's tools",
    "tether.catalog.catalog": "the content catalog",
    "tether.catalog.editor": "the catalog editor",
    "tether.catalog.search": "the catalog's search",
    "tether.catalog.publishing": "the catalog's publishing",
    "tether.entitlements.service": "entitlements",
    "tether.entitlements.purchases": "App Store and Play purchases",
    "tether.uploads": "attachment uploads",
    "tether.media": "the media bucket (S3)",
    "tether.people.people": "the people services",
    "tether.people.directory": "the sharing directory",
    "tether.accounts.accounts": "the account services",
    "tether.accounts.export": "data export",
    "tether.accounts.erasure": "erasure",
}

# What the trusted path does for one pull and one push (resolvers/sync: the gate's keys in the
# engine's first read, the access log, the push's follow-ups), then the domains it loaded.
SCRIPT = """
import json, sys
from datetime import UTC, datetime
from resolvers.people.scope import log_pull, log_push
from tether.auth import User
from tether.pieces import PIECES
from tether.chat.model import THREADS
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage
from tether.sync.engine import Mutation

settings = Settings.from_env()
storage.configure(settings)
services = Services.build(settings)
storage.client()
user = User(id="cold-" + sys.argv[1])
domains = set(sys.argv[2:])

def loaded():
    return sorted(name for name in domains if name in sys.modules)

def push(collection, operation, payload):
    mutation = Mutation(1 + push.count, datetime.now(UTC), collection, operation, payload)
    push.count += 1
    result = services.sync.push(user.id, "cold", [mutation], None, None, services.gate.for_sync(user))
    assert result.results[0].status == "APPLIED", result.results[0]
    log_push(services, result)
    services.follow_up_push(user.id, result, 0.0)
push.count = 0

found = {"built": loaded()}
pulled = services.sync.pull(user.id, "cold", None, 100, 0, None, None, services.gate.for_sync(user))
log_pull(services, pulled)
found["pulled"] = loaded()
push(PIECES, "save", {"id": "01J00000000000000000000001", "title": "Etude"})
found["pushed a piece"] = loaded()
push(THREADS, "create", {"id": "01J00000000000000000000002", "title": "Hello"})
found["pushed a thread"] = loaded()
found["window"] = services.sync.follow_up_window.total_seconds()
found["assistant's window"] = services.chat.reply_window().total_seconds()
print(json.dumps(found))
"""


def function_environment(settings: Settings) -> dict[str, str]:
    """The function's environment against this run's DynamoDB Local."""
    return lambda_environment(
        TETHER_STAGE="dev",
        TETHER_TABLE=settings.table_name,
        TETHER_DYNAMODB_ENDPOINT=str(settings.dynamodb_endpoint),
        AWS_ACCESS_KEY_ID=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        AWS_SECRET_ACCESS_KEY=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        POWERTOOLS_LOG_LEVEL="WARNING",
    )


def run(settings: Settings, name: str) -> dict[str, Any]:
    return fresh_interpreter(SCRIPT, name, *DOMAINS, cwd=ROOT, env=function_environment(settings))


def test_a_fresh_process_answers_a_pull_and_a_push_without_the_domains_they_do_not_need(
    settings: Settings,
) -> None:
    found = run(settings, "pull")
    assert found["built"] == []
    assert found["pulled"] == [], {name: DOMAINS[name] for name in found["pulled"]}
    assert found["pushed a piece"] == [], {name: DOMAINS[name] for name in found["pushed a piece"]}
    # A chat push's follow-ups need the assistant: it is built then (and what it depends on).
    assert {"tether.chat.assistant", "tether.catalog.catalog", "tether.entitlements.service"} <= set(
        found["pushed a thread"]
    )
    # Waiting pulls poll fast for as long as the assistant's lease, without the assistant built.
    assert found["window"] == found["assistant's window"] == settings.chat_time_budget_seconds + 10


# What a fresh Lambda answering one pull through app's handler needs none of, beyond the core's
# domains: each GraphQL domain's module of its other types (what the rest of the API returns and
# takes: connections, admin inputs, export and erasure results, media URLs...), its queries and
# mutations, the push's input types (resolvers/<domain>/inputs.py, resolvers/sync/inputs.py: the
# first push imports them), the root schema, and the core modules only those types import. The sync
# payload's record classes are in resolvers/<domain>/records.py.
GRAPHQL_DOMAINS = (
    "account",
    "attachments",
    "bookmarks",
    "chat",
    "content",
    "entitlements",
    "people",
    "pieces",
    "progress",
    "sessions",
)
NOT_FOR_A_PULL = {
    **DOMAINS,
    **{
        f"resolvers.{domain}.{module}": f"the GraphQL layer's {domain} {module}"
        for domain in GRAPHQL_DOMAINS
        for module in ("types", "queries", "mutations", "inputs")
    },
    "resolvers.sync.inputs": "syncPush's input types",
    "resolvers.sync.mutations": "syncPush's resolver",
    "resolvers.schema": "the root schema (Strawberry's)",
    "resolvers.pagination": "connections' paging",
    "tether.accounts.devices": "the devices list",
    "tether.accounts.profiles": "the profile of `me`",
    "tether.accounts.signout": "signOutEverywhere",
    "tether.accounts.grace": "the deletion grace period",
    "tether.catalog.media": "the catalog's media URLs",
    "boto3": "the S3, SQS and Bedrock clients (tether/aws.py: the DynamoDB client is botocore's)",
    "s3transfer": "S3 transfers (boto3 imports it)",
    "OpenSSL": "pyOpenSSL (tether/storage/tls.py: botocore without it)",
    "cryptography": "PyJWT, Google's and Apple's libraries (and pyOpenSSL)",
}

HANDLER_PULL = """
import json, sys
from tests.deploy.lambda_support import FakeLambdaContext
pull, push = json.loads(sys.argv[1]), json.loads(sys.argv[2])
names = sys.argv[3:]
import app
def answer(event):
    response = app.handler(event, FakeLambdaContext())
    return {
        "status": response["statusCode"],
        "body": json.loads(response["body"]),
        "loaded": sorted(name for name in names if name in sys.modules),
    }
pulled = answer(pull)
pulled["records"] = sorted(
    name for name in sys.modules if name.startswith("resolvers.") and name.endswith(".records")
)
print(json.dumps({"pulled": pulled, "pushed": answer(push)}))
"""


def test_a_fresh_lambda_answering_a_pull_imports_only_the_records_of_its_payload(
    settings: Settings,
) -> None:
    """Through app's handler, as API Gateway invokes it: the pull returns a stored piece, and
    neither the domains' other GraphQL types nor the core modules they need were imported."""
    claims = load_event("http_api_post_graphql.json")["requestContext"]["authorizer"]["jwt"]["claims"]
    services = Services.build(settings)
    user = claims["sub"]
    piece = {"id": "01J0C01D5TART0000000000001", "title": "Oli"}
    mutation = Mutation(1, services.clock(), PIECES, "save", piece)
    pushed = services.sync.push(user, "cold-seed", [mutation], None, None, None)
    assert pushed.results[0].status == "APPLIED"
    pull = json.dumps(sync_pull_event(client_id="cold-handler"))
    change = {"savePiece": {"id": "01J0C01D5TART0000000000002", "title": "Mele"}}
    mutation_input = {"mutationId": 1, "changedAt": "2026-01-01T00:00:00Z", "change": change}
    push = json.dumps(
        manifest_event("SyncPush", {"input": {"clientId": "cold-handler", "mutations": [mutation_input]}})
    )
    found = fresh_interpreter(
        HANDLER_PULL, pull, push, *NOT_FOR_A_PULL, cwd=ROOT, env=function_environment(settings)
    )
    pulled = found["pulled"]
    assert pulled["status"] == 200, pulled["body"]
    assert "errors" not in pulled["body"], pulled["body"]
    assert piece["id"] in [item["id"] for item in pulled["body"]["data"]["syncPull"]["pieces"]]
    assert pulled["loaded"] == [], {name: NOT_FOR_A_PULL[name] for name in pulled["loaded"]}
    assert pulled["records"] == sorted(
        f"resolvers.{domain}.records" for domain in GRAPHQL_DOMAINS if domain != "people"
    )
    # The first push imports its input types then, and is answered on the same path.
    pushed = found["pushed"]
    assert pushed["status"] == 200, pushed["body"]
    assert [result["status"] for result in pushed["body"]["data"]["syncPush"]["results"]] == ["APPLIED"]
    assert {"resolvers.sync.inputs", "resolvers.pieces.inputs"} <= set(pushed["loaded"])
    assert "resolvers.schema" not in pushed["loaded"]


def test_a_push_s_inputs_reach_nothing_to_attach_that_a_pull_s_types_do_not() -> None:
    """resolvers/sync/plain.py attaches Strawberry's enums and unions to the SDL's schema from the
    payloads and SyncPullInput only (in init); the push's input types are imported by the first push."""
    from resolvers.sync import plain
    from resolvers.sync.inputs import SyncPushInput
    from resolvers.sync.types import SyncPullInput, SyncPullPayload, SyncPushPayload

    attached = {id(named) for named in plain._reached((SyncPullPayload, SyncPushPayload, SyncPullInput))}
    for named in plain._reached((SyncPushInput,)):
        if has_object_definition(named) and named.__strawberry_definition__.is_input:
            continue  # (input objects have nothing attached: graphql-core coerces them to dicts)
        assert id(named) in attached, named


class WatchedLock:
    """The services' lock, telling when a second thread waits for it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.contended = threading.Event()

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=False):
            self.contended.set()
            self.lock.acquire()

    def __exit__(self, *_: object) -> None:
        self.lock.release()


def test_two_first_uses_at_once_build_a_domain_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm Lambda's threads (resolvers offload to a pool) may first use a domain together."""
    services = Services.build(settings)
    lock = WatchedLock()
    monkeypatch.setattr(services, "_lock", lock)
    builds: list[Uploads] = []
    build = Services.uploads.build

    def slow(of: Services) -> Uploads:
        lock.contended.wait(timeout=10)  # the other thread is waiting for the lock meanwhile
        builds.append(build(of))
        return builds[-1]

    monkeypatch.setattr(Services.uploads, "build", slow)
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.submit(lambda: services.uploads), pool.submit(lambda: services.uploads)
        assert first.result() is second.result() is services.uploads
    assert lock.contended.is_set()
    assert len(builds) == 1
    assert vars(services)["uploads"] is builds[0]  # later reads find it without the lock
