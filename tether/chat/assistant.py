"""The assistant: exactly one reply per user message, within a time budget, with memory and budgets.

Flow (docs/chat.md): a user message is stored (a push or `sendChatMessage`), its reply is created
PENDING with an id derived from the message id, then an attempt takes a lease on the reply, builds
the prompt (system prompt, rolling summary, recent turns), charges the budgets, calls the provider
and writes the reply COMPLETE or FAILED through the sync engine, so devices get it by pulling.
With a reply queue, a push only creates the PENDING replies and hands them to the worker (`work`),
and `sendChatMessage` hands over what it could not finish within its time budget.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ulid import ULID

from tether.chat import files, memory
from tether.chat.budget import Budget, Refusal, Reservation
from tether.chat.config import check_chat
from tether.chat.facts import Fact, LongTermMemory
from tether.chat.model import (
    ASSISTANT,
    COMPLETE,
    FAILED,
    MAX_REPLY_TEXT,
    MAX_SUMMARY,
    MESSAGES,
    PENDING,
    PENDING_PREFIX,
    THREADS,
    USER,
    message_position,
    position_sort_key,
    reply_id,
    reply_payload,
)
from tether.chat.providers.base import (
    REFUSED,
    TIMEOUT,
    ChatRequest,
    ChatResponse,
    Provider,
    ProviderError,
    Turn,
)
from tether.chat.providers.tool_use import ToolRound
from tether.chat.queue import ReplyJob, ReplyQueue
from tether.chat.threads import create_thread, messages_page, require_reads
from tether.chat.tools import MAX_ROUNDS, Toolbox, ToolContext
from tether.errors import Conflict, Forbidden, NotFound, TetherError
from tether.model.head import Head
from tether.model.record import Record
from tether.people.access import Access
from tether.pieces import PIECES
from tether.sessions import SESSIONS
from tether.settings import CHAT_LEASE_MARGIN_SECONDS, Settings
from tether.storage import chat as chat_store
from tether.storage.heads import all_pending_found, read_head
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.storage.snapshot import read_snapshot
from tether.sync import reads
from tether.sync.collection import REJECTED
from tether.sync.engine import MutationResult, ServerChange, SyncEngine
from tether.telemetry import logger

THREAD_NOT_FOUND = "THREAD_NOT_FOUND"
RATE_LIMITED = "RATE_LIMITED"
CONSENT_REQUIRED = "CONSENT_REQUIRED"
THREAD_NOT_FOUND_MESSAGE = "This message's thread does not exist (create the thread, then retry)."
LEASE_MARGIN_SECONDS = CHAT_LEASE_MARGIN_SECONDS
MIN_CALL_SECONDS = 2.0  # a provider call starts only with this much time left (or its whole timeout)
PAGE = 100
SWEEP = 10  # older PENDING replies a push tries to complete, oldest first


@dataclass(frozen=True)
class Attempt:
    """What became of a reply attempt: the reply as stored, and the budget refusal if any."""

    reply: Record | None
    refusal: Refusal | None = None
    called: bool = False  # the provider was asked
    head: Head | None = None  # the partition's head as this attempt's write left it


@dataclass(frozen=True)
class _Turn:
    """A user message waiting for its reply (the reply's id is derived from the message's)."""

    message_id: str
    rid: str
    message: Record
    reply: Record
    thread_id: str
    thread: Record | None = None  # read with the message (when `thread_read`)
    thread_read: bool = False


@dataclass(frozen=True)
class _Prompt:
    """What an attempt will send: the memory plan, the thread's summary and context, and the
    tokens reserved against the budgets for all of it."""

    plan: memory.Plan
    summary: str | None
    context: str | None
    max_output: int
    reserve: int
    files: tuple[files.Declared, ...] = ()  # read with the message (its own, the thread's context)
    facts: list[Fact] | None = None  # long-term memory: None when it is off for this profile
    remembered: str | None = None  # the memory section of the system prompt


@dataclass
class _Spent:
    """Provider tokens an attempt used so far (every call: summary, tool rounds, the answer)."""

    tokens: int = 0
    calls: list[ChatResponse] = field(default_factory=list)

    def add(self, response: ChatResponse) -> None:
        self.tokens += _tokens(response)
        self.calls.append(response)


class Assistant:
    """Writes the assistant's replies. One per deployment (`Services.chat`)."""

    def __init__(
        self,
        settings: Settings,
        engine: SyncEngine,
        provider: Provider,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        consent: Callable[[str], None] = lambda user_id: None,
        track_title: Callable[[str], str | None] = lambda track_id: None,
        collection_title: Callable[[str], str | None] = lambda collection_id: None,
        limits: Callable[[str], tuple[int, int]] | None = None,
        read_file: files.Reader | None = None,
        queue: ReplyQueue | None = None,
        recall: LongTermMemory | None = None,
        toolbox: Toolbox | None = None,
    ) -> None:
        check_chat(settings)
        self.settings = settings
        # Raises FORBIDDEN (reason CONSENT_REQUIRED) when the deployment requires a consent for chat
        # that the user has not given (TETHER_REQUIRED_CONSENTS, e.g. chat=ai_chat).
        self.consent = consent
        self.track_title = track_title  # the shared catalog's title of a track, when published
        self.collection_title = collection_title  # ... and of a collection
        # An attachment's bytes from S3 (tether/uploads.py); None without a media bucket.
        self.read_file = read_file
        self.file_limits = files.limits_for(provider.name)
        self.engine = engine
        self.provider = provider
        self.clock = clock
        self.now = now
        self.budget = Budget(
            max_messages=settings.chat_daily_messages, max_tokens=settings.chat_daily_tokens, now=now
        )
        # (messages, tokens) a day for a user, when plans set them (docs/entitlements.md)
        self.limits = limits
        self.lease_ms = int(settings.chat_reply_window / timedelta(milliseconds=1))
        # Where replies are handed over (docs/chat.md, "The worker"); None: answered in the request.
        self.queue = queue
        self.recall = recall  # long-term memory (None: off for everyone)
        self.toolbox = toolbox  # read-only tools over the profile's data (None: no tools)

    def _budget(self, pk: str) -> Budget:
        """The user's daily budget: their plan's, or the deployment's."""
        if self.limits is None:
            return self.budget
        messages, tokens = self.limits(pk.removeprefix("USER#"))
        return Budget(max_messages=messages, max_tokens=tokens, now=self.budget.now)

    # ---- entry points

    def reply_window(self) -> timedelta:
        """How soon after its PENDING reply is stored a reply may be written (an attempt's lease):
        waiting pulls poll fast meanwhile (Head.poll_fast_until); `Settings.chat_reply_window`."""
        return timedelta(milliseconds=self.lease_ms)

    def deadline(self, started: float) -> float:
        """When a request that started at `started` (clock time) must stop calling the provider."""
        return started + self.settings.chat_time_budget_seconds

    def after_push(self, user_id: str, results: Sequence[MutationResult], started: float) -> None:
        """After a push: tombstone deleted threads' messages, then hand the new messages' PENDING
        replies to the worker (the push answers at once). Without a queue (or when it cannot be
        reached), reply within the time budget (oldest first), then to older PENDING replies."""
        chat = [result for result in results if result.collection in (THREADS, MESSAGES)]
        if not chat:
            return
        pk = user_key(user_id)
        for result in chat:
            if result.collection is THREADS and result.record is not None and result.record.deleted:
                self.delete_thread_messages(user_id, result.record.id)
        sent = sent_messages(chat)
        # Replies the push committed PENDING with their messages (SendMessage.follow_ups) need no
        # read or write here; the others (a retried push, a member's message) are prepared now.
        ready = {
            result.record.id
            for result in chat
            if result.record is not None and any(_pending(record) for record in result.follow_ups)
        }
        prepared = set(self._prepare(pk, [message for message in sent if message.id not in ready]))
        waiting = [message for message in sent if message.id in ready or message.id in prepared]
        if waiting and self._hand_over(user_id, waiting):
            return
        deadline = self.deadline(started)
        tried: set[str] = set()
        for message in waiting:
            tried.add(message.id)
            if not self._safely(pk, message.id, deadline, retry=False, thread_id=_thread_of(message)):
                return
        self._sweep(user_id, deadline, tried)

    def screen_push(self, user_id: str, results: Sequence[MutationResult], access: Access | None) -> None:
        """Before `after_push`: a member's pushed messages that would have the model read what the
        member's role cannot (attachments, the thread's context record) get their reply FAILED
        with NOT_PERMITTED at once, so no attempt ever reads those files for them. Free for the
        profile's own account and for roles that read everything the model may (OWNER, GUARDIAN);
        one BatchGetItem (the threads) otherwise."""
        if access is None or all(access.reads_collection(name) for name in CONTEXT_COLLECTIONS.values()):
            return
        sent = sent_messages(results)
        if not sent:
            return
        pk = user_key(user_id)
        threads = read_snapshot(
            pk, None, {THREADS.sort_key(str(m.data.get("thread_id"))) for m in sent}
        ).records
        refused: list[ServerChange] = []
        for message in sent:
            thread = threads.get(THREADS.sort_key(str(message.data.get("thread_id"))))
            context = thread.data.get("context") if thread is not None else None
            try:
                require_context(access, context, bool(message.data.get("attachment_ids")))
            except Forbidden as refusal:
                refused.append(self._new_reply(message, FAILED, "NOT_PERMITTED", refusal.message))
        if refused:
            self.engine.write(pk, refused)

    def send(
        self, user_id: str, payload: dict[str, Any], started: float, access: Access | None = None
    ) -> Attempt:
        """The direct `sendChatMessage`: store the message and answer it now (within the budget).

        `user_id` is the profile chatted in; `access` the caller's access to it (a member's).
        An unknown thread is NOT_FOUND, a used-up budget RATE_LIMITED, and attachments the caller
        may not read or the provider cannot take FORBIDDEN / NOT_FOUND / BAD_USER_INPUT, all before
        anything is stored, read from S3 or sent to the provider.
        """
        operation = MESSAGES.operations["send"]
        checked = operation.check(MESSAGES, payload, "input")
        self.consent(user_id)
        pk = user_key(user_id)
        thread = reads.get(user_id, THREADS, checked["thread_id"])
        if thread is None:
            raise NotFound("No chat thread with this id", field="input.threadId")
        require_context(access, thread.data.get("context"), bool(checked.get("attachment_ids")))
        self._declared(pk, thread, checked.get("attachment_ids") or [])
        if reads.get(user_id, MESSAGES, checked["id"]) is None:  # sent again: it was counted already
            charged = self._budget(pk).charge(pk, checked["id"], 0)
            if isinstance(charged, Refusal):
                raise charged.error()
        [stored] = self.engine.write(pk, [ServerChange(MESSAGES, "send", checked)])
        if stored.status == REJECTED or stored.record is None:
            raise Conflict(stored.message or "The message could not be stored", reason=stored.code)
        waiting = self._prepare(pk, [stored.record])
        attempt = Attempt(None)
        if waiting:
            attempt = self._attempt(
                pk,
                checked["id"],
                self.deadline(started),
                retry=False,
                counted=True,
                thread_id=checked["thread_id"],
            )
        if attempt.refusal is not None:
            raise attempt.refusal.error()
        return self._handed_over_if_pending(user_id, checked["id"], attempt)

    def create_thread(self, profile_id: str, access: Access, payload: Mapping[str, Any]) -> Record:
        """`createChatThread`: the thread, its context checked against what the caller may read."""
        return create_thread(
            self.engine,
            profile_id,
            access,
            payload,
            catalog_title=self._catalog_title,
            limits=self.file_limits,
        )

    def _catalog_title(self, kind: str, record_id: str) -> str | None:
        return self.track_title(record_id) if kind == "track_id" else self.collection_title(record_id)

    def retry(self, user_id: str, message_id: str, started: float, access: Access | None = None) -> Attempt:
        """`retryChatReply`: try again to answer a message whose reply is PENDING or FAILED.

        Takes the user message's id or its reply's id. A COMPLETE reply is returned as it is.
        """
        record = reads.get(user_id, MESSAGES, message_id)
        if record is not None and record.data.get("role") == ASSISTANT:
            record = reads.get(user_id, MESSAGES, str(record.data.get("reply_to")))
        if record is None:
            raise NotFound("No chat message with this id", field="messageId")
        if access is not None and not access.own:
            thread = reads.get(user_id, THREADS, str(record.data.get("thread_id")))
            context = thread.data.get("context") if thread is not None else None
            require_context(access, context, bool(record.data.get("attachment_ids")))
        self.consent(user_id)
        pk = user_key(user_id)
        self._prepare(pk, [record])
        attempt = self._attempt(
            pk, record.id, self.deadline(started), retry=True, thread_id=_thread_of(record)
        )
        if attempt.refusal is not None:
            raise attempt.refusal.error()
        return self._handed_over_if_pending(user_id, record.id, attempt)

    def work(self, job: ReplyJob, started: float) -> bool:
        """The worker: answer a job's messages in order within the time budget, then older PENDING
        replies while time is left. True when none of the job's replies is PENDING any more (the
        job is done); False sends it back to the queue (an attempt crashed, the provider timed out,
        another attempt holds the lease, or time ran out), to be tried again."""
        profile, message_ids = job.profile, job.messages
        pk = user_key(profile)
        deadline = self.deadline(started)
        done = True
        head: Head | None = None  # as the job's last attempt left it (None: read it)
        for position, message_id in enumerate(message_ids):
            if self._remaining(deadline) < self._min_call():
                return False
            head = None
            try:
                attempt = self._attempt(
                    pk, message_id, deadline, retry=False, thread_id=job.thread_of(position)
                )
            except Exception as error:  # never the message: chat text must not reach the logs
                logger.warning(
                    "chat reply attempt failed; the job is tried again",
                    extra={"reply_id": reply_id(message_id), "error": type(error).__name__},
                )
                done = False
                continue
            head = attempt.head
            reply = attempt.reply if attempt.reply is not None else self._reply(pk, message_id)
            done = done and not _pending(reply)
        self._sweep(profile, deadline, set(message_ids), head)
        return done

    def delete_thread_messages(self, user_id: str, thread_id: str) -> int:
        """Tombstone every message of a (deleted) thread, a page per transaction; devices drop them on pull."""
        pk = user_key(user_id)
        deleted = 0
        while True:
            page = messages_page(user_id, thread_id, first=PAGE)
            records = page.records
            if page.next_key is not None and len(records) > 1 and records[-1].data.get("role") == USER:
                records = records[:-1]  # its reply (no index entry of its own) leads the next page
            if not records:
                return deleted
            self.engine.write(pk, [ServerChange(MESSAGES, "delete", {"id": r.id}) for r in records])
            deleted += len(records)

    # ---- preparing replies

    def _prepare(self, pk: str, messages: Sequence[Record]) -> list[str]:
        """Create the PENDING reply of each message that has none (one transaction); the ids of the
        messages whose reply is now PENDING, in order. A message of a deleted thread is tombstoned;
        one whose thread does not exist gets a FAILED reply."""
        if not messages:
            return []
        keys = {MESSAGES.sort_key(reply_id(m.id)) for m in messages}
        keys |= {THREADS.sort_key(str(m.data.get("thread_id"))) for m in messages}
        found = read_snapshot(pk, None, keys).records
        changes: list[ServerChange] = []
        waiting: list[str] = []
        for message in messages:
            thread = found.get(THREADS.sort_key(str(message.data.get("thread_id"))))
            reply = found.get(MESSAGES.sort_key(reply_id(message.id)))
            if thread is not None and thread.deleted:
                changes.append(ServerChange(MESSAGES, "delete", {"id": message.id}))
                changes.append(ServerChange(MESSAGES, "delete", {"id": reply_id(message.id)}))
            elif reply is not None:
                if reply.data.get("status") == PENDING and not reply.deleted:
                    waiting.append(message.id)
            elif thread is None:
                changes.append(self._new_reply(message, FAILED, THREAD_NOT_FOUND, THREAD_NOT_FOUND_MESSAGE))
            else:
                changes.append(self._new_reply(message, PENDING))
                waiting.append(message.id)
        if changes:
            soon = self.now() + timedelta(milliseconds=self.lease_ms) if waiting else None
            self.engine.write(pk, changes, poll_fast_until=soon)
        return waiting

    def _hand_over(self, profile: str, messages: Sequence[Record]) -> bool:
        """Give PENDING replies (of these user messages, or the replies themselves: both name the
        thread) to the worker; False (logged) when there is no queue or it failed."""
        if self.queue is None:
            return False
        ids = tuple(str(m.data.get("reply_to")) if _is_reply(m) else m.id for m in messages)
        try:
            self.queue.send(ReplyJob(profile, ids, tuple(_thread_of(m) for m in messages)))
        except Exception as error:  # the request answers them itself, as without a queue
            logger.warning("chat reply job not queued", extra={"error": type(error).__name__})
            return False
        return True

    def _handed_over_if_pending(self, profile: str, message_id: str, attempt: Attempt) -> Attempt:
        """The reply as it is after a request's attempt; still PENDING (the model was slow, or time
        ran out), it is handed to the worker, which finishes it and devices pull it."""
        reply = attempt.reply or self._reply(user_key(profile), message_id)
        if _pending(reply) and attempt.reply is not None:
            self._hand_over(profile, [attempt.reply])
        return Attempt(reply, called=attempt.called)

    def _new_reply(
        self, message: Record, status: str, code: str | None = None, error: str | None = None
    ) -> ServerChange:
        return ServerChange(MESSAGES, "reply", reply_payload(message, status, code, error))

    # ---- one attempt

    def _safely(
        self, pk: str, message_id: str, deadline: float, *, retry: bool, thread_id: str | None
    ) -> bool:
        """An attempt whose failure (e.g. a database error) leaves the reply PENDING for later.
        False when the time budget is spent (stop trying further replies)."""
        if self._remaining(deadline) < self._min_call():
            return False
        try:
            self._attempt(pk, message_id, deadline, retry=retry, thread_id=thread_id)
        except Exception as error:  # never the message: chat text must not reach the logs
            logger.warning(
                "chat reply attempt failed; the reply stays PENDING",
                extra={"reply_id": reply_id(message_id), "error": type(error).__name__},
            )
        return True

    def _attempt(
        self,
        pk: str,
        message_id: str,
        deadline: float,
        *,
        retry: bool,
        counted: bool = False,
        thread_id: str | None = None,
    ) -> Attempt:
        """One attempt under the reply's lease. The lease is given back unless the reply is now
        COMPLETE: no attempt asks the model for a COMPLETE reply again (each reads it under its
        lease first), so that lease is left to expire and DynamoDB's TTL (free) to remove, saving
        the DeleteItem (docs/chat.md "Flow", step 3)."""
        rid = reply_id(message_id)
        owner = str(ULID())
        now = self.now()
        now_ms = int(now.timestamp() * 1000)
        if not chat_store.claim_lease(
            pk, rid, owner, now_ms, now_ms + self.lease_ms, now + timedelta(days=1)
        ):
            return Attempt(None)  # another attempt holds the lease
        attempt = Attempt(None)
        try:
            attempt = self._attempt_leased(
                pk, message_id, deadline, retry=retry, counted=counted, thread_id=thread_id
            )
            return attempt
        finally:
            if not _complete(attempt.reply):
                self._release(pk, rid, owner)

    def _release(self, pk: str, rid: str, owner: str) -> None:
        try:
            chat_store.release_lease(pk, rid, owner)
        except Exception as error:  # it expires on its own
            logger.warning("chat lease not released", extra={"reply_id": rid, "error": type(error).__name__})

    def _attempt_leased(
        self, pk: str, message_id: str, deadline: float, *, retry: bool, counted: bool, thread_id: str | None
    ) -> Attempt:
        """Under the lease: load the turn, check its thread, plan the prompt, admit it (consent and
        budget), then call the provider and store the reply."""
        loaded = self._load_turn(pk, message_id, retry=retry, thread_id=thread_id)
        if isinstance(loaded, Attempt):
            return loaded
        thread = self._live_thread(pk, loaded)
        if isinstance(thread, Attempt):
            return thread
        prompt = self._plan(pk, thread, loaded.message)
        try:  # the files' limits, on their records: a refusal costs no S3 read and no provider call
            declared = self._declared(pk, thread, loaded.message.data.get("attachment_ids") or [])
        except TetherError as refusal:
            reason = str(refusal.extensions.get("reason") or files.UNREADABLE)
            return self._stored(pk, loaded.rid, _failed(reason, refusal.message))
        if declared:
            prompt = replace(
                prompt, files=tuple(declared), reserve=prompt.reserve + files.estimate_tokens(declared)
            )
        charged = self._admit(pk, loaded, prompt.reserve, counted=counted)
        if isinstance(charged, Attempt):
            return charged
        return self._answer(pk, loaded, prompt, charged, deadline)

    def _load_turn(self, pk: str, message_id: str, *, retry: bool, thread_id: str | None) -> _Turn | Attempt:
        """The message and its reply (and `thread_id`'s thread, the message's as far as the caller
        knows, in the same read); an Attempt when there is nothing (more) to answer."""
        rid = reply_id(message_id)
        keys = [MESSAGES.sort_key(message_id), MESSAGES.sort_key(rid)]
        found = read_snapshot(pk, None, keys + ([THREADS.sort_key(thread_id)] if thread_id else [])).records
        message = found.get(MESSAGES.sort_key(message_id))
        reply = found.get(MESSAGES.sort_key(rid))
        if message is None or message.deleted or reply is None or reply.deleted:
            return Attempt(reply)
        status = reply.data.get("status")
        if status == COMPLETE or (status == FAILED and not retry):
            return Attempt(reply)  # answered already: the provider is never asked twice
        own = str(message.data.get("thread_id"))
        thread = found.get(THREADS.sort_key(own))
        return _Turn(message_id, rid, message, reply, own, thread, thread_read=own == thread_id)

    def _live_thread(self, pk: str, turn: _Turn) -> Record | Attempt:
        """The message's thread; a missing one fails the reply, a deleted one removes the turn."""
        thread = turn.thread if turn.thread_read else get_record(pk, THREADS.sort_key(turn.thread_id))
        if thread is None or not thread.exists:
            return self._stored(pk, turn.rid, _failed(THREAD_NOT_FOUND, THREAD_NOT_FOUND_MESSAGE))
        if thread.deleted:
            self.engine.write(
                pk,
                [
                    ServerChange(MESSAGES, "delete", {"id": turn.message_id}),
                    ServerChange(MESSAGES, "delete", {"id": turn.rid}),
                ],
            )
            return Attempt(None)
        return thread

    def _plan(self, pk: str, thread: Record, message: Record) -> _Prompt:
        """The memory plan, the thread's context and the tokens to reserve for the whole attempt."""
        history = self._history(pk, thread, message)
        plan = memory.plan(history, self.settings.chat_memory_tokens)
        summary = thread.data.get("summary")
        context = self._context(pk, thread)
        facts = self._facts(pk)
        remembered = self.recall.section(facts) if self.recall is not None and facts else None
        max_output = self.settings.chat_max_output_tokens
        system = memory.system_prompt(self.settings.chat_system_prompt, context, summary, remembered)
        reserve = memory.estimate(system) + sum(turn.tokens for turn in plan.window) + max_output
        if plan.fold:
            reserve += memory.estimate(memory.summary_input(summary, plan.fold))
            reserve += 2 * self.settings.chat_summary_tokens  # its prompt's summary and the new one
        if self.toolbox is not None:  # one tool round: the prompt again, its results, a reply
            reserve += self.toolbox.reserve(reserve)
        return _Prompt(plan, summary, context, max_output, reserve, facts=facts, remembered=remembered)

    def _facts(self, pk: str) -> list[Fact] | None:
        """The profile's long-term memory, when it is on for this profile (else None)."""
        profile_id = pk.removeprefix("USER#")
        if self.recall is None or not self.recall.enabled(profile_id):
            return None
        return self.recall.read(profile_id)

    def _admit(self, pk: str, turn: _Turn, reserve: int, *, counted: bool) -> Reservation | Attempt:
        """Consent, then the budgets: a reservation, or the reply failed with the reason."""
        try:
            self.consent(pk.removeprefix("USER#"))
        except Forbidden as refused:  # a message pushed before the user consented: kept, not answered
            reason = str(refused.extensions.get("reason") or CONSENT_REQUIRED)
            return self._stored(pk, turn.rid, _failed(reason, refused.message))
        charged = self._budget(pk).charge(pk, turn.message_id, reserve, counted=counted)
        if isinstance(charged, Refusal):
            fields = _failed(RATE_LIMITED, charged.message)
            fields["retry_at"] = charged.resets_at
            return self._stored(pk, turn.rid, fields, refusal=charged)
        return charged

    def _answer(
        self,
        pk: str,
        turn: _Turn,
        prompt: _Prompt,
        charged: Reservation,
        deadline: float,
    ) -> Attempt:
        """Fold old turns if there is time, call the provider, store the reply; settle the budget."""
        rid, reply, thread_id = turn.rid, turn.reply, turn.thread_id
        spent = _Spent()
        summary = prompt.summary
        thread_fields: dict[str, Any] = {}
        learned: list[ServerChange] = []
        fields: dict[str, Any]
        started = self.clock()
        try:
            if prompt.plan.fold and self._remaining(deadline) >= 2 * self._min_call():
                folded = self._fold(summary, prompt.plan.fold, deadline, prompt.facts)
                if folded is not None:
                    spent.add(folded)
                    summary, learned = self._learned(folded.text, prompt.facts)
                    thread_fields = {"summary": summary, "folded_through": prompt.plan.fold[-1].position}
            if self._remaining(deadline) < self._min_call():
                # stays PENDING
                return self._stored(pk, rid, {}, thread_id, thread_fields, learned)
            try:
                parts = self._read_files(pk, prompt.files)
            except TetherError as refusal:
                reason = str(refusal.extensions.get("reason") or files.UNREADABLE)
                failed = _failed(reason, refusal.message)
                return self._stored(pk, rid, failed, thread_id, thread_fields, learned)
            request = ChatRequest(
                system=memory.system_prompt(
                    self.settings.chat_system_prompt, prompt.context, summary, prompt.remembered
                ),
                turns=with_parts([Turn(t.role, t.text) for t in prompt.plan.window], parts),
                max_tokens=prompt.max_output,
                **self._limits(deadline),
            )
            try:
                response = self._converse(pk, rid, request, deadline, spent)
            except ProviderError as error:
                attempts = int(reply.data.get("attempts") or 0) + 1
                self._log(rid, error.code, started, None, error)
                if error.code == TIMEOUT and attempts < self.settings.chat_max_attempts:
                    fields = {"attempts": attempts}  # stays PENDING: the next push or a retry tries again
                else:
                    fields = {**_failed(error.code, error.message), "attempts": attempts}
                return self._stored(pk, rid, fields, thread_id, thread_fields, learned, called=True)
            self._log(rid, COMPLETE, started, response, None)
            fields = {
                "status": COMPLETE,
                "text": response.text[:MAX_REPLY_TEXT],
                "model": response.model,
                "input_tokens": response.input_tokens,
                "output_tokens": response.output_tokens,
                "error_code": None,
                "error_message": None,
                "retry_at": None,
                "attempts": int(reply.data.get("attempts") or 0) + 1,
            }
            thread_fields["last_message_at"] = self.now()
            return self._stored(pk, rid, fields, thread_id, thread_fields, learned, called=True)
        finally:
            self.budget.settle(pk, charged, spent.tokens)

    def _converse(
        self, pk: str, rid: str, request: ChatRequest, deadline: float, spent: _Spent
    ) -> ChatResponse:
        """The reply, with up to MAX_ROUNDS tool rounds (docs/chat.md, "Tools"): while the model
        asks for tools, run them over the profile's own data and ask again with their results. The
        last request (after the last round, or when time is short) allows no more calls."""
        if self.toolbox is None:
            response = self.provider.complete(request)
            spent.add(response)
            return response
        context = ToolContext(pk.removeprefix("USER#"))
        rounds: list[ToolRound] = []
        while True:
            final = len(rounds) >= MAX_ROUNDS or self._remaining(deadline) < 2 * self._min_call()
            asked = dataclasses.replace(
                request,
                tools=self.toolbox.specs,
                rounds=tuple(rounds),
                final=final,
                **(self._limits(deadline) if rounds else {}),
            )
            response = self.provider.complete(asked)
            spent.add(response)
            if not response.tool_calls or final:
                if not response.text:  # it still wants tools after the last round
                    raise ProviderError(REFUSED, kind="ToolCallsAfterLastRound")
                return ChatResponse(
                    response.text,
                    response.model,
                    _total(spent.calls[-len(rounds) - 1 :], "input_tokens"),
                    _total(spent.calls[-len(rounds) - 1 :], "output_tokens"),
                )
            results = self.toolbox.run_round(context, response.tool_calls, rid)
            rounds.append(ToolRound(response.text, tuple(response.tool_calls), tuple(results)))

    def _learned(self, text: str, facts: list[Fact] | None) -> tuple[str, list[ServerChange]]:
        """A summarization reply as the thread's new summary and the changes learning its facts."""
        if self.recall is None or facts is None:
            return text[:MAX_SUMMARY], []
        summary, found = self.recall.split(text)
        return summary[:MAX_SUMMARY], self.recall.learn(facts, found)

    def _fold(
        self,
        summary: str | None,
        fold: Sequence[memory.Message],
        deadline: float,
        facts: list[Fact] | None = None,
    ) -> ChatResponse | None:
        """Fold the oldest turns into the summary (a summarization call to the same provider).

        If it fails, the summary stays as it was and those turns are folded on a later attempt;
        the reply goes on with the recent window (which fits the budget either way)."""
        limits = self._limits(deadline)
        limits["timeout"] = min(limits["timeout"], self._remaining(deadline) / 2)
        limits["max_retries"] = 0
        asks = self.recall.instruction(facts) if self.recall is not None and facts is not None else ""
        request = ChatRequest(
            system=memory.summary_system(self.settings.chat_summary_tokens, asks),
            turns=[Turn("user", memory.summary_input(summary, fold))],
            max_tokens=self.settings.chat_summary_tokens,
            purpose="summary",
            **limits,
        )
        try:
            return self.provider.complete(request)
        except ProviderError as error:
            logger.warning(
                "chat summary failed; the thread keeps its summary",
                extra={"code": error.code, "provider": self.provider.name, "status": error.status},
            )
            return None

    # ---- reading a thread

    def _history(self, pk: str, thread: Record, message: Record) -> list[memory.Message]:
        """The unfolded turns of the thread up to and including `message`, in conversation order."""
        current = message_position(message) or ""
        folded = thread.data.get("folded_through")
        after = {"sk": position_sort_key(folded), "lk": folded} if folded else None
        turns: list[memory.Message] = []
        user_id = pk.removeprefix("USER#")
        # A reply retried late, after the thread folded past its message, has only the summary.
        while not (folded and folded >= current):
            page = messages_page(
                user_id,
                thread.id,
                first=PAGE,
                after=after,
                before=current or None,  # the message and its reply are held already: not read again
            )
            for record in page.records:
                position = message_position(record) or ""
                if position >= current:
                    break
                turn = _turn(record, position)
                if turn is not None:
                    turns.append(turn)
            else:
                if page.next_key is not None:
                    after = page.next_key
                    continue
            break
        turns.append(
            memory.Message("user", str(message.data.get("text", "")), current, MESSAGES.sort_key(message.id))
        )
        return turns

    def _context(self, pk: str, thread: Record) -> str | None:
        """What the thread is about, for the system prompt (only ever the owner's own data)."""
        context = thread.data.get("context") or {}
        if context.get("piece_id"):
            piece = get_record(pk, PIECES.sort_key(str(context["piece_id"])))
            if piece is not None and not piece.deleted and piece.data.get("title"):
                return f"This conversation is about the user's piece “{piece.data['title']}”."
        if context.get("session_id"):
            return self._session_context(pk, str(context["session_id"]))
        if context.get("attachment_id"):
            return "This conversation is about the user's file attached to their message (read it first)."
        if context.get("collection_id"):
            title = self.collection_title(str(context["collection_id"]))
            if title:
                return f"This conversation is about the collection “{title}” of the app's catalog."
            return f"This conversation is about the catalog collection {context['collection_id']}."
        if context.get("track_id"):
            title = self.track_title(str(context["track_id"]))
            if title:
                return f"This conversation is about the track “{title}” of the app's catalog."
            return f"This conversation is about the catalog track {context['track_id']}."
        return None

    def _session_context(self, pk: str, session_id: str) -> str | None:
        """A practice session as context: when, how long, and the piece or track practised."""
        session = get_record(pk, SESSIONS.sort_key(session_id))
        if session is None or session.deleted:
            return None
        data = session.data
        said = f"This conversation is about the user's practice session of {data.get('started_at')}"
        if data.get("duration_seconds"):
            said += f" ({round(int(data['duration_seconds']) / 60)} min)"
        if data.get("piece_id"):
            piece = get_record(pk, PIECES.sort_key(str(data["piece_id"])))
            if piece is not None and not piece.deleted and piece.data.get("title"):
                said += f" on their piece “{piece.data['title']}”"
        elif data.get("track_id"):
            title = self.track_title(str(data["track_id"]))
            if title:
                said += f" with the track “{title}”"
        return said + "."

    # ---- the files a reply reads

    def _declared(self, pk: str, thread: Record, attachment_ids: Sequence[str]) -> list[files.Declared]:
        """The thread's context file, then the message's own, checked against the provider's limits
        on their records (one BatchGetItem, in the profile's own partition); [] without files."""
        context = thread.data.get("context") or {}
        ids = list(
            dict.fromkeys(
                [*([context["attachment_id"]] if context.get("attachment_id") else []), *attachment_ids]
            )
        )
        if not ids:
            return []
        return files.declared(files.load_records(pk, ids), ids, self.file_limits)

    def _read_files(self, pk: str, declared: Sequence[files.Declared]) -> tuple[files.Part, ...]:
        if not declared:
            return ()
        if self.read_file is None:
            raise TetherError(
                "Attachments need a media bucket (TETHER_MEDIA_BUCKET)", reason="NOT_CONFIGURED"
            )
        return tuple(files.read_parts(pk.removeprefix("USER#"), declared, self.read_file))

    # ---- writing, time, logs

    def _stored(
        self,
        pk: str,
        rid: str,
        fields: dict[str, Any],
        thread_id: str | None = None,
        thread_fields: dict[str, Any] | None = None,
        learned: Sequence[ServerChange] = (),
        *,
        refusal: Refusal | None = None,
        called: bool = False,
    ) -> Attempt:
        """Write the reply's `fields` (with its thread's and the facts learned, in one transaction):
        the attempt, with the head as the write left it (what the job's sweep looks at)."""
        changes = [ServerChange(MESSAGES, "server_save", {"id": rid, **fields})]
        if thread_id and thread_fields:
            changes.append(ServerChange(THREADS, "server_save", {"id": thread_id, **thread_fields}))
        changes.extend(learned)  # facts learned by this attempt's fold, in the same transaction
        results, head = self.engine.write_with_head(pk, changes)
        return Attempt(results[0].record, refusal=refusal, called=called, head=head)

    def _reply(self, pk: str, message_id: str) -> Record | None:
        return get_record(pk, MESSAGES.sort_key(reply_id(message_id)))

    def _sweep(self, user_id: str, deadline: float, tried: set[str], head: Head | None = None) -> None:
        """Older PENDING replies (an earlier push ran out of time, or an attempt crashed): the ones
        on the head (then their records), and while the head says some may be in `byTime` (written
        before they moved to the head, or the head was full), those too. The head is the one the
        job's last write left (`head`: exact, its transaction was conditioned on the head it read;
        a reply a later push left waiting has its own job), else one GetItem."""
        if self._remaining(deadline) < self._min_call():
            return
        pk = user_key(user_id)
        for reply in self._waiting(pk, user_id, {reply_id(message_id) for message_id in tried}, head):
            message_id = str(reply.data.get("reply_to"))
            if message_id in tried:
                continue
            if not self._safely(pk, message_id, deadline, retry=False, thread_id=_thread_of(reply)):
                return

    def _waiting(self, pk: str, user_id: str, tried: set[str], head: Head | None = None) -> list[Record]:
        """Up to SWEEP PENDING replies not tried yet, oldest first."""
        head = head if head is not None else read_head(pk)
        on_head = sorted(((since, rid) for rid, since in (head.pending or {}).items() if rid not in tried))[
            :SWEEP
        ]
        keys = {MESSAGES.sort_key(rid) for _, rid in on_head}
        found = read_snapshot(pk, None, keys).records if keys else {}
        replies = [found[key] for key in map(MESSAGES.sort_key, (rid for _, rid in on_head)) if key in found]
        if head.all_pending:
            return [reply for reply in replies if _pending(reply)]
        page = reads.page(user_id, MESSAGES, first=SWEEP, index="byTime", prefix=PENDING_PREFIX)
        if not page.records:
            all_pending_found(pk, head)
        unique = {reply.id: reply for reply in [*page.records, *replies]}
        return [reply for reply in unique.values() if _pending(reply)]

    def _remaining(self, deadline: float) -> float:
        return deadline - self.clock()

    def _min_call(self) -> float:
        return min(MIN_CALL_SECONDS, self.settings.chat_provider_timeout_seconds)

    def _limits(self, deadline: float) -> dict[str, Any]:
        """Timeout and retries of one provider call: the whole call, retries included, fits the
        time left. A retry is allowed only if every attempt can have the full timeout."""
        remaining = max(0.1, self._remaining(deadline))
        timeout = min(self.settings.chat_provider_timeout_seconds, remaining)
        retries = self.settings.chat_provider_max_retries
        while retries > 0 and (retries + 1) * timeout + 1 > remaining:
            retries -= 1
        return {"timeout": timeout, "max_retries": retries}

    def _log(
        self,
        rid: str,
        outcome: str,
        started: float,
        response: ChatResponse | None,
        error: ProviderError | None,
    ) -> None:
        # Ids, codes and counts only: never a message's text.
        logger.info(
            "chat reply",
            extra={
                "reply_id": rid,
                "outcome": outcome,
                "provider": self.provider.name,
                "model": response.model if response else self.provider.model,
                "input_tokens": response.input_tokens if response else None,
                "output_tokens": response.output_tokens if response else None,
                "status": error.status if error else None,
                "error_kind": error.kind if error else None,
                "duration_ms": round((self.clock() - started) * 1000),
            },
        )


