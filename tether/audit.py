"""The audit trail: security-relevant events appended to a tamper-evident hash chain in DynamoDB.

Each entry holds its number, the event kind, the user's id as a keyed hash (HMAC-SHA256 with a
deployment secret), the time, a few non-personal details, the SHA-256 of the previous entry and
its own SHA-256. Entries are numbered: an append writes entry n+1 under the condition that it does
not exist and that the head still names entry n, so concurrent appends never fork the chain.
See docs/accounts.md ("Audit trail").

Other domains call `record(kind, user_id, **safe_details)` (or `services.audit.record`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ulid import ULID

from tether.errors import Busy, Conflict, StaleRead
from tether.storage import audit as store
from tether.sync.fields import format_time

FIRST_SIGN_IN = "first_sign_in"
DEVICE_REVOKED = "device_revoked"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
CONSENT_CHANGED = "consent_changed"
EXPORT_REQUESTED = "export_requested"
ACCOUNT_ERASED = "account_erased"
DELETION_REQUESTED = "account_deletion_requested"
DELETION_CANCELLED = "account_deletion_cancelled"

KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
DETAIL_NAME = re.compile(r"^[a-z][A-Za-z0-9_]{0,39}$")
MAX_DETAILS = 10
MAX_DETAIL_LENGTH = 200
MAX_ATTEMPTS = 30  # appends are serialized: under a burst, an append may lose several rounds

# Called before each attempt of an append (with the attempt's number, from 0): the other items to
# write in the same transaction, or None when there is nothing left to do (the entry is not written).
Prepare = Callable[[int], Sequence[store.Operation] | None]


@dataclass(frozen=True)
class Entry:
    number: int
    kind: str
    subject: str | None
    at: str
    details: dict[str, Any]
    prev: str
    hash: str


@dataclass(frozen=True)
class Verification:
    """The result of walking the chain: `broken_at` is the number of the first broken link."""

    checked: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def entry_hash(number: int, kind: str, subject: str | None, at: str, details: str, prev: str) -> str:
    """SHA-256 (hex) of an entry's content, the previous entry's hash included."""
    content = json.dumps(
        {"n": number, "kind": kind, "subject": subject, "at": at, "details": details, "prev": prev},
        separators=(",", ":"),
        sort_keys=True,
        ensure_ascii=True,
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _details(values: dict[str, Any]) -> str:
    """Canonical JSON of the details, refusing anything that could carry personal data by accident."""
    if len(values) > MAX_DETAILS:
        raise ValueError(f"an audit entry takes at most {MAX_DETAILS} details")
    for name, value in values.items():
        if not DETAIL_NAME.match(name):
            raise ValueError(f"audit detail name {name!r} is not an identifier")
        if not (value is None or isinstance(value, (bool, int, str))):
            raise ValueError(f"audit detail {name} must be a string, an integer, a boolean or None")
        if isinstance(value, str) and len(value) > MAX_DETAIL_LENGTH:
            raise ValueError(f"audit detail {name} is longer than {MAX_DETAIL_LENGTH} characters")
    return json.dumps(values, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


class AuditLog:
    """One chain (partition `AUDIT`; tests use their own partitions)."""

    def __init__(
        self,
        key: bytes,
        *,
        partition: str = store.PARTITION,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.partition = partition
        self.clock = clock
        self.sleep = sleep

    def subject(self, user_id: str) -> str:
        """The user's id as it appears in the log: HMAC-SHA256 with the deployment's audit key."""
        return hmac.new(self.key, user_id.encode(), hashlib.sha256).hexdigest()

    def record(self, kind: str, user_id: str | None, **safe_details: Any) -> Entry:
        """Append an event. `safe_details`: a few strings, numbers or booleans, never personal data."""
        entry = self.append(kind, user_id, safe_details)
        assert entry is not None  # without `prepare` an append always writes
        return entry

    def append(
        self,
        kind: str,
        user_id: str | None,
        details: dict[str, Any],
        prepare: Prepare | None = None,
    ) -> Entry | None:
        """Append an event, in one transaction with the items `prepare` returns (e.g. the consent
        it records). Retries when another append took the number; None if `prepare` said so."""
        if not KIND.match(kind):
            raise ValueError(f"audit kind {kind!r} must be lower-case letters, digits, _ and .")
        details_json = _details(details)
        subject = self.subject(user_id) if user_id is not None else None
        for attempt in range(MAX_ATTEMPTS):
            also: Sequence[store.Operation] = ()
            if prepare is not None:
                prepared = prepare(attempt)
                if prepared is None:
                    return None
                also = prepared
            head = store.read_head(self.partition)
            number = head.last + 1
            at = format_time(self.clock())
            digest = entry_hash(number, kind, subject, at, details_json, head.hash)
            stored = store.StoredEntry(number, number, kind, subject, at, details_json, head.hash, digest)
            try:
                store.append(self.partition, head, stored, also, token=str(ULID()))
            except StaleRead:
                pass  # another append took this number (or `prepare`'s condition changed): again
            except Busy as busy:
                if not busy.retry_now:
                    raise  # a timeout: the append may have happened; the caller's retry decides
            else:
                return Entry(number, kind, subject, at, details, head.hash, digest)
            self.sleep(min(0.2, 0.01 * 2**attempt) * random.random())
        raise Conflict("The audit log is busy; try again", retryable=True)

    def entries(self) -> Iterator[Entry]:
        """Every entry, oldest first."""
        for stored in store.entries(self.partition):
            yield Entry(
                stored.number,
                stored.kind,
                stored.subject,
                stored.at,
                json.loads(stored.details),
                stored.prev,
                stored.hash,
            )

    def verify(self) -> Verification:
        """Walk the chain from entry 1 and name the first broken link (an edit, a gap, a cut tail)."""
        expected, previous, checked = 1, store.GENESIS, 0
        for stored in store.entries(self.partition):
            if stored.position != expected:
                missing = (
                    f"entry {expected} is missing"
                    if stored.position == expected + 1
                    else f"entries {expected}-{stored.position - 1} are missing"
                )
                return Verification(
                    checked, expected, f"{missing}: entry {stored.position} follows entry {expected - 1}"
                )
            recomputed = entry_hash(
                stored.number, stored.kind, stored.subject, stored.at, stored.details, stored.prev
            )
            if stored.number != stored.position or recomputed != stored.hash:
                return Verification(
                    checked, expected, f"entry {expected} was edited: its hash does not match its content"
                )
            if stored.prev != previous:
                return Verification(
                    checked,
                    expected,
                    f"entry {expected} does not link to entry {expected - 1}: "
                    "its previous hash differs (one of them was replaced)",
                )
            previous = stored.hash
            checked += 1
            expected += 1
        head = store.read_head(self.partition)
        last = expected - 1
        if head.last > last:
            missing = f"entry {head.last}" if head.last == last + 1 else f"entries {last + 1}-{head.last}"
            return Verification(checked, last + 1, f"{missing} missing: the log ends at entry {last}")
        if head.last < last or head.hash != previous:
            return Verification(
                checked, last, f"the head does not name entry {last}: the head or the tail was changed"
            )
        return Verification(checked)


_default: AuditLog | None = None


def configure(log: AuditLog) -> None:
    """Make `log` the one `record()` appends to (done when Services first builds its audit log)."""
    global _default
    _default = log


def default() -> AuditLog:
    if _default is None:
        raise RuntimeError("the audit log is not configured: build Services first")
    return _default


def record(kind: str, user_id: str | None, **safe_details: Any) -> Entry:
    """Append a security-relevant event to the deployment's audit log.

    `user_id` is stored only as a keyed hash. `safe_details` are a few strings (at most 200
    characters), integers or booleans naming what changed, e.g. `record("catalog.track_changed",
    editor.id, track="tr-12", action="update")`; never personal data (names, emails, free text).
    """
    return default().record(kind, user_id, **safe_details)
