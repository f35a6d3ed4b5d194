"""Structured JSON logs and EMF metrics (Powertools for AWS Lambda), shared by the whole app."""

from __future__ import annotations

import json
import logging
from typing import Any

from aws_lambda_powertools import Logger, Metrics

SERVICE = "tether"

# What a JSON text can begin with (json.loads skips leading whitespace; NaN and Infinity are its
# extensions).
_JSON_STARTS = frozenset('{["-0123456789tfnNI \t\n\r')


def decode_message(message: dict[Any, Any] | str | bool | int | float) -> Any:
    """Powertools' decoding of a log message that is itself JSON (logged as structure), minus the
    decoder's raised-and-caught error for every message that cannot be JSON: ours are sentences."""
    if not isinstance(message, str):
        raise TypeError("not a string")  # as json.loads would (Powertools passes only strings)
    if not message or message[0] not in _JSON_STARTS:
        raise ValueError("not JSON")
    return json.loads(message)


logger = Logger(service=SERVICE, json_deserializer=decode_message)
metrics = Metrics(namespace="Tether", service=SERVICE)

# Libraries that log request bodies at DEBUG (DynamoDB items, provider prompts) stay at WARNING even
# when the root logger is at DEBUG: chat text and other user content never reach the logs.
QUIET_LIBRARIES = ("botocore", "boto3", "pynamodb", "urllib3", "openai", "anthropic", "httpx2", "httpcore2")
for _name in QUIET_LIBRARIES:
    logging.getLogger(_name).setLevel(logging.WARNING)