def _turn(record: Record, position: str) -> memory.Message | None:
    """A stored message as a turn of the conversation (replies only once COMPLETE)."""
    data = record.data
    text = data.get("text")
    if not text:
        return None
    if data.get("role") == USER:
        return memory.Message("user", str(text), position, MESSAGES.sort_key(record.id))
    if data.get("role") == ASSISTANT and data.get("status") == COMPLETE:
        return memory.Message("assistant", str(text), position, MESSAGES.sort_key(record.id))
    return None


def sent_messages(results: Sequence[MutationResult]) -> list[Record]:
    """The user messages a push stored (not rejected, not deleted)."""
    return [
        result.record
        for result in results
        if result.collection is MESSAGES
        and result.status != REJECTED
        and result.record is not None
        and not result.record.deleted
        and result.record.data.get("role") == USER
    ]


def with_parts(turns: list[Turn], parts: tuple[files.Part, ...]) -> list[Turn]:
    """The turns with the files on the last (the message being answered)."""
    if parts and turns:
        turns[-1] = Turn(turns[-1].role, turns[-1].text, parts)
    return turns


# The collection a context's record belongs to (for the people rules); catalog ones are public.
CONTEXT_COLLECTIONS = {"piece_id": PIECES.name, "session_id": SESSIONS.name, "attachment_id": "attachment"}


