"""Provider API keys: from the environment locally, from SSM or Secrets Manager by ARN in AWS (cached)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters import base
from botocore.stub import Stubber

from tests.chat.conftest import Answer, FakeAPI, Received, openai_error, openai_reply
from tether.chat.providers.base import ChatRequest, ProviderError, Turn
from tether.chat.providers.factory import build_provider
from tether.secrets import secret
from tether.settings import Settings

SSM_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/tether/prod/chat-api-key"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:chat-key-AbCdEf"


CREDENTIALS: dict[str, Any] = {
    "region_name": "us-east-1",
    "aws_access_key_id": "x",
    "aws_secret_access_key": "x",
}


@pytest.fixture
def stubs() -> Iterator[tuple[Stubber, Stubber]]:
    ssm = boto3.session.Session().client("ssm", **CREDENTIALS)
    secrets = boto3.session.Session().client("secretsmanager", **CREDENTIALS)
    defaults: dict[str, Any] = vars(base)["DEFAULT_PROVIDERS"]  # what get_parameter / get_secret use
    with Stubber(ssm) as ssm_stub, Stubber(secrets) as secrets_stub:
        defaults["ssm"] = parameters.SSMProvider(boto3_client=ssm)
        defaults["secrets"] = parameters.SecretsProvider(boto3_client=secrets)
        yield ssm_stub, secrets_stub
    defaults.clear()


def test_a_key_given_directly_wins() -> None:
    assert secret("sk-local", SSM_ARN) == "sk-local"
    assert secret(None, None) is None


def test_an_ssm_arn_is_read_decrypted_and_cached(stubs: tuple[Stubber, Stubber]) -> None:
    ssm, _ = stubs
    ssm.add_response(
        "get_parameter",
        {"Parameter": {"Name": SSM_ARN, "Type": "SecureString", "Value": "sk-from-ssm"}},
        {"Name": SSM_ARN, "WithDecryption": True},
    )
    assert secret(None, SSM_ARN) == "sk-from-ssm"
    assert secret(None, SSM_ARN) == "sk-from-ssm"  # cached: the stub allows one call only
    ssm.assert_no_pending_responses()


def test_a_secrets_manager_arn_is_read_and_cached(stubs: tuple[Stubber, Stubber]) -> None:
    _, secrets = stubs
    secrets.add_response("get_secret_value", {"SecretString": "sk-from-secrets"}, {"SecretId": SECRET_ARN})
    assert secret(None, SECRET_ARN) == "sk-from-secrets"
    assert secret(None, SECRET_ARN) == "sk-from-secrets"
    secrets.assert_no_pending_responses()


def test_a_rejected_key_is_fetched_again_past_the_cache(
    stubs: tuple[Stubber, Stubber], fake_api: FakeAPI, settings: Settings
) -> None:
    """The key was rotated: the provider answers 401 to the cached one; the next request fetches
    the parameter again (not from the 5-minute cache) and succeeds with the new key."""
    ssm, _ = stubs
    for value in ("sk-old", "sk-new"):
        ssm.add_response(
            "get_parameter",
            {"Parameter": {"Name": SSM_ARN, "Type": "SecureString", "Value": value}},
            {"Name": SSM_ARN, "WithDecryption": True},
        )

    def answer(request: Received) -> Answer:
        if request.headers.get("authorization") != "Bearer sk-new":
            return openai_error(401, "invalid_api_key")
        return openai_reply("hello")

    fake_api.default = answer
    provider = build_provider(
        dataclasses.replace(
            settings,
            chat_provider="openai",
            chat_api_key=None,
            chat_api_key_arn=SSM_ARN,
            chat_openai_base_url=f"{fake_api.url}/v1",
        )
    )
    request = ChatRequest(system="s", turns=[Turn("user", "hi")], max_tokens=50, timeout=5.0, max_retries=0)
    with pytest.raises(ProviderError) as raised:
        provider.complete(request)
    assert raised.value.code == "PROVIDER_NOT_CONFIGURED"
    assert provider.complete(request).text == "hello"
    ssm.assert_no_pending_responses()  # fetched twice: the second fetch bypassed the cache
    assert provider.complete(request).text == "hello"  # and the fresh key is cached again
