"""The long-lived parts of the core, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tether.catalog.catalog import Catalog
from tether.catalog.editor import Editor
from tether.catalog.media import MediaStore
from tether.catalog.model import user_view
from tether.collections import COLLECTIONS
from tether.secrets import cursor_key
from tether.settings import Settings
from tether.sync.engine import SyncEngine
from tether.sync.feeds import SharedFeed


@dataclass(frozen=True)
class Services:
    settings: Settings
    sync: SyncEngine
    catalog: Catalog
    editor: Editor

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
            shared_feeds=[SharedFeed("catalog", settings.catalog_partition, user_view)],
            shared_head_ttl=timedelta(seconds=settings.catalog_head_ttl_seconds),
        )
        media = MediaStore(settings)
        catalog = Catalog(engine, media)
        return cls(settings=settings, sync=engine, catalog=catalog, editor=Editor(engine, catalog, media))
