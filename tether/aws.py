"""boto3 clients for the AWS services the core calls (S3, SQS, Bedrock), one session each."""

from __future__ import annotations

import os
from typing import Any, Literal

from botocore.config import Config


def aws_client(
    service: Literal["s3", "sqs", "bedrock-runtime"],
    *,
    region: str,
    endpoint: str | None,
    config: Config,
    local: bool,
) -> Any:
    """A client of `service` on a session of its own (boto3's default session is not thread-safe).

    `local`: the endpoint is a local stand-in (tests, `make dev`). It needs some credentials to sign
    with, so placeholder ones are used unless real ones are in the environment; no real AWS service
    accepts them. In AWS the function's role signs."""
    # boto3 (with s3transfer, ~50 ms) is imported by the first client, not at import: a Lambda answering
    # syncs creates none (its DynamoDB client is botocore's, through PynamoDB).
    import boto3

    placeholder = local and not os.environ.get("AWS_ACCESS_KEY_ID")
    return boto3.session.Session().client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        config=config,
        aws_access_key_id="local" if placeholder else None,
        aws_secret_access_key="local" if placeholder else None,
    )


def job_queue_client(*, region: str, endpoint: str | None) -> Any:
    """The SQS client a request hands jobs over with (reply jobs, catalog publish jobs): short
    timeouts and one retry, since the request has committed its change and answers either way."""
    return aws_client(
        "sqs",
        region=region,
        endpoint=endpoint,
        local=endpoint is not None,
        config=Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2}),
    )
