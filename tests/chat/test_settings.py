"""Chat settings: read from the environment, and refused at startup when they cannot work."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tether.errors import ConfigurationError
from tether.services import Services
from tether.settings import Settings


def test_chat_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "TETHER_CHAT_PROVIDER": "anthropic",
            "TETHER_CHAT_TIME_BUDGET_SECONDS": "15.5",
            "TETHER_CHAT_DAILY_MESSAGES": "40",
            "TETHER_CHAT_SYSTEM_PROMPT": "Be brief.",
        }
    )
    assert settings.chat_provider == "anthropic"
    assert settings.chat_time_budget_seconds == 15.5
    assert settings.chat_daily_messages == 40
    assert settings.chat_system_prompt == "Be brief."
    assert Settings().chat_provider == "local", "development needs no network and no keys"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # the Lambda times out at 28 s
        ({"chat_time_budget_seconds": 25.0}, "TETHER_CHAT_TIME_BUDGET_SECONDS must be between 1 and 24"),
        ({"chat_time_budget_seconds": 0.5}, "TETHER_CHAT_TIME_BUDGET_SECONDS must be between 1 and 24"),
        ({"chat_provider_timeout_seconds": 0.0}, "the chat provider timeouts must be positive"),
        ({"chat_provider_max_retries": -1}, "TETHER_CHAT_PROVIDER_MAX_RETRIES >= 0"),
        # the longest message would not fit
        ({"chat_memory_tokens": 1000}, "TETHER_CHAT_MEMORY_TOKENS must be at least 1200"),
        ({"chat_daily_messages": 0}, "TETHER_CHAT_DAILY_MESSAGES must be at least 1"),
        ({"chat_provider": "gpt"}, "TETHER_CHAT_PROVIDER must be one of local, bedrock, openai, anthropic"),
    ],
)
def test_settings_that_cannot_work_stop_the_deployment(
    settings: Settings, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        Services.build(dataclasses.replace(settings, **overrides))  # type: ignore[arg-type]
