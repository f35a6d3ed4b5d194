"""Entitlements of an account: what it holds now (with an injected clock), and every change to them.

Every change is a server write through the sync engine into the account's partition (a device sees
it at its next pull) and an entry in the audit trail. Checks go through `Access`: an account's
usable entitlements read once (one Query), as of the clock's now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tether.audit import AuditLog
from tether.entitlements.model import ENTITLEMENTS, Source, Status, check_name, record_id, status
from tether.entitlements.plans import ChatBudget, Plans
from tether.errors import BadUserInput, Forbidden
from tether.model.record import Record
from tether.storage import purchases
from tether.storage.keys import user_key
from tether.storage.listing import list_records
from tether.sync.collection import REJECTED
from tether.sync.engine import ServerChange, SyncEngine

ENTITLEMENT_CHANGED = "entitlement_changed"
ENTITLEMENT_REQUIRED = "ENTITLEMENT_REQUIRED"
MAX_RECORDS = 100  # grants an account may hold (every purchase, renewal chains counted once)


def entitlement_required(name: str, what: str) -> Forbidden:
    return Forbidden(
        f"{what} needs the entitlement {name!r}: upgrade to get it",
        reason=ENTITLEMENT_REQUIRED,
        entitlement=name,
    )


@dataclass(frozen=True)
class Grant:
    """One purchase (or editor's grant) as its source last described it: the entitlements it gives."""

    names: tuple[str, ...]
    source: Source
    ref: str  # the store's id of the purchase (original transaction id), or `grant` for editors
    event_at: datetime  # when the source said so: a later description replaces an earlier one
    product_id: str | None = None
    expires_at: datetime | None = None
    grace_expires_at: datetime | None = None
    revoked_at: datetime | None = None
    reason: str | None = None
    environment: str | None = None
    will_renew: bool | None = None

    def payload(self, name: str) -> dict[str, Any]:
        return {
            "id": record_id(name, self.source, self.ref),
            "name": name,
            "source": self.source.value,
            "product_id": self.product_id,
            "expires_at": self.expires_at,
            "grace_expires_at": self.grace_expires_at,
            "revoked_at": self.revoked_at,
            "reason": self.reason,
            "environment": self.environment,
            "will_renew": self.will_renew,
            "event_at": self.event_at,
        }


@dataclass(frozen=True)
class Access:
    """What one account may use, as of `at`."""

    account_id: str
    names: frozenset[str]
    features: frozenset[str]
    at: datetime

    def allows(self, name: str | None) -> bool:
        return name is None or name in self.names

    def require(self, name: str | None, what: str) -> None:
        """FORBIDDEN (reason ENTITLEMENT_REQUIRED, `entitlement`: the name) unless it is held."""
        if not self.allows(name):
            assert name is not None
            raise entitlement_required(name, what)


class Entitlements:
    """Reads and changes entitlements (one per process)."""

    def __init__(
        self,
        engine: SyncEngine,
        plans: Plans,
        *,
        default_chat: ChatBudget,
        log: AuditLog | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        owner: Callable[[str], str] = lambda profile_id: profile_id,
    ) -> None:
        self.engine = engine
        self.plans = plans
        self.default_chat = default_chat
        self.log = log
        self.clock = clock
        # The account whose plan covers a profile (a guardian's covers the learner profiles they own).
        self.owner = owner

    # ---- reading

    def records(self, account_id: str) -> list[Record]:
        """Every grant of the account (revoked and expired ones too), by id."""
        page = list_records(user_key(account_id), prefix=f"{ENTITLEMENTS.key_prefix}#", first=MAX_RECORDS)
        return page.records

    def access(self, profile_id: str) -> Access:
        """What the profile may use now: the usable entitlements of the account that owns it."""
        account_id = self.owner(profile_id)
        now = self.clock()
        names = frozenset(
            str(record.data["name"]) for record in self.records(account_id) if status(record, now).usable
        )
        return Access(account_id, names, frozenset(self.plans.features_of(names)), now)

    def status(self, record: Record) -> Status:
        return status(record, self.clock())

    def require_feature(self, profile_id: str, feature: str) -> None:
        """FORBIDDEN with ENTITLEMENT_REQUIRED unless the plans leave `feature` open or the profile's
        account holds one of the entitlements that open it."""
        needs = self.plans.gates(feature)
        if needs is None:
            return
        access = self.access(profile_id)
        if not access.names & set(needs):
            raise entitlement_required(needs[0], f"The feature {feature!r}")

    def chat_budget(self, profile_id: str) -> ChatBudget:
        """Messages and tokens a day for the profile: the best of its account's plans."""
        if not self.plans.chat:
            return self.default_chat  # no plan changes the budget: nothing to read
        return self.plans.chat_budget(self.access(profile_id).names, self.default_chat)

    def release_purchases(self, account_id: str) -> None:
        """Before an account is erased: its store purchases no longer belong to it."""
        for record in self.records(account_id):
            _, source, ref = _parts(record.id)
            if source in (Source.APP_STORE.value, Source.PLAY.value):
                purchases.release(source, ref, account_id)

    # ---- changing

    def apply(self, account_id: str, grant: Grant, *, by: str | None = None) -> list[Record]:
        """Store the grant's state for each of its entitlements (an older state changes nothing)."""
        before = {record.id: record.version for record in self.records(account_id)}
        changes = [ServerChange(ENTITLEMENTS, "apply", grant.payload(name)) for name in grant.names]
        results = self.engine.write(user_key(account_id), changes)
        saved: list[Record] = []
        now = self.clock()
        for result in results:
            if result.status == REJECTED or result.record is None:
                raise BadUserInput(
                    result.message or "The entitlement could not be stored", reason=result.code
                )
            record = result.record
            saved.append(record)
            if before.get(record.id) != record.version and self.log is not None:
                details: dict[str, Any] = {
                    "entitlement": record.data.get("name"),
                    "source": grant.source.value,
                    "status": status(record, now).value,
                }
                if grant.reason:
                    details["reason"] = grant.reason
                if by is not None:
                    details["editor"] = self.log.subject(by)
                self.log.record(ENTITLEMENT_CHANGED, account_id, **details)
        return saved

    def grant(
        self,
        editor_id: str,
        account_id: str,
        name: str,
        *,
        expires_at: datetime | None,
        source: Source = Source.ADMIN,
    ) -> Record:
        """An editor's grant (ADMIN, or PROMO for a promotion), until `expires_at` or for good."""
        check_name(name, "input.entitlement")
        if source not in (Source.ADMIN, Source.PROMO):
            raise BadUserInput("Editors grant ADMIN or PROMO entitlements only", field="input.source")
        if name not in self.plans.entitlements:
            raise BadUserInput(
                f"{name!r} is not an entitlement of this deployment (the plans file declares "
                f"{', '.join(sorted(self.plans.entitlements))})",
                field="input.entitlement",
                reason="UNKNOWN_ENTITLEMENT",
            )
        now = self.clock()
        if expires_at is not None and expires_at <= now:
            raise BadUserInput("input.expiresAt must be in the future", field="input.expiresAt")
        grant = Grant((name,), source, "grant", event_at=now, expires_at=expires_at, reason="GRANTED")
        return self.apply(account_id, grant, by=editor_id)[0]

    def revoke(self, editor_id: str, account_id: str, name: str) -> list[Record]:
        """An editor's revocation of every grant of `name` the account holds, whatever its source.
        A store's later renewal (a new payment) grants it again."""
        check_name(name, "entitlement")
        now = self.clock()
        revoked: list[Record] = []
        for record in self.records(account_id):
            if record.data.get("name") != name or record.data.get("revoked_at"):
                continue
            _, source, ref = _parts(record.id)
            data = {key: ENTITLEMENTS.value(record, key) for key in ENTITLEMENTS.fields}
            grant = Grant(
                (name,),
                Source(source),
                ref,
                event_at=now,
                product_id=data.get("product_id"),
                expires_at=data.get("expires_at"),
                grace_expires_at=data.get("grace_expires_at"),
                revoked_at=now,
                reason="REVOKED_BY_EDITOR",
                environment=data.get("environment"),
                will_renew=data.get("will_renew"),
            )
            revoked.extend(self.apply(account_id, grant, by=editor_id))
        return revoked


def _parts(entitlement_id: str) -> tuple[str, str, str]:
    name, source, ref = entitlement_id.split(":", 2)
    return name, source, ref
