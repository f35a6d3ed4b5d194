"""The long-lived parts of the core, built once per process from the settings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tether import attachments, audit
from tether.accounts import Accounts
from tether.accounts.consents import has_consent
from tether.audit import AuditLog
from tether.catalog.catalog import Catalog
from tether.catalog.editor import Editor
from tether.catalog.index import IndexStore
from tether.catalog.media import MediaStore
from tether.catalog.model import user_view
from tether.catalog.publishing import Publisher, publish_queue
from tether.chat.assistant import Assistant
from tether.chat.facts import LongTermMemory
from tether.chat.providers.factory import build_provider
from tether.chat.queue import reply_queue
from tether.chat.suggestions import SuggestionBook
from tether.chat.tools import Toolbox
from tether.collections import COLLECTIONS
from tether.entitlements.plans import CHAT_FEATURE, ChatBudget, Plans
from tether.entitlements.play import GooglePlayApi, PushVerifier
from tether.entitlements.purchases import Purchases, app_store_of
from tether.entitlements.service import Entitlements
from tether.media import Media
from tether.people import People
from tether.persisted import DocumentRegistry
from tether.poke import Pokes, poster_for
from tether.ratelimit import RateLimiter, parse_limits
from tether.secrets import audit_key, cursor_key
from tether.settings import Settings
from tether.storage.base import TetherModel
from tether.sync.engine import CommitHook, SyncEngine
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
    publisher: Publisher  # the catalog's read index after editors' changes (queued where configured)
    documents: DocumentRegistry  # persisted queries registered by clients (APQ)
    limits: RateLimiter
    people: People
    entitlements: Entitlements
    purchases: Purchases
    uploads: Uploads
    pokes: Pokes  # the WebSocket "pull now" channel (docs/sync.md)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # the one wall clock of the core

    @classmethod
    def build(cls, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Services:
        """Every service of the deployment, all on `clock` (tests inject one they move by hand)."""
        now = clock or (lambda: datetime.now(UTC))
        attachments.configure(settings)
        pokes = Pokes(poster_for(settings), timedelta(seconds=settings.websocket_ttl_seconds), now)
        engine = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
            shared_feeds=[SharedFeed("catalog", settings.catalog_partition, user_view)],
            shared_head_ttl=timedelta(seconds=settings.catalog_head_ttl_seconds),
            presence_interval=timedelta(seconds=settings.presence_interval_seconds),
            clock=now,
            on_commit=_poke(pokes, settings.catalog_partition),
        )
        log = AuditLog(audit_key(settings), clock=now)
        audit.configure(log)
        media = Media(settings)
        people = People(log, audit_key(settings), media, clock=now)
        accounts = Accounts(settings, log, media, clock=now, estate=people.estate)
        store = MediaStore(settings, media)
        index = IndexStore(media, settings.catalog_partition) if settings.media_bucket else None
        catalog = Catalog(engine, store, clock=now, index=index)
        publisher = Publisher(catalog, publish_queue(settings))
        entitlements = Entitlements(
            engine,
            Plans.load(settings.plans_file),
            default_chat=ChatBudget(settings.chat_daily_messages, settings.chat_daily_tokens),
            log=log,
            clock=now,
        )
        people.directory.on_grant = pokes.touch  # a sharing grant pokes the member and the profile
        accounts.erasure.release = entitlements.release_purchases  # erasure lets go of its purchases
        uploads = Uploads(settings, engine, media, now)
        chat = Assistant(
            settings,
            engine,
            build_provider(settings),
            consent=lambda user_id: _chat_allowed(accounts, entitlements, user_id),
            track_title=catalog.track_title,
            collection_title=catalog.collection_title,
            now=now,
            limits=lambda user_id: _chat_limits(entitlements, user_id),
            read_file=uploads.content,
            queue=reply_queue(settings),
            recall=_recall(settings),
            toolbox=Toolbox(
                catalog, max_chars=settings.chat_tool_result_chars, now=now, access=entitlements.access
            )
            if settings.chat_tools
            else None,
        )
        # A sent message's PENDING reply is committed with it: waiting pulls poll fast meanwhile.
        engine.follow_up_window = chat.reply_window()
        suggestions = SuggestionBook.load(settings.chat_suggestions_file)
        return cls(
            settings=settings,
            sync=engine,
            chat=chat,
            suggestions=suggestions,
            audit=log,
            accounts=accounts,
            catalog=catalog,
            editor=Editor(
                engine,
                catalog,
                store,
                log=log,
                clock=now,
                entitlements=frozenset(entitlements.plans.entitlements),
                publisher=publisher,
            ),
            publisher=publisher,
            entitlements=entitlements,
            purchases=Purchases(
                entitlements,
                app_store=app_store_of(settings),
                play=GooglePlayApi(settings) if settings.play_package_name else None,
                play_package=settings.play_package_name,
                push=PushVerifier(settings) if settings.play_package_name else None,
            ),
            documents=DocumentRegistry.for_settings(settings, clock=now),
            limits=RateLimiter(
                parse_limits(settings.request_limits), batch=settings.rate_limit_batch, clock=now
            ),
            people=people,
            uploads=uploads,
            pokes=pokes,
            clock=now,
        )


def _poke(pokes: Pokes, catalog_partition: str) -> CommitHook:
    """After a commit: the partition's open connections (as its read found them) are poked; a
    catalog change pokes every connection (the catalog is everyone's feed)."""

    def hook(partition: str, client_id: str | None, read: Sequence[TetherModel]) -> None:
        if partition == catalog_partition:
            pokes.everyone()
        else:
            pokes.after_commit(partition, client_id, read)

    return hook


def _chat_allowed(accounts: Accounts, entitlements: Entitlements, user_id: str) -> None:
    """The assistant answers users who gave its consents and, when plans gate `chat`, hold it."""
    accounts.consents.require(user_id, "chat")
    entitlements.require_feature(user_id, CHAT_FEATURE)


def _recall(settings: Settings) -> LongTermMemory | None:
    """Long-term memory, when the deployment names its consent kind (docs/chat.md)."""
    if not settings.chat_memory_consent:
        return None
    return LongTermMemory(
        kind=settings.chat_memory_consent,
        facts=settings.chat_memory_facts,
        fact_chars=settings.chat_memory_fact_chars,
        tokens=settings.chat_memory_fact_tokens,
        granted=has_consent,
    )


def _chat_limits(entitlements: Entitlements, user_id: str) -> tuple[int, int]:
    budget = entitlements.chat_budget(user_id)
    return budget.daily_messages, budget.daily_tokens
