"""The long-lived parts of the core, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tether.chat.assistant import Assistant
from tether.chat.providers.factory import build_provider
from tether.chat.suggestions import SuggestionBook
from tether.collections import COLLECTIONS
from tether.secrets import cursor_key
from tether.settings import Settings
from tether.sync.engine import SyncEngine


@dataclass(frozen=True)
class Services:
    settings: Settings
    sync: SyncEngine
    chat: Assistant
    suggestions: SuggestionBook

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        )
        chat = Assistant(settings, engine, build_provider(settings))
        suggestions = SuggestionBook.load(settings.chat_suggestions_file)
        return cls(settings=settings, sync=engine, chat=chat, suggestions=suggestions)
