"""The sync engine: `push` applies queued changes exactly once; `pull` is a gap-free change feed.

See docs/sync.md for the guarantees and how each is kept.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ulid import ULID

from tether.errors import (
    CONTENTION,
    BadUserInput,
    Busy,
    Forbidden,
    StaleRead,
    Throttled,
    check_between,
)
from tether.model.device import ClientInfo, DeviceInfo
from tether.model.head import Head
from tether.model.increment import Increment
from tether.model.record import Record
from tether.people.access import NOT_PERMITTED, Access
from tether.people.sharing import Scope
from tether.storage import transaction
from tether.storage.audit import Operation as StoreOperation
from tether.storage.base import TetherModel
from tether.storage.feed import feed_page
from tether.storage.first_read import read_first
from tether.storage.heads import read_head, read_heads
from tether.storage.presence import touch_client
from tether.storage.record_items import Write, record_attributes
from tether.storage.snapshot import Snapshot, read_snapshot
from tether.sync.collection import DUPLICATE, REJECTED, Change, Collection, FollowUp, Outcome, Rejected
from tether.sync.cursor import Cursor, decode, encode
from tether.sync.devices import check_device
from tether.sync.feeds import CachedHead, HeadCache, SharedFeed, epoch_tag
from tether.sync.fields import LimitExceeded, as_utc
from tether.sync.gate import Gate, bind_device, gate_keys
from tether.telemetry import logger

# After a commit that changed a record: (partition, the pushing clientId or None for the server,
# the items the commit's BatchGetItem read besides its own, the partition's open connections among them).
CommitHook = Callable[[str, str | None, Sequence[TetherModel]], None]

MAX_MUTATIONS_PER_PUSH = 100
MAX_PULL_LIMIT = 1000
MAX_WAIT_SECONDS = 20
MAX_ATTEMPTS = 6
# A waiting pull reads the heads again after 0.25 s, then twice as long each time, up to 2 s
# (up to 1 s while the head says a server write is coming: Head.poll_fast_until).
FIRST_POLL_SECONDS = 0.25
LAST_POLL_SECONDS = 2.0
FAST_POLL_SECONDS = 1.0
# A cursor counts as too old this long before its tombstones can expire (clock skew, slow pushes).
RETENTION_MARGIN = timedelta(hours=1)
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
GRANT = "grant"  # the cursor's position name for a shared profile's grant counter
SERVER = "~server"  # the client id in the stamps of server-side changes (sorts after real ids)
SERVER_WRITE_STEPS = 1 << 20  # the steps one server write may number (its stamps' mutation ids)


def server_mutation_id(head: Head, position: int) -> int:
    """The mutation id in a server change's stamp: above every one an earlier server write stored.

    Server writes have no device counter, and two in the same millisecond have the same time: each
    is numbered from the feed's head it read, which every stored change advanced, so a later write
    (the next editor's save, the assistant's next patch) is the newer edit, whatever the clock says."""
    return (head.seq + 1) * SERVER_WRITE_STEPS + position


@dataclass(frozen=True)
class Mutation:
    """One queued change from a client, already mapped to its collection and operation."""

    mutation_id: int
    changed_at: datetime
    collection: Collection
    operation: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class ServerChange:
    """A change the server makes itself (an assistant's reply, an editor's catalog edit)."""

    collection: Collection
    operation: str
    payload: Mapping[str, Any]


@dataclass
class MutationResult:
    mutation_id: int
    status: str
    collection: Collection
    record: Record | None = None
    code: str | None = None
    message: str | None = None
    conflicting_fields: list[str] = field(default_factory=list)
    follow_ups: list[Record] = field(default_factory=list)  # what the server wrote with it (FollowUp)


@dataclass
class PushResult:
    last_mutation_id: int
    results: list[MutationResult]
    access: Access | None = None  # whose profile it was, and with which role (docs/people.md)


@dataclass
class PullResult:
    cursor: str
    has_more: bool
    reset_required: bool
    last_mutation_id: int
    records: list[Record]
    access: Access | None = None


@dataclass(frozen=True)
class _Step:
    """One change to apply: a client's mutation (key = its id) or a server change (key = position)."""

    key: int
    changed_at: datetime
    collection: Collection
    operation: str
    payload: dict[str, Any]


@dataclass
class _FeedPosition:
    """Where one pull stands in one shared feed: the client's position and the head it pulls up to."""

    feed: SharedFeed
    cache: HeadCache
    after: int
    tag: int | None
    head: CachedHead | None = None

    def stale_for(self, cached: CachedHead | None) -> bool:
        """No usable cached head: none fresh, or one behind what this client already saw."""
        if cached is None:
            return True
        if self.after > cached.head.seq:
            return True  # another process saw a newer head: read it rather than reset the client
        return self.tag is not None and self.tag != epoch_tag(cached.head.epoch)

    @property
    def known(self) -> CachedHead:
        assert self.head is not None
        return self.head

    def must_reset(self) -> bool:
        head = self.known.head
        if self.tag is not None and self.tag != epoch_tag(head.epoch):
            return True  # the feed was erased and started again
        return self.after > head.seq


