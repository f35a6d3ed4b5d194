"""The long-lived parts of the core, built once per process from the settings.

What a pull or a push needs is built at once (Lambda's init phase): the sync engine, the account
gate, the rate limiter, the persisted documents, the poke channel. Every other domain (chat, the
catalog, entitlements and purchases, uploads, people, accounts, the audit log) is built, and its
modules imported, when a request first uses it: once per process, under the services' lock, then
read like a plain attribute (a warm Lambda pays nothing more). A cold Lambda answering a pull
imports none of them (tests/deploy/test_coldstart_domains.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from tether import attachments
from tether.accounts.consents import parse_requirements
from tether.accounts.gate import AccountGate
from tether.catalog.model import user_view
from tether.chat.config import check_chat
from tether.chat.model import MESSAGES, THREADS
from tether.chat.suggestions import SuggestionBook
from tether.collections import COLLECTIONS
from tether.entitlements.plans import CHAT_FEATURE, ChatBudget, Plans
from tether.persisted import DocumentRegistry
from tether.poke import Pokes, poster_for
from tether.ratelimit import RateLimiter, parse_limits
from tether.secrets import cursor_key
from tether.settings import Settings
from tether.storage.base import TetherModel
from tether.sync.collection import Collection
from tether.sync.engine import CommitHook, MutationResult, PushResult, SyncEngine
from tether.sync.feeds import SharedFeed

if TYPE_CHECKING:
    from tether.accounts.accounts import Accounts
    from tether.audit import AuditLog
    from tether.catalog.catalog import Catalog
    from tether.catalog.editor import Editor
    from tether.catalog.media import MediaStore
    from tether.catalog.publishing import Publisher
    from tether.chat.assistant import Assistant
    from tether.chat.facts import LongTermMemory
    from tether.entitlements.purchases import Purchases
    from tether.entitlements.service import Entitlements
    from tether.media import Media
    from tether.people.people import People
    from tether.uploads import Uploads

T = TypeVar("T")


class _Domain(Generic[T]):
    """A part of Services built on its first use, once: the build runs under the services' lock
    (a re-entrant one: a domain builds the ones it depends on), and stores the part on the
    instance, where every later read finds it without the lock (a non-data descriptor)."""

    def __init__(self, build: Callable[[Services], T]) -> None:
        self.build = build
        self.name = build.__name__
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, instance: None, owner: type[Services]) -> _Domain[T]: ...

    @overload
    def __get__(self, instance: Services, owner: type[Services]) -> T: ...

    def __get__(self, instance: Services | None, owner: type[Services]) -> _Domain[T] | T:
        if instance is None:
            return self
        with instance._lock:
            built: dict[str, Any] = instance.__dict__
            if self.name not in built:  # another thread may have built it while this one waited
                built[self.name] = self.build(instance)
            value: T = built[self.name]
            return value


def domain(build: Callable[[Services], T]) -> _Domain[T]:
    """Declare a part of Services built on first use (see `_Domain`)."""
    return _Domain(build)


class Services:
    """Every service of the deployment, all on `clock` (tests inject one they move by hand)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.RLock()
        self.settings = settings
        # A misconfigured deployment stops at init, as before its domains were built on first use:
        # what configures them is checked now, without their modules.
        check_chat(settings)
        parse_requirements(settings.required_consents)
        self.plans = Plans.load(settings.plans_file)
        self.suggestions = SuggestionBook.load(settings.chat_suggestions_file)  # chat's starter prompts
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))  # the core's one wall clock
        attachments.configure(settings)
        self.pokes = Pokes(  # the WebSocket "pull now" channel (docs/sync.md)
            poster_for(settings), timedelta(seconds=settings.websocket_ttl_seconds), self.clock
        )
        self.sync = SyncEngine(
            collections=COLLECTIONS,
            cursor_key=cursor_key(settings),
            tombstone_retention=timedelta(days=settings.tombstone_retention_days),
            shared_feeds=[SharedFeed("catalog", settings.catalog_partition, user_view)],
            shared_head_ttl=timedelta(seconds=settings.catalog_head_ttl_seconds),
            presence_interval=timedelta(seconds=settings.presence_interval_seconds),
            clock=self.clock,
            on_commit=_poke(self.pokes, settings.catalog_partition),
            # A sent message's PENDING reply is committed with it: waiting pulls poll fast meanwhile
            # (the assistant's lease, from the settings: the assistant need not be built for it).
            follow_up_window=settings.chat_reply_window,
        )
        # This container's account state (revoked sign-ins, the deletion lock): every push and pull
        # reads it; the accounts' services (tether/accounts) share it when they are built.
        self.gate = AccountGate(deletion_lock=bool(settings.erasure_grace_days), monotonic=monotonic)
        self.limits = RateLimiter(
            parse_limits(settings.request_limits), batch=settings.rate_limit_batch, clock=self.clock
        )
        self.documents = DocumentRegistry.for_settings(settings, clock=self.clock)  # APQ registrations

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Services:
        """The deployment's services; `monotonic` times the account gate's cache."""
        return cls(settings, clock=clock, monotonic=monotonic)

    def follow_up_push(self, profile: str, result: PushResult, started: float) -> None:
        """What follows a durable push, each building its domain only when the push needs it:
        deleted attachments lose their files; a member's messages about what its role can't read
        are refused; sent chat messages get their assistant replies (within a time budget)."""
        if _touches(result.results, attachments.ATTACHMENTS):
            self.uploads.after_push(profile, result.results)
        if _touches(result.results, THREADS, MESSAGES):
            self.chat.screen_push(profile, result.results, result.access)
            self.chat.after_push(profile, result.results, started)

    @domain
    def audit(self) -> AuditLog:
        """The audit trail (`tether.audit.record` appends to the same log once it is built)."""
        from tether import audit
        from tether.secrets import audit_key

        log = audit.AuditLog(audit_key(self.settings), clock=self.clock)
        audit.configure(log)
        return log

    @domain
    def media(self) -> Media:
        from tether.media import Media

        return Media(self.settings)

    @domain
    def people(self) -> People:
        from tether.people.people import People
        from tether.secrets import audit_key

        people = People(self.audit, audit_key(self.settings), self.media, clock=self.clock)
        people.directory.on_grant = self.pokes.touch  # a sharing grant pokes the member and the profile
        return people

    @domain
    def accounts(self) -> Accounts:
        from tether.accounts.accounts import Accounts

        accounts = Accounts(
            self.settings, self.audit, self.media, clock=self.clock, estate=self.people.estate, gate=self.gate
        )
        accounts.erasure.release = lambda user_id: self.entitlements.release_purchases(user_id)
        return accounts

    @domain
    def media_store(self) -> MediaStore:
        from tether.catalog.media import MediaStore

        return MediaStore(self.settings, self.media)

    @domain
    def catalog(self) -> Catalog:
        from tether.catalog.catalog import Catalog
        from tether.catalog.index import IndexStore

        settings = self.settings
        index = IndexStore(self.media, settings.catalog_partition) if settings.media_bucket else None
        return Catalog(self.sync, self.media_store, clock=self.clock, index=index)

    @domain
    def publisher(self) -> Publisher:
        """The catalog's read index after editors' changes (queued where configured)."""
        from tether.catalog.publishing import Publisher, publish_queue

        return Publisher(self.catalog, publish_queue(self.settings))

    @domain
    def editor(self) -> Editor:
        from tether.catalog.editor import Editor

        return Editor(
            self.sync,
            self.catalog,
            self.media_store,
            log=self.audit,
            clock=self.clock,
            entitlements=frozenset(self.entitlements.plans.entitlements),
            publisher=self.publisher,
        )

    @domain
    def entitlements(self) -> Entitlements:
        from tether.entitlements.service import Entitlements

        settings = self.settings
        return Entitlements(
            self.sync,
            self.plans,
            default_chat=ChatBudget(settings.chat_daily_messages, settings.chat_daily_tokens),
            log=self.audit,
            clock=self.clock,
        )

    @domain
    def purchases(self) -> Purchases:
        from tether.entitlements.play import GooglePlayApi, PushVerifier
        from tether.entitlements.purchases import Purchases, app_store_of

        settings = self.settings
        return Purchases(
            self.entitlements,
            app_store=app_store_of(settings),
            play=GooglePlayApi(settings) if settings.play_package_name else None,
            play_package=settings.play_package_name,
            push=PushVerifier(settings) if settings.play_package_name else None,
        )

    @domain
    def uploads(self) -> Uploads:
        from tether.uploads import Uploads

        return Uploads(self.settings, self.sync, self.media, self.clock)

    @domain
    def chat(self) -> Assistant:
        from tether.chat.assistant import Assistant
        from tether.chat.providers.factory import build_provider
        from tether.chat.queue import reply_queue
        from tether.chat.tools import Toolbox

        settings, entitlements, catalog = self.settings, self.entitlements, self.catalog
        return Assistant(
            settings,
            self.sync,
            build_provider(settings),
            consent=lambda user_id: _chat_allowed(self, user_id),
            track_title=catalog.track_title,
            collection_title=catalog.collection_title,
            now=self.clock,
            limits=lambda user_id: _chat_limits(entitlements, user_id),
            read_file=self.uploads.content,
            queue=reply_queue(settings),
            recall=_recall(settings),
            toolbox=Toolbox(
                catalog, max_chars=settings.chat_tool_result_chars, now=self.clock, access=entitlements.access
            )
            if settings.chat_tools
            else None,
        )


def _touches(results: Sequence[MutationResult], *collections: Collection) -> bool:
    return any(result.collection is collection for result in results for collection in collections)


def _poke(pokes: Pokes, catalog_partition: str) -> CommitHook:
    """After a commit: the partition's open connections (as its read found them) are poked; a
    catalog change pokes every connection (the catalog is everyone's feed)."""

    def hook(partition: str, client_id: str | None, read: Sequence[TetherModel]) -> None:
        if partition == catalog_partition:
            pokes.everyone()
        else:
            pokes.after_commit(partition, client_id, read)

    return hook


def _chat_allowed(services: Services, user_id: str) -> None:
    """The assistant answers users who gave its consents and, when plans gate `chat`, hold it."""
    services.accounts.consents.require(user_id, "chat")
    services.entitlements.require_feature(user_id, CHAT_FEATURE)


def _recall(settings: Settings) -> LongTermMemory | None:
    """Long-term memory, when the deployment names its consent kind (docs/chat.md)."""
    if not settings.chat_memory_consent:
        return None
    from tether.accounts.consents import has_consent
    from tether.chat.facts import LongTermMemory

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
