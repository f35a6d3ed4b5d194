"""Shared fixtures: a real DynamoDB Local per test worker, the app, tokens and a GraphQL client."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.loaders
import botocore.session
import pytest
from starlette.testclient import TestClient
from ulid import ULID

from app import create_app
from localdev import dynamodb, tokens
from localdev import s3 as local_s3
from localdev import sqs as local_sqs
from tests import execution_check
from tether.media import Media
from tether.services import Services
from tether.settings import Settings
from tether.storage import base as storage

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def checked_execution() -> Iterator[None]:
    """Every object the plain-fields fast path completes is checked against graphql-core's own
    completion, in every test (tests/execution_check.py)."""
    original = execution_check.install()
    yield
    execution_check.uninstall(original)


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_data() -> Iterator[None]:
    """botocore's data files (service models, endpoints, retry rules) read once per worker: every
    botocore session loads them again (~0.2 s a client), and the apps and fixtures of the suite make
    a session for each of their clients (a fresh pynamodb connection per test, the S3, SQS and
    Cognito clients of each Services). The clients themselves are still made per test."""
    fresh = botocore.session.create_loader
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)
    yield
    botocore.session.create_loader = fresh


@pytest.fixture(autouse=True)
def no_execution_divergence() -> Iterator[None]:
    execution_check.DIVERGENCES.clear()
    yield
    assert execution_check.DIVERGENCES == [], execution_check.DIVERGENCES[:5]


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """DynamoDB Local (the official jar, in memory), or TETHER_TEST_DYNAMODB_ENDPOINT if set."""
    external = os.environ.get("TETHER_TEST_DYNAMODB_ENDPOINT")
    if external:
        yield external
        return
    with dynamodb.start() as server:
        yield server.endpoint


BUCKET = "tether-test-media"


@dataclass(frozen=True)
class LocalS3:
    endpoint: str
    bucket: str


@pytest.fixture(scope="session")
def s3() -> Iterator[LocalS3]:
    """The local S3 (moto's server with S3's presigned-request checks, localdev/s3.py) on a free
    port, with a versioned bucket like the real one."""
    with local_s3.running() as server:
        client = Media(Settings(media_bucket=BUCKET, s3_endpoint=server.endpoint)).client
        local_s3.create_bucket(client, BUCKET)
        yield LocalS3(server.endpoint, BUCKET)


@pytest.fixture(scope="session")
def sqs_endpoint() -> Iterator[str]:
    """The local SQS (moto's server, localdev/sqs.py) on a free port; tests make their own queues."""
    with local_sqs.running() as server:
        yield server.endpoint


@pytest.fixture(scope="session")
def dev_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dev-jwt")
    tokens.ensure_key(directory)
    return directory


@pytest.fixture(scope="session")
def base_settings(dynamodb_endpoint: str, dev_key_dir: Path) -> Settings:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return Settings(
        stage="dev",
        table_name=f"tether-test-{worker}",
        dynamodb_endpoint=dynamodb_endpoint,
        dev_public_key_file=str(dev_key_dir / "public.pem"),
        erasure_grace_days=0,  # the immediate erasure; tests/account/test_grace.py sets a grace period
    )


@pytest.fixture(scope="session")
def table(base_settings: Settings) -> str:
    storage.configure(base_settings)
    storage.create_table()
    return base_settings.table_name


PAGE_SIZE = 1000  # the largest syncPull page


@pytest.fixture(scope="session")
def page_user(base_settings: Settings, table: str) -> str:
    """A user with a full page (1,000) of pieces in the feed, seeded once per worker: mark tests
    that use it `xdist_group("page-of-1000")` so they share one worker (and one seeding)."""
    from tests.pages import seed_pieces

    user = f"user-{ULID()}"
    seed_pieces(base_settings, user, PAGE_SIZE)
    return user


@pytest.fixture(scope="session")
def codegen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """graphql-codegen's output for graphql/codegen.yml (operations.ts, possibleTypes.json), once per worker."""
    import subprocess

    out = tmp_path_factory.mktemp("codegen")
    tool = ROOT / "tests" / "node_modules" / ".bin" / "graphql-codegen"
    assert tool.exists(), (
        "tests/node_modules has no graphql-codegen: `make test` installs it (npm ci --prefix tests)"
    )
    completed = subprocess.run(
        [str(tool), "--config", str(ROOT / "graphql" / "codegen.yml")],
        cwd=ROOT / "tests",  # where the plugins are installed
        env={**os.environ, "CODEGEN_OUT": str(out), "CODEGEN_ROOT": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out


@pytest.fixture
def settings(base_settings: Settings, table: str) -> Settings:
    storage.configure(base_settings)
    return base_settings


@pytest.fixture
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_token(dev_key_dir: Path) -> Callable[..., str]:
    def make(user: str, **kwargs: Any) -> str:
        return tokens.mint(user, key_dir=dev_key_dir, **kwargs)

    return make


@pytest.fixture
def user_id() -> str:
    """A fresh user per test: tests share a table, never a user."""
    return f"user-{ULID()}"


@pytest.fixture
def token(make_token: Callable[..., str], user_id: str) -> str:
    return make_token(user_id)


class GraphQLClient:
    """Posts operations the way a mobile client does and returns the parsed response."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def post(self, query: str, variables: dict[str, Any] | None = None, **headers: str) -> Any:
        all_headers = {"Accept": "application/graphql-response+json", **headers}
        if self.token:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=all_headers
        )

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no errors."""
        body = self(query, variables)
        assert "errors" not in body, body.get("errors")
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture
def gql(client: TestClient, token: str) -> GraphQLClient:
    return GraphQLClient(client, token)


@pytest.fixture
def anonymous(client: TestClient) -> GraphQLClient:
    return GraphQLClient(client, None)


class Clock:
    """The server's wall clock, moved by hand: every service of an app built on it reads it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def server_clock() -> Clock:
    """An evening (UTC) after the fixed times the sync tests send (tests/sync/conftest.py `at`)."""
    return Clock(datetime(2026, 3, 10, 18, 30, tzinfo=UTC))


def clocked_app(settings: Settings, clock: Callable[[], datetime]) -> Any:
    """The app with every service on `clock` ("today", budgets, presence, profiles, audit times)."""
    return create_app(services=Services.build(settings, clock=clock))


@pytest.fixture
def clocked(
    settings: Settings, server_clock: Clock, make_token: Callable[..., str], user_id: str
) -> Iterator[GraphQLClient]:
    """A GraphQL client (the `user_id` user) of an app whose clock is `server_clock`."""
    with TestClient(clocked_app(settings, server_clock)) as test_client:
        yield GraphQLClient(test_client, make_token(user_id))
