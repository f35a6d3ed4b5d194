"""Fixtures for the Lambda path: API Gateway events, a fake Lambda context, the handler and its logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from app import LambdaHandler, create_app, make_handler
from tests.deploy.lambda_support import FakeLambdaContext
from tether.settings import Settings
from tether.telemetry import logger


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def make_lambda_handler() -> Callable[[Settings], LambdaHandler]:
    """`app.handler`, built the same way (`make_handler(create_app(...))`) for given settings."""

    def make(settings: Settings) -> LambdaHandler:
        return make_handler(create_app(settings))

    return make


@pytest.fixture
def lambda_handler(
    settings: Settings, make_lambda_handler: Callable[[Settings], LambdaHandler]
) -> LambdaHandler:
    return make_lambda_handler(settings)


@pytest.fixture
def lambda_logs() -> Iterator[io.StringIO]:
    """Everything the Powertools logger prints (JSON lines, as on Lambda's stdout) during the test."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.stream
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)