@dataclass
class _Pull:
    """One pull as it goes: the heads it reads up to, and the page and cursor it builds."""

    pk: str
    position: Cursor | None
    head: Head
    read_at: datetime  # when `head` was read: every change numbered above it committed after this
    last_mutation_id: int
    feeds: list[_FeedPosition]
    access: Access
    shared: bool = False  # a profile shared with the user: only what its role may read
    records: list[Record] = field(default_factory=list)
    has_more: bool = False
    seq: int = 0  # the user's feed position the next cursor holds
    safe_times: list[datetime] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    epoch: str = field(init=False)  # the epoch the next cursor names if the head still has none

    def __post_init__(self) -> None:
        self.epoch = self.head.epoch or (self.position.epoch if self.position else "")

    @property
    def after(self) -> int:
        return self.position.seq if self.position else 0

    def must_reset(self, max_age: timedelta) -> bool:
        """The cursor cannot go on: the user's data was erased and started again, the cursor is
        ahead of the head, too old for the tombstones it may need, or a shared feed says so."""
        assert self.position is not None
        if self.position.epoch and self.position.epoch != self.head.epoch:
            return True
        if self.position.seq > self.head.seq:
            return True
        if self.read_at - datetime.fromtimestamp(self.position.safe_at, UTC) > max_age:
            return True
        if self.position.positions.get(GRANT) != self.grant.get(GRANT):
            return True  # the grant changed: drop what may no longer be read, get what now may
        return any(feed.must_reset() for feed in self.feeds)

    @property
    def grant(self) -> dict[str, int]:
        """What a shared profile's cursor carries of the membership (its grant counter)."""
        return {GRANT: self.access.generation} if self.shared else {}

    def news(self) -> bool:
        """Whether any feed has a change after the cursor."""
        return self.head.seq > self.after or any(feed.known.head.seq > feed.after for feed in self.feeds)

    def next_cursor(self) -> Cursor:
        """Where the client stands once it has this page; safe as of the oldest feed's safe time."""
        return Cursor(
            self.seq, self.head.epoch or self.epoch, int(min(self.safe_times).timestamp()), self.positions
        )


@dataclass
class _Chunk:
    """Changes that commit together: at most 100 items and a few MB, one transaction."""

    dirty: dict[str, Write] = field(default_factory=dict)  # each with its item, built once
    increments: dict[str, Increment] = field(default_factory=dict)
    results: list[MutationResult] = field(default_factory=list)
    outcomes: list[tuple[Collection, str, Outcome, Change]] = field(default_factory=list)
    follow_ups: list[tuple[MutationResult, Record]] = field(default_factory=list)  # (whose, what)
    last_key: int | None = None
    size: int = 0
    checks: int = 0  # condition checks of other items (a shared profile's membership)
    client: int = 0  # 1 when the transaction writes the client item too (its presence)

    @property
    def items(self) -> int:
        return len(self.dirty) + len(self.increments) + 1 + self.client + self.checks  # + the head

    @property
    def empty(self) -> bool:
        return self.last_key is None and not self.dirty  # (a follow-up may begin a chunk)

    def fits(self, sort_key: str, increments: Sequence[Increment], size: int) -> bool:
        """Whether a record of `size` bytes (and its increments) still fits in this transaction."""
        new_items = (0 if sort_key in self.dirty else 1) + sum(
            1 for increment in increments if increment.sort_key not in self.increments
        )
        return (
            self.items + new_items <= transaction.TRANSACTION_ITEM_LIMIT
            and self.size + size <= transaction.TRANSACTION_BYTE_BUDGET
        )

    def stage(self, write: Write, size: int, increments: Sequence[Increment]) -> None:
        self.dirty[write.sort_key] = write
        self.size += size
        for increment in increments:
            self.increments[increment.sort_key] = _merge(self.increments.get(increment.sort_key), increment)

    def add(
        self,
        key: int,
        result: MutationResult,
        outcome: tuple[Collection, str, Outcome, Change] | None = None,
    ) -> None:
        """A step's result (and the outcome its after-commit hook gets), committed with the chunk."""
        self.results.append(result)
        if outcome is not None:
            self.outcomes.append(outcome)
        self.last_key = key


@dataclass
class _Attempt:
    """One attempt at applying a push's pending steps: what moves as its chunks commit."""

    pk: str
    client_id: str | None
    device: DeviceInfo | None
    now: datetime
    epoch: str
    head: Head
    client: ClientInfo
    working: dict[str, Record]  # the records as this attempt has changed them so far
    done: dict[int, MutationResult]
    committed: list[tuple[Collection, str, Outcome, Change]]
    access: Access | None = None  # a shared profile's membership, as read with the records
    conditions: Sequence[StoreOperation] = ()  # what every transaction of the push must still find
    poll_fast_until: datetime | None = None  # stored on the head by each commit (Head.poll_fast_until)
    write_client: bool = False  # the next commit writes the client item (a new or changed device)
    follow_up_window: timedelta | None = None  # how long after a follow-up a server write may come
    server_steps: int = 0  # follow-ups applied so far (numbers their stamps)
    chunk: _Chunk = field(default_factory=lambda: _Chunk())

    def new_chunk(self) -> _Chunk:
        return _Chunk(checks=len(self.conditions), client=int(self.write_client))


