"""With metrics disabled (`POWERTOOLS_METRICS_DISABLED`, the dev server, the benchmarks), an
invocation's metrics are dropped at its end, as a published set is: nothing reaches stdout, and a
warm function keeps no metrics of earlier invocations (Powertools kept a disabled set for ever,
printed it whenever a metric reached 100 values, and formatted the growing list into a debug
message on every `add_metric`)."""

from __future__ import annotations

import json

import pytest

from app import LambdaHandler
from tests.deploy.lambda_support import FakeLambdaContext, load_event
from tether.telemetry import metrics

INVOCATIONS = 120  # past Powertools' 100 values a metric, where it printed the set


def test_disabled_metrics_are_dropped_with_each_invocation(
    lambda_handler: LambdaHandler, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    capsys.readouterr()
    for n in range(INVOCATIONS):
        response = lambda_handler(
            load_event("http_api_post_graphql.json"), FakeLambdaContext(aws_request_id=f"r{n}")
        )
        assert response["statusCode"] == 200
        assert metrics.provider.metric_set == {}, n
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert not [line for line in printed if "_aws" in line]  # no EMF document while disabled
