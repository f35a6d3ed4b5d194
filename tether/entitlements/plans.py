"""The plans file (TETHER_PLANS_FILE): entitlements, which store products grant them, which features
they open, and the chat budgets they bring. Read and checked once at startup.

    {
      "entitlements": {"premium": {"description": "...", "chat": {"dailyMessages": 500, "dailyTokens": 1000000}}},
      "products": {"com.example.app.premium.monthly": ["premium"]},
      "features": {"doctor_reports": ["premium"], "chat": ["premium"]}
    }

A feature is open to an account holding any one of its entitlements. The feature `chat`, when the
file names it, gates the AI assistant itself. Chat budgets: the largest of the account's usable
entitlements', else the deployment's defaults (TETHER_CHAT_DAILY_MESSAGES / _TOKENS).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tether.entitlements.model import NAME
from tether.errors import ConfigurationError

BUNDLED = Path(__file__).resolve().parent / "plans.json"
FEATURE = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
PRODUCT = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
CHAT_FEATURE = "chat"


@dataclass(frozen=True)
class ChatBudget:
    daily_messages: int
    daily_tokens: int


@dataclass(frozen=True)
class Plans:
    entitlements: Mapping[str, str] = field(default_factory=dict)  # name -> description
    products: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    chat: Mapping[str, ChatBudget] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Plans:
        source = Path(path) if path else BUNDLED
        try:
            raw = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"TETHER_PLANS_FILE {source}: {error}") from None
        return cls.parse(raw, str(source))

    @classmethod
    def parse(cls, raw: Any, where: str = "plans") -> Plans:
        if not isinstance(raw, Mapping) or set(raw) - {"entitlements", "products", "features"}:
            raise ConfigurationError(f"{where}: an object of entitlements, products and features")
        entitlements: dict[str, str] = {}
        chat: dict[str, ChatBudget] = {}
        for name, spec in _object(raw.get("entitlements"), f"{where}.entitlements").items():
            if not NAME.match(name) or not isinstance(spec, Mapping):
                raise ConfigurationError(f"{where}.entitlements.{name}: a name (a-z 0-9 _ . -) and an object")
            entitlements[name] = str(spec.get("description") or "")
            if spec.get("chat") is not None:
                chat[name] = _chat(spec["chat"], f"{where}.entitlements.{name}.chat")
        return cls(
            entitlements=entitlements,
            products=_names(raw.get("products"), PRODUCT, entitlements, f"{where}.products"),
            features=_names(raw.get("features"), FEATURE, entitlements, f"{where}.features"),
            chat=chat,
        )

    def granted_by(self, product_id: str) -> tuple[str, ...]:
        """The entitlements a store product grants (none for a product the file doesn't name)."""
        return self.products.get(product_id, ())

    def features_of(self, names: Iterable[str]) -> list[str]:
        held = set(names)
        return sorted(feature for feature, needs in self.features.items() if held & set(needs))

    def gates(self, feature: str) -> tuple[str, ...] | None:
        """The entitlements that open `feature`, or None when the feature is open to everyone."""
        return self.features.get(feature)

    def chat_budget(self, names: Iterable[str], default: ChatBudget) -> ChatBudget:
        budgets = [self.chat[name] for name in names if name in self.chat]
        if not budgets:
            return default
        return ChatBudget(
            max(budget.daily_messages for budget in budgets), max(budget.daily_tokens for budget in budgets)
        )


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where} must be an object")
    return value


def _names(
    value: Any, key: re.Pattern[str], known: Mapping[str, str], where: str
) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for name, entitlements in _object(value, where).items():
        if not key.match(name):
            raise ConfigurationError(f"{where}: {name!r} is not a valid name")
        if not isinstance(entitlements, list) or not entitlements:
            raise ConfigurationError(f"{where}.{name} must be a non-empty list of entitlement names")
        unknown = [entitlement for entitlement in entitlements if entitlement not in known]
        if unknown:
            raise ConfigurationError(
                f"{where}.{name} names undeclared entitlements: {', '.join(map(str, unknown))}"
            )
        found[name] = tuple(entitlements)
    return found


def _chat(value: Any, where: str) -> ChatBudget:
    spec = _object(value, where)
    try:
        messages, tokens = int(spec["dailyMessages"]), int(spec["dailyTokens"])
    except (KeyError, TypeError, ValueError):
        raise ConfigurationError(f"{where} needs integer dailyMessages and dailyTokens") from None
    if messages < 1 or tokens < 1:
        raise ConfigurationError(f"{where}: dailyMessages and dailyTokens must be at least 1")
    return ChatBudget(messages, tokens)