class SyncEngine:
    """Push and pull for one deployment (settings, clock and cursor key injected for tests)."""

    def __init__(
        self,
        *,
        collections: Sequence[Collection],
        cursor_key: bytes,
        tombstone_retention: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        shared_feeds: Sequence[SharedFeed] = (),
        shared_head_ttl: timedelta = timedelta(seconds=5),
        presence_interval: timedelta = timedelta(minutes=5),
        on_commit: CommitHook | None = None,
        follow_up_window: timedelta | None = None,
    ) -> None:
        """`follow_up_window`: after a follow-up that expects a server write (a PENDING chat reply,
        committed with its message), waiting pulls poll fast for this long (Head.poll_fast_until)."""
        self.collections = {collection.name: collection for collection in collections}
        self.presence_interval = presence_interval
        self.cursor_key = cursor_key
        self.retention = tombstone_retention
        self.clock = clock
        self.sleep = sleep
        self.shared_feeds = {feed.name: feed for feed in shared_feeds}
        self._head_caches = {feed.name: HeadCache(shared_head_ttl, clock) for feed in shared_feeds}
        self._shared_partitions = {feed.partition: feed.name for feed in shared_feeds}
        self.on_commit = on_commit
        self.follow_up_window = follow_up_window

    # ---- push ----

    def push(
        self,
        user_id: str,
        client_id: str,
        mutations: Sequence[Mutation],
        device: DeviceInfo | None = None,
        profile_id: str | None = None,
        gate: Gate | None = None,
    ) -> PushResult:
        """Apply a client's queued mutations in order, each exactly once.

        `device` (name, platform, app version) is stored on the client's item by the push's own
        transaction: it costs no extra write, and nothing is stored when the push writes nothing.
        `profile_id` names a profile the user reaches (default: its own; docs/people.md).
        `gate` admits the caller with the push's first read and binds the device to its sign-in.
        """
        _check_client_id(client_id)
        scope = Scope.of(user_id, profile_id)
        steps = self._check_push(mutations)
        device = bind_device(check_device(device) if device is not None else None, gate)
        holder: list[Access] = []
        results, last_mutation_id, _ = self._run(
            scope.partition,
            scope.client(client_id),
            steps,
            device,
            (scope, client_id, holder),
            gate,
        )
        return PushResult(last_mutation_id, results, holder[0] if holder else None)

    def write(
        self,
        partition: str,
        changes: Sequence[ServerChange],
        *,
        poll_fast_until: datetime | None = None,
    ) -> list[MutationResult]:
        """Apply changes made by the server itself to a partition (`USER#<sub>`, or a shared one):
        the same operations and merge rules, numbered in the same feed, one transaction per chunk.

        `poll_fast_until`: another server write to this partition is expected before then (a reply
        being written), so its waiting pulls re-read the head every second until then."""
        return self.write_with_head(partition, changes, poll_fast_until=poll_fast_until)[0]

    def write_with_head(
        self,
        partition: str,
        changes: Sequence[ServerChange],
        *,
        poll_fast_until: datetime | None = None,
    ) -> tuple[list[MutationResult], Head]:
        """`write`, and the partition's head as the write left it (exact: the last commit was
        conditioned on the head it read), e.g. its waiting records (Head.pending) without a read."""
        if len(changes) >= SERVER_WRITE_STEPS:
            raise ValueError(
                f"a server write takes fewer than {SERVER_WRITE_STEPS} changes, not {len(changes)}"
            )
        now = self.clock()
        steps = []
        for position, change in enumerate(changes, start=1):
            operation = change.collection.operations[change.operation]
            payload = operation.check(change.collection, change.payload, f"changes[{position - 1}]")
            steps.append(_Step(position, now, change.collection, change.operation, payload))
        shared = self._shared_partitions.get(partition)
        try:
            results, _, head = self._run(partition, None, steps, poll_fast_until=poll_fast_until)
        finally:
            if shared is not None:
                self._head_caches[shared].invalidate()  # this process's next pull sees the change
        return results, head

    def shared_head(self, name: str, *, fresh: bool = False) -> CachedHead:
        """The head of a shared feed: the cached one while it is younger than the TTL (or read now)."""
        cache = self._head_caches[name]
        cached = None if fresh else cache.fresh()
        if cached is None:
            read_at = self.clock()
            cached = cache.put(read_head(self.shared_feeds[name].partition), read_at)
        return cached

    def _check_push(self, mutations: Sequence[Mutation]) -> list[_Step]:
        if len(mutations) > MAX_MUTATIONS_PER_PUSH:
            raise LimitExceeded(
                f"A push carries at most {MAX_MUTATIONS_PER_PUSH} mutations, not {len(mutations)}; split the queue",
                limit=MAX_MUTATIONS_PER_PUSH,
                field="mutations",
            )
        steps = []
        previous = 0
        for index, mutation in enumerate(mutations):
            where = f"mutations[{index}]"
            if mutation.mutation_id <= previous:
                raise BadUserInput(
                    f"{where}.mutationId must be a positive integer greater than the one before it "
                    f"({mutation.mutation_id} after {previous})",
                    field=f"{where}.mutationId",
                )
            previous = mutation.mutation_id
            operation = mutation.collection.operations[mutation.operation]
            payload = operation.check(mutation.collection, mutation.payload, f"{where}.change")
            steps.append(
                _Step(
                    mutation.mutation_id,
                    mutation.changed_at,
                    mutation.collection,
                    mutation.operation,
                    payload,
                )
            )
        return steps

    def _run(
        self,
        pk: str,
        client_id: str | None,
        steps: list[_Step],
        device: DeviceInfo | None = None,
        sharing: tuple[Scope, str, list[Access]] | None = None,
        gate: Gate | None = None,
        poll_fast_until: datetime | None = None,
    ) -> tuple[list[MutationResult], int, Head]:
        """Load → apply in order → chunk → commit, reading again and retrying when another writer
        got there first (or the database asked us to), then the operations' after-commit hooks.

        With `sharing` (the scope, the device's own clientId, where to put the access) the
        membership is read in the same BatchGetItem and conditioned in the same transaction."""
        done: dict[int, MutationResult] = {}
        committed: list[tuple[Collection, str, Outcome, Change]] = []
        attempt = 0
        while True:
            pending = [step for step in steps if step.key not in done]
            also = [*(sharing[0].keys(sharing[1]) if sharing else ()), *gate_keys(gate)]
            snapshot = self._load(pk, client_id, pending, also)
            access = self._admit(snapshot, sharing)
            self._admit_caller(snapshot, gate)
            try:
                last_mutation_id, head = self._apply(
                    pk,
                    client_id,
                    snapshot,
                    pending,
                    done,
                    committed,
                    device,
                    access,
                    sharing,
                    poll_fast_until,
                )
                break
            except (StaleRead, *CONTENTION) as error:
                attempt += 1
                self._back_off(error, attempt)
        for collection, operation, outcome, change in committed:
            collection.operations[operation].after_commit(collection, outcome, change)
        self._notify(pk, client_id, snapshot, committed)
        return [done[step.key] for step in steps], last_mutation_id, head

    def _load(
        self, pk: str, client_id: str | None, pending: Sequence[_Step], also: Sequence[tuple[str, str]] = ()
    ) -> Snapshot:
        """Head, client and every record the pending steps touch (and `also`, e.g. a membership):
        one strongly consistent read."""
        # The partition's open connections come on its head item (no key of their own).
        keys = {s.collection.sort_key(str(s.payload["id"])) for s in pending}
        for step in pending:  # what the operations' follow-ups look at (a sent message's thread)
            keys.update(step.collection.operations[step.operation].related(step.collection, step.payload))
        # The client's position is on the head: its item is read only where it costs no round trip.
        snapshot = read_snapshot(pk, client_id, keys, also=also, client_if_free=True)
        if snapshot.client.revoked:
            raise Forbidden("This device was signed out; sign in again", reason="DEVICE_REVOKED")
        return snapshot

    def _notify(
        self,
        pk: str,
        client_id: str | None,
        snapshot: Snapshot,
        committed: list[tuple[Collection, str, Outcome, Change]],
    ) -> None:
        """The post-commit hook (the poke, tether/poke.py), when the commit changed a record: with the
        items the commit's own read found (its partition's open connections are among them)."""
        if self.on_commit is not None and any(outcome.changed for _, _, outcome, _ in committed):
            self.on_commit(pk, client_id, snapshot.items_read())

    @staticmethod
    def _admit_caller(snapshot: Snapshot, gate: Gate | None) -> None:
        """The caller's sign-in and account, as the first read shows them (tether/sync/gate.py)."""
        if gate is not None:
            gate.admit(snapshot.also)

    @staticmethod
    def _admit(snapshot: Snapshot, sharing: tuple[Scope, str, list[Access]] | None) -> Access | None:
        """A shared profile's access as the snapshot shows it (FORBIDDEN if there is none)."""
        if sharing is None:
            return None
        scope, own_client, holder = sharing
        access = scope.decide(snapshot.also, own_client)
        holder[:] = [access]
        return access

    def _back_off(self, error: StaleRead | Throttled | Busy, attempt: int) -> None:
        """Wait before the next attempt, or raise the error itself when it is not worth retrying now.

        A stale read (another device of this user committed between our read and our write) is
        retried after a short random pause; a cancelled transaction (`retry_now`) with exponential
        backoff; what botocore already retried (throttling, timeouts) reaches the client at once.
        """
        if attempt >= MAX_ATTEMPTS:
            raise error
        if isinstance(error, StaleRead):
            self.sleep(0.01 * attempt * random.random())
        elif error.retry_now:
            self.sleep(min(1.0, 0.025 * 2**attempt) * (0.5 + random.random()))
        else:
            raise error

    def _apply(
        self,
        pk: str,
        client_id: str | None,
        snapshot: Snapshot,
        pending: list[_Step],
        done: dict[int, MutationResult],
        committed: list[tuple[Collection, str, Outcome, Change]],
        device: DeviceInfo | None = None,
        access: Access | None = None,
        sharing: tuple[Scope, str, list[Access]] | None = None,
        poll_fast_until: datetime | None = None,
    ) -> tuple[int, Head]:
        """Apply the pending steps in order to the snapshot, committing a chunk whenever the next
        change would not fit in it, and the last chunk at the end. Returns the client's position
        and the head as the last commit left it.

        The client item (what the device says of itself) is written with the first commit when the
        device is new or its description changed (`described_anew`)."""
        now = self.clock()
        attempt = _Attempt(
            pk=pk,
            client_id=client_id,
            device=device,
            now=now,
            epoch=snapshot.head.epoch or str(ULID()),
            head=snapshot.head,
            client=snapshot.client,
            working=snapshot.records,
            done=done,
            committed=committed,
            access=access,
            conditions=sharing[0].conditions(access) if sharing and access else (),
            poll_fast_until=poll_fast_until,
            write_client=client_id is not None and described_anew(snapshot.client, device),
            follow_up_window=self.follow_up_window,
        )
        attempt.chunk = attempt.new_chunk()
        for step in pending:
            self._apply_step(attempt, step)
        self._flush(attempt)
        return attempt.client.last_mutation_id, attempt.head

    def _apply_step(self, attempt: _Attempt, step: _Step) -> None:
        """One step: DUPLICATE if the client sent it before, else its operation's merge rule."""
        collection = step.collection
        sort_key = collection.sort_key(str(step.payload["id"]))
        current = attempt.working.get(sort_key)
        if attempt.client_id is not None and step.key <= attempt.client.last_mutation_id:
            attempt.done[step.key] = MutationResult(
                step.key, DUPLICATE, collection, current.copy() if current else None
            )
            return
        access = attempt.access
        if access is not None and not access.writes_collection(collection.name):
            readable = current is not None and access.reads_collection(collection.name)
            result = MutationResult(
                step.key,
                REJECTED,
                collection,
                current.copy() if readable and current else None,
                code=NOT_PERMITTED,
                message=f"Your role on this profile ({access.role.value}) may not change its {collection.name} records",
            )
            attempt.chunk.add(step.key, result)
            return
        change = Change(
            partition=attempt.pk,
            client_id=attempt.client_id or SERVER,
            mutation_id=step.key
            if attempt.client_id is not None
            else server_mutation_id(attempt.head, step.key),
            changed_at=min(as_utc(step.changed_at), attempt.now),
            now=attempt.now,
            tombstone_retention=self.retention,
        )
        operation = collection.operations[step.operation]
        try:
            outcome = operation.apply(collection, current.copy() if current else None, step.payload, change)
        except Rejected as rejection:
            result = MutationResult(
                step.key,
                REJECTED,
                collection,
                current.copy() if current else None,
                code=rejection.code,
                message=rejection.message,
            )
            attempt.chunk.add(step.key, result)
            return
        if outcome.changed:
            self._stage(attempt, sort_key, collection, outcome)
        result = MutationResult(
            step.key,
            outcome.status,
            collection,
            outcome.record.copy(),
            conflicting_fields=outcome.conflicting_fields,
        )
        attempt.chunk.add(step.key, result, (collection, step.operation, outcome, change))
        if outcome.changed and attempt.client_id is not None:
            for follow_up in operation.follow_ups(collection, outcome, attempt.working, attempt.access):
                self._follow(attempt, follow_up, result)

    def _follow(self, attempt: _Attempt, follow_up: FollowUp, result: MutationResult) -> None:
        """A server change made with a client's (FollowUp), staged in the same chunk when it fits:
        numbered and merged as a server write's changes are. Its record joins `result.follow_ups`
        once its chunk commits (a refused or unchanged one: never)."""
        collection = follow_up.collection
        operation = collection.operations[follow_up.operation]
        payload = operation.check(collection, follow_up.payload, "followUp")
        sort_key = collection.sort_key(str(payload["id"]))
        current = attempt.working.get(sort_key)
        attempt.server_steps += 1
        change = Change(
            partition=attempt.pk,
            client_id=SERVER,
            mutation_id=server_mutation_id(attempt.head, attempt.server_steps),
            changed_at=attempt.now,
            now=attempt.now,
            tombstone_retention=self.retention,
        )
        try:
            outcome = operation.apply(collection, current.copy() if current else None, payload, change)
        except Rejected:
            return
        if not outcome.changed:
            return
        self._stage(attempt, sort_key, collection, outcome)
        attempt.chunk.outcomes.append((collection, follow_up.operation, outcome, change))
        attempt.chunk.follow_ups.append((result, outcome.record.copy()))
        if follow_up.expects_server_write and attempt.follow_up_window is not None:
            attempt.poll_fast_until = attempt.now + attempt.follow_up_window

    def _stage(self, attempt: _Attempt, sort_key: str, collection: Collection, outcome: Outcome) -> None:
        """Put a changed record (and its counter increments) in the chunk, committing the chunk
        first when the record would take it past 100 items or the byte budget."""
        record = outcome.record
        record.version += 1
        record.updated_at = attempt.now
        write = self._write_of(collection, sort_key, record, attempt.now)
        write.attributes = record_attributes(attempt.pk, write)  # its seq is set when it commits
        size = transaction.item_size(write.attributes)
        if not attempt.chunk.fits(sort_key, outcome.increments, size):
            if attempt.conditions:
                # A shared profile's push commits in one transaction or not at all, so that a
                # revocation can never leave it half-applied (docs/people.md).
                raise LimitExceeded(
                    "This push to a shared profile is too large for one transaction; "
                    "push its first half, then the rest",
                    reason="PUSH_TOO_LARGE",
                    field="mutations",
                    limit=transaction.TRANSACTION_ITEM_LIMIT - 2 - len(attempt.conditions),
                )
            self._flush(attempt)
        attempt.working[sort_key] = record
        attempt.chunk.stage(write, size, outcome.increments)

    def _write_of(self, collection: Collection, sort_key: str, record: Record, now: datetime) -> Write:
        """How a changed record is stored: its index keys while live, its expiry once deleted."""
        live = not record.deleted
        return Write(
            sort_key,
            record,
            lookup_key=collection.lookup_key(record) if live and collection.lookup_key else None,
            time_key=collection.time_key(record) if live and collection.time_key else None,
            expires_at=None if live else now + self.retention,
            pends=collection.pending is not None,
            pending=live and collection.pending is not None and collection.pending(record),
        )

    def _flush(self, attempt: _Attempt) -> None:
        """Commit the chunk (if it holds anything) and start the next one."""
        chunk = attempt.chunk
        if chunk.empty:
            return
        attempt.head, attempt.client = self._commit(
            attempt.pk,
            attempt.client_id,
            attempt.head,
            attempt.epoch,
            attempt.client,
            chunk,
            attempt.now,
            attempt.device,
            attempt.conditions,
            attempt.poll_fast_until,
            attempt.write_client,
        )
        attempt.write_client = False  # recorded with this commit
        for result in chunk.results:
            attempt.done[result.mutation_id] = result
        for result, record in chunk.follow_ups:
            result.follow_ups.append(record)
        attempt.committed.extend(chunk.outcomes)
        attempt.chunk = attempt.new_chunk()

    def _commit(
        self,
        pk: str,
        client_id: str | None,
        head: Head,
        epoch: str,
        client: ClientInfo,
        chunk: _Chunk,
        now: datetime,
        device: DeviceInfo | None = None,
        conditions: Sequence[StoreOperation] = (),
        poll_fast_until: datetime | None = None,
        write_client: bool = False,
    ) -> tuple[Head, ClientInfo]:
        writes = list(chunk.dirty.values())
        for offset, write in enumerate(writes, start=1):
            write.numbered(head.seq + offset)
        new_head = head.seq + len(writes)
        if client_id is None and not writes and not chunk.increments:
            return head, client  # a server write that changed nothing: no (empty) transaction to send
        # A chunk that holds only a follow-up leaves the client where the previous one put it.
        mutation_key = chunk.last_key if chunk.last_key is not None else client.last_mutation_id
        last_mutation_id = mutation_key if client_id is not None else client.last_mutation_id
        pending = transaction.commit(
            pk=pk,
            head=head,
            new_head=new_head,
            epoch=epoch,
            now=now,
            client_id=client_id,
            client=client,
            last_mutation_id=last_mutation_id,
            writes=writes,
            increments=list(chunk.increments.values()),
            token=str(ULID()),
            device=device,
            conditions=conditions,
            poll_fast_until=poll_fast_until,
            write_client=write_client,
        )
        for write in writes:
            write.record.stored_version = write.record.version
        logger.debug("sync chunk committed", extra={"records": len(writes), "head": new_head})
        if client_id is not None:
            client = replace(
                client,
                last_mutation_id=last_mutation_id,
                exists=client.exists or write_client,
                on_head=True,
                positions_stored=True,
            )
        if not writes:
            return head, client
        return Head(new_head, head.epoch or epoch, pending=pending[0], all_pending=pending[1]), client

    # ---- pull ----

    def pull(
        self,
        user_id: str,
        client_id: str,
        cursor: str | None,
        limit: int = 500,
        wait_seconds: int = 0,
        device: DeviceInfo | None = None,
        profile_id: str | None = None,
        gate: Gate | None = None,
    ) -> PullResult:
        """Records changed after the cursor, in change order, each at its latest state.

        `profile_id` names a profile the user reaches (default: its own): only the collections the
        user's role may read come back, and the cursor is bound to (profile, user) (docs/people.md).

        Check the cursor → read the heads (`_first_read`) → reset? → wait while nothing is new →
        page the user's feed → page the shared feeds with what is left of the page → next cursor.
        """
        _check_client_id(client_id)
        check_between("limit", limit, 1, MAX_PULL_LIMIT, LimitExceeded)
        check_between("waitSeconds", wait_seconds, 0, MAX_WAIT_SECONDS, LimitExceeded)
        device = bind_device(check_device(device) if device is not None else None, gate)
        scope = Scope.of(user_id, profile_id)
        binding = scope.binding()
        position = decode(cursor, self.cursor_key, binding) if cursor else None
        pull = self._first_read(scope, client_id, position, device, gate)
        if position is not None and pull.must_reset(self.retention - RETENTION_MARGIN):
            return self._reset(binding, pull)
        self._wait(pull, wait_seconds)
        self._page_own_feed(pull, limit)
        for feed in pull.feeds:
            self._page_shared_feed(pull, feed, limit)
        return PullResult(
            encode(pull.next_cursor(), self.cursor_key, binding),
            pull.has_more,
            False,
            pull.last_mutation_id,
            pull.records,
            pull.access,
        )

    def _first_read(
        self,
        scope: Scope,
        own_client: str,
        position: Cursor | None,
        device: DeviceInfo | None,
        gate: Gate | None = None,
    ) -> _Pull:
        """One BatchGetItem: the profile's head, the client, the head of every shared feed whose
        cached head is stale (none while the cache is fresh), for a profile shared with the
        user the membership, and what the gate admits the caller by. Records the device's presence."""
        # The shared feeds (the catalog) come with the loop of the user's own profile only.
        names = () if scope.shared else self.shared_feeds
        feeds = [self._feed_position(name, position) for name in names]
        pk, client_id = scope.partition, scope.client(own_client)
        read_at = self.clock()
        stale = [feed for feed in feeds if feed.head is None]
        snapshot = read_first(
            pk,
            client_id,
            heads=[feed.feed.partition for feed in stale],
            also=[*scope.keys(own_client), *gate_keys(gate)],
        )
        access = scope.decide(snapshot.also, own_client)
        for feed in stale:
            feed.head = feed.cache.put(snapshot.heads[feed.feed.partition], read_at)
        if snapshot.client.revoked:
            raise Forbidden("This device was signed out; sign in again", reason="DEVICE_REVOKED")
        self._admit_caller(snapshot, gate)
        self._record_presence(pk, client_id, snapshot.client, device, read_at)
        pull = _Pull(
            pk,
            position,
            snapshot.head,
            read_at,
            snapshot.client.last_mutation_id,
            feeds,
            access,
            scope.shared,
        )
        pull.positions.update(pull.grant)
        return pull

    def _reset(self, binding: str, pull: _Pull) -> PullResult:
        """The answer to a cursor that cannot go on: start over (`resetRequired`), nothing else."""
        fresh = Cursor(0, pull.head.epoch or "", int(pull.read_at.timestamp()), pull.grant)
        anything = pull.head.seq > 0 or any(feed.known.head.seq > 0 for feed in pull.feeds)
        return PullResult(
            encode(fresh, self.cursor_key, binding), anything, True, pull.last_mutation_id, [], pull.access
        )

    def _wait(self, pull: _Pull, wait_seconds: int) -> None:
        """While no feed has anything new and `wait_seconds` (on the engine's clock) have not passed,
        sleep and read the heads again: after 0.25 s, then twice as long each time up to 2 s (1 s
        while the head says a server write is coming), the last sleep cut short at the deadline."""
        deadline = self.clock() + timedelta(seconds=wait_seconds)
        interval = FIRST_POLL_SECONDS
        while not pull.news() and (now := self.clock()) < deadline:
            self.sleep(min(interval, _longest_poll(pull.head, now), (deadline - now).total_seconds()))
            interval = min(interval * 2, LAST_POLL_SECONDS)
            self._poll_heads(pull)

    def _poll_heads(self, pull: _Pull) -> None:
        """The user's head, and the shared heads whose cached copy went stale: ONE round trip."""
        read_at = self.clock()
        for feed in pull.feeds:
            feed.head = feed.cache.fresh() or feed.head
        stale = [feed for feed in pull.feeds if feed.cache.fresh() is None]
        heads = read_heads([pull.pk] + [feed.feed.partition for feed in stale])
        pull.head, pull.read_at = heads[pull.pk], read_at
        for feed in stale:
            feed.head = feed.cache.put(heads[feed.feed.partition], read_at)

    def _page_own_feed(self, pull: _Pull, limit: int) -> None:
        """The user's changes after the cursor up to the head: one Query of at most `limit`."""
        pull.seq = max(pull.after, pull.head.seq)
        pull.safe_times = [pull.read_at]  # caught up as of read_at, unless the page stops short
        if pull.head.seq <= pull.after:
            return
        # A reader needs no field stamps or merge state: leave them out of the Query (merge_state=False).
        page, more = feed_page(pull.pk, after=pull.after, upto=pull.head.seq, limit=limit, merge_state=False)
        # What the role may not read is skipped (the cursor still moves past it).
        pull.records.extend(r for r in page if not pull.shared or pull.access.reads_collection(r.collection))
        if more and page:
            last = page[-1]
            pull.seq, pull.safe_times, pull.has_more = last.seq, [last.updated_at or pull.read_at], True

    def _page_shared_feed(self, pull: _Pull, feed: _FeedPosition, limit: int) -> None:
        """One shared feed's changes up to its head, with what is left of the page (as each
        user may see them), and where the client stands in it afterwards."""
        known = feed.known
        reached = feed.after
        if known.head.seq <= feed.after:
            pull.safe_times.append(known.read_at)  # caught up as of that head's read
        elif pull.has_more or len(pull.records) >= limit:
            pull.has_more = True  # this pull's page is full: the feed waits for the next pull
            if pull.position is not None and feed.after > 0:
                pull.safe_times.append(datetime.fromtimestamp(pull.position.safe_at, UTC))
        else:
            page, more = feed_page(
                feed.feed.partition,
                after=feed.after,
                upto=known.head.seq,
                limit=limit - len(pull.records),
                merge_state=False,
            )
            for record in page:
                seen = feed.feed.view(record)
                if seen.deleted and feed.after == 0:
                    continue  # a client starting this feed has nothing to remove
                pull.records.append(seen)
            if more and page:
                last = page[-1]
                reached, pull.has_more = last.seq, True
                pull.safe_times.append(last.updated_at or known.read_at)
            else:
                reached = known.head.seq
                pull.safe_times.append(known.read_at)
        if reached > 0:
            pull.positions[feed.feed.name] = reached
            tag = epoch_tag(known.head.epoch)
            if tag is not None:
                pull.positions[feed.feed.epoch_key] = tag

    def _record_presence(
        self, pk: str, client_id: str, client: ClientInfo, device: DeviceInfo | None, now: datetime
    ) -> None:
        """A pulling device is a device: write its lastSyncAt (and what it says about itself) at most
        once per presence interval, or when that description changed. An idle poll writes nothing."""
        if not presence_due(client, device, now, self.presence_interval):
            return
        try:
            touch_client(pk, client_id, now, device)
        except CONTENTION:  # presence is best effort: the pull itself goes on
            logger.warning("device presence not recorded", extra={"client_id": client_id})

    def _feed_position(self, name: str, position: Cursor | None) -> _FeedPosition:
        feed = self.shared_feeds[name]
        state = _FeedPosition(
            feed=feed,
            cache=self._head_caches[name],
            after=position.positions.get(name, 0) if position else 0,
            tag=position.positions.get(feed.epoch_key) if position else None,
        )
        cached = state.cache.fresh()
        state.head = None if state.stale_for(cached) else cached
        return state


