"""The Lambda path's fixtures (tests/deploy/conftest.py), for the telemetry tests."""

from tests.deploy.conftest import lambda_context, lambda_handler, make_lambda_handler

__all__ = ["lambda_context", "lambda_handler", "make_lambda_handler"]
