"""The chat settings, checked when the deployment starts (Services), before the assistant (built on
its first use) imports its modules."""

from __future__ import annotations

from tether.accounts.consents import KIND
from tether.errors import ConfigurationError
from tether.settings import Settings

LAMBDA_TIMEOUT_SECONDS = 28
PROVIDERS = ("local", "bedrock", "openai", "anthropic")


def check_chat(settings: Settings) -> None:
    """The chat settings must fit together (and the Lambda's timeout), and name a known provider."""
    if settings.chat_provider not in PROVIDERS:
        raise ConfigurationError(
            f"TETHER_CHAT_PROVIDER must be one of {', '.join(PROVIDERS)}, not {settings.chat_provider!r}"
        )
    most = LAMBDA_TIMEOUT_SECONDS - 4
    if not 1 <= settings.chat_time_budget_seconds <= most:
        raise ConfigurationError(f"TETHER_CHAT_TIME_BUDGET_SECONDS must be between 1 and {most}")
    if settings.chat_provider_timeout_seconds <= 0 or settings.chat_connect_timeout_seconds <= 0:
        raise ConfigurationError("the chat provider timeouts must be positive")
    if settings.chat_provider_max_retries < 0 or settings.chat_max_attempts < 1:
        raise ConfigurationError("TETHER_CHAT_PROVIDER_MAX_RETRIES >= 0 and TETHER_CHAT_MAX_ATTEMPTS >= 1")
    if settings.chat_memory_tokens < 1200:
        raise ConfigurationError("TETHER_CHAT_MEMORY_TOKENS must be at least 1200 (the longest message fits)")
    if not 1 <= settings.chat_memory_facts <= 100 or not 20 <= settings.chat_memory_fact_chars <= 500:
        raise ConfigurationError("TETHER_CHAT_MEMORY_FACTS is 1-100, TETHER_CHAT_MEMORY_FACT_CHARS 20-500")
    if not 500 <= settings.chat_tool_result_chars <= 20_000:
        raise ConfigurationError("TETHER_CHAT_TOOL_RESULT_CHARS must be between 500 and 20000")
    if settings.chat_memory_consent and not KIND.match(settings.chat_memory_consent):
        raise ConfigurationError("TETHER_CHAT_MEMORY_CONSENT must be a consent kind (e.g. ai_memory)")
    for name in ("chat_max_output_tokens", "chat_summary_tokens", "chat_daily_messages", "chat_daily_tokens"):
        if getattr(settings, name) < 1:
            raise ConfigurationError(f"TETHER_{name.upper()} must be at least 1")
