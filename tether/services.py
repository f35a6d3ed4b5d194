"""The long-lived parts of the core, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tether.collections import COLLECTIONS
from tether.secrets import cursor_key
from tether.settings import Settings
from tether.sync.engine import SyncEngine


@dataclass(frozen=True)
class Services:
    settings: Settings
    sync: SyncEngine

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
        )
        return cls(settings=settings, sync=engine)
