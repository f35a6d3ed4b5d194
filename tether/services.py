"""The long-lived parts of the core, built once per process from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether import attachments, audit
from tether.accounts import Accounts
from tether.audit import AuditLog
from tether.catalog.catalog import Catalog
from tether.catalog.editor import Editor
from tether.catalog.media import MediaStore
from tether.catalog.model import user_view
from tether.chat.assistant import Assistant
from tether.chat.providers.factory import build_provider
from tether.chat.suggestions import SuggestionBook
from tether.collections import COLLECTIONS
from tether.media import Media
from tether.secrets import audit_key, cursor_key
from tether.settings import Settings
from tether.sync.engine import SyncEngine
from tether.sync.feeds import SharedFeed
from tether.uploads import Uploads


@dataclass(frozen=True)
class Services:
    settings: Settings
    sync: SyncEngine
    chat: Assistant
    suggestions: SuggestionBook
    audit: AuditLog  # the audit trail (`tether.audit.record` appends to the same log)
    accounts: Accounts
    catalog: Catalog
    editor: Editor
    uploads: Uploads
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the one wall clock of the core

    @classmethod
    def build(cls, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
        """Every service of the deployment, all on `clock` (tests inject one they move by hand)."""
        now = clock or (lambda: datetime.now(UTC))
        attachments.configure(settings)
        engine = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
            shared_feeds=[SharedFeed("catalog", settings.catalog_partition, user_view)],
            shared_head_ttl=timedelta(seconds=settings.catalog_head_ttl_seconds),
            presence_interval=timedelta(seconds=settings.presence_interval_seconds),
            clock=now,
        )
        log = AuditLog(audit_key(settings), clock=now)
        audit.configure(log)
        media = Media(settings)
        accounts = Accounts(settings, log, media, clock=now)
        store = MediaStore(settings, media)
        catalog = Catalog(engine, store, clock=now)
        chat = Assistant(
            settings,
            engine,
            build_provider(settings),
            consent=lambda user_id: accounts.consents.require(user_id, "chat"),
            track_title=catalog.track_title,
            now=now,
        )
        suggestions = SuggestionBook.load(settings.chat_suggestions_file)
        return cls(
            settings=settings,
            sync=engine,
            chat=chat,
            suggestions=suggestions,
            audit=log,
            accounts=accounts,
            catalog=catalog,
            editor=Editor(engine, catalog, store, log=log, clock=now),
            uploads=Uploads(settings, engine, media, now),
            clock=now,
        )
