"""Structured JSON logs and EMF metrics (Powertools for AWS Lambda), shared by the whole app."""

from __future__ import annotations

import logging

from aws_lambda_powertools import Logger, Metrics

SERVICE = "tether"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Tether", service=SERVICE)

# Libraries that log request bodies at DEBUG (DynamoDB items, provider prompts) stay at WARNING even
# when the root logger is at DEBUG: chat text and other user content never reach the logs.
QUIET_LIBRARIES = ("botocore", "boto3", "pynamodb", "urllib3", "openai", "anthropic", "httpx2", "httpcore2")
for _name in QUIET_LIBRARIES:
    logging.getLogger(_name).setLevel(logging.WARNING)