def presence_due(client: ClientInfo, device: DeviceInfo | None, now: datetime, interval: timedelta) -> bool:
    """Whether a pull records the device's presence: a new device, one last recorded `interval`
    ago or more, or one whose description (name, platform, app version, sign-in) changed."""
    due = client.last_sync_at is None or now - client.last_sync_at >= interval
    return due or described_anew(client, device)


def described_anew(client: ClientInfo, device: DeviceInfo | None) -> bool:
    """Whether a push writes the client item: a new device, or one whose description changed (a
    new app version, a new sign-in, which revoking the device must refuse). Its lastSyncAt is the
    pulls' (each app open, each poke): a push writes only the head. False when the item was not
    read (a large push): the next pull records it."""
    if not client.exists:
        return True
    return (
        client.read
        and device is not None
        and any(
            value is not None and value != getattr(client.device, name)
            for name, value in vars(device).items()
        )
    )


def _longest_poll(head: Head, now: datetime) -> float:
    """The longest sleep between head reads: 1 s while a server write is expected, else 2 s."""
    if head.poll_fast_until is not None and now < head.poll_fast_until:
        return FAST_POLL_SECONDS
    return LAST_POLL_SECONDS


def _check_client_id(client_id: str) -> None:
    if not CLIENT_ID.match(client_id):
        raise BadUserInput(
            "clientId must be 1-128 characters of letters, digits and . _ : - (one id per app installation)",
            field="clientId",
        )


def _merge(existing: Increment | None, increment: Increment) -> Increment:
    if existing is None:
        return increment
    added = dict(existing.add)
    for name, amount in increment.add.items():
        added[name] = added.get(name, 0) + amount
    return Increment(increment.sort_key, added, {**increment.set_once, **existing.set_once})