def require_context(access: Access | None, context: Any, has_files: bool) -> None:
    """A member chatting in a profile must be able to read what the model will read there: the
    thread's context record and the message's attachments (FORBIDDEN NOT_PERMITTED otherwise)."""
    if access is None or access.own:
        return
    wanted = {CONTEXT_COLLECTIONS[name] for name in (context or {}) if name in CONTEXT_COLLECTIONS}
    if has_files:
        wanted.add("attachment")
    for collection in sorted(wanted):
        require_reads(access, collection)


def _pending(reply: Record | None) -> bool:
    return reply is not None and not reply.deleted and reply.data.get("status") == PENDING


def _complete(reply: Record | None) -> bool:
    return reply is not None and not reply.deleted and reply.data.get("status") == COMPLETE


def _is_reply(record: Record) -> bool:
    return record.data.get("role") == ASSISTANT


def _thread_of(record: Record) -> str:
    """The thread of a message or a reply (both carry it)."""
    return str(record.data.get("thread_id"))


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"status": FAILED, "error_code": code, "error_message": message, "retry_at": None}


def _tokens(response: ChatResponse) -> int:
    return (response.input_tokens or 0) + (response.output_tokens or 0)


def _total(responses: Sequence[ChatResponse], name: str) -> int | None:
    """The sum of a token count over a reply's calls (None if no call reported it)."""
    counts = [getattr(response, name) for response in responses]
    known = [count for count in counts if count is not None]
    return sum(known) if known else None
