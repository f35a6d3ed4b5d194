"""Amazon Bedrock's Converse API through boto3, with an explicit botocore Config per time budget."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from tether.aws import aws_client
from tether.chat.providers.base import (
    ERROR,
    NOT_CONFIGURED,
    RATE_LIMITED,
    REFUSED,
    TIMEOUT,
    UNAVAILABLE,
    ChatRequest,
    ChatResponse,
    ProviderError,
    Turn,
    joined,
)
from tether.chat.providers.tool_use import bedrock_calls, bedrock_rounds, bedrock_tool_config

# Bedrock's error codes (the `x-amzn-ErrorType` of a failed call), by what they mean for a reply.
ERROR_CODES = {
    "ThrottlingException": RATE_LIMITED,
    "ServiceQuotaExceededException": RATE_LIMITED,
    "ModelTimeoutException": TIMEOUT,
    "AccessDeniedException": NOT_CONFIGURED,
    "ResourceNotFoundException": NOT_CONFIGURED,
    "UnrecognizedClientException": NOT_CONFIGURED,
    "ValidationException": REFUSED,
    "ModelErrorException": UNAVAILABLE,
    "ModelNotReadyException": UNAVAILABLE,
    "ServiceUnavailableException": UNAVAILABLE,
    "InternalServerException": UNAVAILABLE,
}


class BedrockProvider:
    name = "bedrock"

    def __init__(self, *, model: str, region: str, endpoint: str | None, connect_timeout: float) -> None:
        self.model = model
        self._region = region
        self._endpoint = endpoint
        self._connect_timeout = connect_timeout

    def complete(self, request: ChatRequest) -> ChatResponse:
        client = self._client(max(0.1, math.floor(request.timeout * 10) / 10), request.max_retries)
        messages = [{"role": turn.role, "content": converse_content(turn)} for turn in joined(request.turns)]
        messages += bedrock_rounds(request.rounds)
        tools: dict[str, Any] = {"toolConfig": bedrock_tool_config(request.tools)} if request.tools else {}
        try:
            response = client.converse(
                modelId=self.model,
                system=[{"text": request.system}],
                messages=messages,
                inferenceConfig={"maxTokens": request.max_tokens},
                **tools,
            )
        except (ReadTimeoutError, ConnectTimeoutError) as error:
            raise ProviderError(TIMEOUT, kind=type(error).__name__) from None
        except EndpointConnectionError as error:
            raise ProviderError(UNAVAILABLE, kind=type(error).__name__) from None
        except NoCredentialsError as error:
            raise ProviderError(NOT_CONFIGURED, kind=type(error).__name__) from None
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            raise ProviderError(
                ERROR_CODES.get(code, ERROR), status=status, kind=code or "ClientError"
            ) from None
        except BotoCoreError as error:
            raise ProviderError(ERROR, kind=type(error).__name__) from None
        content = response.get("output", {}).get("message", {}).get("content", [])
        text = "".join(block["text"] for block in content if "text" in block)
        calls = bedrock_calls(content)
        if response.get("stopReason") in ("content_filtered", "guardrail_intervened") or not (text or calls):
            raise ProviderError(REFUSED, kind=f"stopReason={response.get('stopReason')}")
        usage = response.get("usage", {})
        return ChatResponse(
            text=text,
            model=self.model,
            input_tokens=usage.get("inputTokens"),
            output_tokens=usage.get("outputTokens"),
            tool_calls=calls,
        )

    def _client(self, read_timeout: float, retries: int) -> Any:
        return _bedrock_client(self._region, self._endpoint, self._connect_timeout, read_timeout, retries)


# Converse's format names for the types Tether sends (tether/chat/files.py BEDROCK).
DOCUMENT_FORMATS = {"application/pdf": "pdf", "text/plain": "txt"}
IMAGE_FORMATS = {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp"}
NOT_IN_NAME = re.compile(r"[^A-Za-z0-9\s\-()\[\]]+")
MAX_NAME = 200


def converse_content(turn: Turn) -> list[dict[str, Any]]:
    """A turn's content blocks: its files as `document` / `image` blocks (raw bytes; boto3
    base64-encodes them), then its text."""
    blocks: list[dict[str, Any]] = []
    names: set[str] = set()
    for part in turn.parts:
        if part.kind == "image":
            blocks.append(
                {"image": {"format": IMAGE_FORMATS[part.content_type], "source": {"bytes": part.data}}}
            )
            continue
        name = document_name(part.name, names)
        names.add(name)
        blocks.append(
            {
                "document": {
                    "format": DOCUMENT_FORMATS[part.content_type],
                    "name": name,
                    "source": {"bytes": part.data},
                }
            }
        )
    blocks.append({"text": turn.text})
    return blocks


def document_name(filename: str, taken: set[str]) -> str:
    """A document's name as Converse allows it: letters, digits, single spaces, hyphens,
    parentheses and square brackets (the extension and anything else become a space), unique
    within the request."""
    stem = filename.rsplit(".", 1)[0] if "." in filename.strip(".") else filename
    name = " ".join(NOT_IN_NAME.sub(" ", stem).split())[:MAX_NAME].strip() or "document"
    unique, number = name, 2
    while unique in taken:
        unique = f"{name} ({number})"
        number += 1
    return unique


@lru_cache(maxsize=16)
def _bedrock_client(
    region: str, endpoint: str | None, connect_timeout: float, read_timeout: float, retries: int
) -> Any:
    """One client per (timeout, retries): botocore sets both per client, not per call."""
    config = Config(
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        retries={"total_max_attempts": retries + 1, "mode": "standard"},
    )
    return aws_client(
        "bedrock-runtime", region=region, endpoint=endpoint, config=config, local=endpoint is not None
    )
