"""A fake Lambda context and the stored API Gateway events, for driving the real handler."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


@dataclass
class FakeLambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools and the app read)."""

    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "tether-dev-graphql"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tether-dev-graphql"
    log_group_name: str = "/aws/lambda/tether-dev-graphql"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"
    remaining_millis: int = 28_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def load_event(name: str) -> dict[str, Any]:
    """A stored API Gateway event from tests/events/."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return event


def lambda_environment(**variables: str) -> dict[str, str]:
    """This process's environment without its TETHER_/POWERTOOLS_ settings, plus what template.yaml
    gives the function (the Cognito issuer and app client, Powertools' names), plus `variables`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TETHER_", "POWERTOOLS_"))}
    env.update(
        TETHER_JWT_ISSUER="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
        TETHER_JWT_AUDIENCE="4example0client0id0abcdefgh",
        POWERTOOLS_SERVICE_NAME="tether",
        POWERTOOLS_METRICS_NAMESPACE="Tether",
        POWERTOOLS_LOG_LEVEL="INFO",
        AWS_LAMBDA_FUNCTION_NAME="tether-dev-graphql",
    )
    env.update(variables)
    return env


def manifest_event(operation: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The stored HTTP API event (authorizer claims included) carrying one of the app's operations,
    its text as the bundled manifest has it (as Apollo's clients send it, with `__typename`)."""
    from tether.persisted import DEFAULT_MANIFESTS, Manifest

    manifest = Manifest.load(next(path for path in DEFAULT_MANIFESTS if path.is_file()))
    query = next(entry.body for entry in manifest.operations.values() if entry.name == operation)
    event = load_event("http_api_post_graphql.json")
    event["body"] = json.dumps({"query": query, "variables": variables})
    event["headers"]["content-length"] = str(len(event["body"]))
    return event


def sync_pull_event(client_id: str = "coldstart", limit: int = 100) -> dict[str, Any]:
    """The app's SyncPull of a first page (no cursor) through the stored HTTP API event."""
    return manifest_event("SyncPull", {"input": {"clientId": client_id, "cursor": None, "limit": limit}})
