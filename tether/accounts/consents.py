"""Consent: each decision (kind, granted, policy version, time) is kept; the latest one counts.

A deployment names the consents a feature needs (`TETHER_REQUIRED_CONSENTS`, e.g. `chat=ai_chat`);
`require_consent` / `Consents.require` refuse the feature with FORBIDDEN, reason CONSENT_REQUIRED.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tether import audit
from tether.errors import BadUserInput, ConfigurationError, Forbidden
from tether.storage import accounts as store
from tether.storage.audit import Operation
from tether.storage.keys import user_key

KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
VERSION = re.compile(r"^[A-Za-z0-9._:+-]{1,40}$")
FEATURE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Consent:
    kind: str
    granted: bool
    version: str
    recorded_at: datetime


def _consent(stored: store.StoredConsent) -> Consent:
    return Consent(stored.kind, stored.granted, stored.version, stored.recorded_at)


def parse_requirements(text: str) -> dict[str, tuple[str, ...]]:
    """`chat=ai_chat,research=research+privacy` -> {"chat": ("ai_chat",), "research": (...)}."""
    requirements: dict[str, tuple[str, ...]] = {}
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        feature, _, kinds = part.partition("=")
        names = tuple(kind.strip() for kind in kinds.split("+"))
        if not FEATURE.match(feature.strip()) or not all(KIND.match(kind) for kind in names):
            raise ConfigurationError(
                f"TETHER_REQUIRED_CONSENTS: {part!r} is not feature=kind[+kind] (lower-case names)"
            )
        requirements[feature.strip()] = names
    return requirements


def require_consent(user_id: str, kind: str) -> None:
    """Raise FORBIDDEN (reason CONSENT_REQUIRED, naming the kind) unless the user's latest
    decision on `kind` grants it. One Query of one item."""
    latest = store.latest_consent(user_key(user_id), kind)
    if latest is None or not latest.granted:
        raise Forbidden(
            f"This needs your consent ({kind}) first: record it with recordConsent",
            reason="CONSENT_REQUIRED",
            kind=kind,
        )


def has_consent(user_id: str, kind: str) -> bool:
    """Whether the user's latest decision on `kind` grants it (one Query of one item)."""
    latest = store.latest_consent(user_key(user_id), kind)
    return latest is not None and latest.granted


def check_kind(kind: str) -> str:
    if not KIND.match(kind):
        raise BadUserInput(
            f"kind must be 1-40 lower-case letters, digits and _ starting with a letter (e.g. privacy, ai_chat), not {kind[:50]!r}",
            field="kind",
        )
    return kind


class Consents:
    def __init__(
        self,
        log: audit.AuditLog,
        requirements: Mapping[str, tuple[str, ...]],
        clock: Callable[[], datetime],
    ) -> None:
        self.audit = log
        self.requirements = dict(requirements)
        self.clock = clock

    def record(self, user_id: str, kind: str, granted: bool, version: str) -> Consent:
        """Store a new decision (history is never overwritten) and audit it, in one transaction."""
        check_kind(kind)
        if not VERSION.match(version):
            raise BadUserInput(
                "version names the policy version: 1-40 characters of letters, digits and . _ : + -",
                field="version",
            )
        pk = user_key(user_id)
        now = self.clock()
        key = store.consent_key(kind, f"{now.strftime('%Y%m%dT%H%M%S%f')}#{secrets.token_hex(4)}")

        def prepare(attempt: int) -> Sequence[Operation] | None:
            if attempt > 0 and store.get_consent(pk, key) is not None:
                return None  # an earlier attempt was stored (with its audit entry)
            return [store.put_consent(pk, key, kind, granted, version, now)]

        self.audit.append(
            audit.CONSENT_CHANGED, user_id, {"consent": kind, "granted": granted, "version": version}, prepare
        )
        return Consent(kind, granted, version, now)

    def history(self, user_id: str, kind: str | None = None) -> list[Consent]:
        """Every decision (of one kind, or all), newest first."""
        if kind is not None:
            check_kind(kind)
        found = store.consents(user_key(user_id), kind)
        return sorted((_consent(item) for item in found), key=lambda c: c.recorded_at, reverse=True)

    def current(self, user_id: str, kind: str | None = None) -> list[Consent]:
        """The latest decision of each kind, by kind."""
        latest: dict[str, Consent] = {}
        for consent in self.history(user_id, kind):
            latest.setdefault(consent.kind, consent)
        return [latest[name] for name in sorted(latest)]

    def required_for(self, feature: str) -> tuple[str, ...]:
        return self.requirements.get(feature, ())

    def require(self, user_id: str, feature: str) -> None:
        """Refuse `feature` (FORBIDDEN, reason CONSENT_REQUIRED) unless every consent the
        deployment requires for it is granted. Costs nothing when none is required."""
        for kind in self.required_for(feature):
            require_consent(user_id, kind)
