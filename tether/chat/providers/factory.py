"""Build the provider the settings choose."""

from __future__ import annotations

from tether.chat.config import PROVIDERS
from tether.chat.providers.base import NOT_CONFIGURED, Provider, ProviderError
from tether.errors import ConfigurationError
from tether.secrets import secret
from tether.settings import Settings


def build_provider(settings: Settings) -> Provider:
    """The configured provider; nothing is fetched or connected until its first request."""
    name = settings.chat_provider
    if name == "local":
        from tether.chat.providers.local import LocalProvider

        return LocalProvider()
    if name == "bedrock":
        from tether.chat.providers.bedrock import BedrockProvider

        return BedrockProvider(
            model=settings.chat_bedrock_model,
            region=settings.region,
            endpoint=settings.chat_bedrock_endpoint,
            connect_timeout=settings.chat_connect_timeout_seconds,
        )

    def api_key(fresh: bool = False) -> str | None:
        try:
            return secret(settings.chat_api_key, settings.chat_api_key_arn, fresh=fresh)
        except Exception as error:  # Secrets Manager / SSM unreachable or denied
            raise ProviderError(NOT_CONFIGURED, kind=type(error).__name__) from None

    if name == "openai":
        from tether.chat.providers.openai_api import OpenAIProvider

        return OpenAIProvider(
            model=settings.chat_openai_model,
            api_key=api_key,
            base_url=settings.chat_openai_base_url,
            connect_timeout=settings.chat_connect_timeout_seconds,
        )
    if name == "anthropic":
        from tether.chat.providers.anthropic_api import AnthropicProvider

        return AnthropicProvider(
            model=settings.chat_anthropic_model,
            api_key=api_key,
            base_url=settings.chat_anthropic_base_url,
            connect_timeout=settings.chat_connect_timeout_seconds,
        )
    raise ConfigurationError(f"TETHER_CHAT_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}")
