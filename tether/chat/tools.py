"""Read-only tools the assistant may call over the signed-in profile's own data (docs/chat.md).

The profile is fixed by the server: every tool reads the partition of the thread being answered,
and no tool takes a profile, user or partition argument. An id another profile's record has names
nothing here (reads are keyed by this partition), so a prompt naming foreign ids gets `not_found`.
Each result is JSON text of at most `TETHER_CHAT_TOOL_RESULT_CHARS` characters (lists are cut and
marked `truncated`); each call is logged with its name, duration and size, never its contents.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tether import statistics
from tether.catalog.catalog import Catalog
from tether.catalog.locale import localize
from tether.catalog.media import MediaKind
from tether.chat.memory import estimate
from tether.chat.providers.tool_use import ToolCall, ToolResult, ToolSpec
from tether.entitlements.service import Access
from tether.errors import TetherError
from tether.model.record import Record
from tether.pieces import PIECES
from tether.preferences import PREFERENCES, PREFERENCES_ID
from tether.progress import PROGRESS
from tether.sessions import SESSIONS
from tether.storage.keys import user_key
from tether.storage.listing import get_record
from tether.sync import reads
from tether.sync.fields import CATALOG_ID, is_record_id
from tether.telemetry import logger

MAX_ROUNDS = 3  # tool rounds per reply; the request after the last one allows no more calls
MAX_CALLS_PER_ROUND = 5  # calls beyond these in one round get an error result, unrun
NOTES_CHARS = 300  # a piece's or session's notes, as a tool shows them
_INTEGER = {"type": "integer"}


def _schema(properties: Mapping[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
    }


def _time_zone(profile_id: str) -> str:
    """The profile's chosen time zone (its preferences), else UTC: "today" is the learner's day."""
    preferences = get_record(user_key(profile_id), PREFERENCES.sort_key(PREFERENCES_ID))
    zone = preferences.data.get("time_zone") if preferences is not None else None
    return zone if isinstance(zone, str) else "UTC"


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "progress_statistics",
        "The user's practice and listening totals over the last `days` days (their own time zone's "
        "days), and their current and longest daily streaks.",
        _schema({"days": {**_INTEGER, "minimum": 1, "maximum": 90, "description": "Default 30."}}),
    ),
    ToolSpec(
        "recent_practice_sessions",
        "The user's most recent practice sessions, newest first, optionally of one of their pieces.",
        _schema(
            {
                "limit": {**_INTEGER, "minimum": 1, "maximum": 10, "description": "Default 5."},
                "piece_id": {"type": "string", "description": "Only sessions of this piece."},
            }
        ),
    ),
    ToolSpec(
        "list_pieces",
        "The user's pieces (their repertoire): id, title, category, language, tags, favorite.",
        _schema({"limit": {**_INTEGER, "minimum": 1, "maximum": 20, "description": "Default 20."}}),
    ),
    ToolSpec(
        "get_piece",
        "One of the user's pieces by id, with its notes and its latest practice session.",
        _schema({"piece_id": {"type": "string"}}, ["piece_id"]),
    ),
    ToolSpec(
        "search_catalog",
        "Search the app's catalog of collections and tracks by words.",
        _schema(
            {
                "query": {"type": "string", "maxLength": 200},
                "limit": {**_INTEGER, "minimum": 1, "maximum": 10, "description": "Default 5."},
            },
            ["query"],
        ),
    ),
    ToolSpec(
        "get_track",
        "A catalog track's details, the user's progress on it, and a link to its transcript.",
        _schema({"track_id": {"type": "string"}}, ["track_id"]),
    ),
)
NAMES = frozenset(spec.name for spec in SPECS)


class ToolError(Exception):
    """A call the tool refuses (bad arguments): its message goes back to the model as an error."""


@dataclass(frozen=True)
class ToolContext:
    """Who a reply's tools read for: the profile of the thread (never anything in the prompt)."""

    profile_id: str
    locale: str | None = None


class Toolbox:
    """The tools, bound to the deployment's catalog, clock and entitlements (one per deployment)."""

    def __init__(
        self,
        catalog: Catalog | None,
        *,
        max_chars: int,
        now: Callable[[], datetime],
        access: Callable[[str], Access] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog = catalog
        self.max_chars = max_chars
        self.now = now
        self.access = access
        self.clock = clock

    def reserve(self, prompt: int) -> int:
        """Tokens to reserve for one tool round of a reply whose prompt reserves `prompt`: the
        prompt again, the tools' descriptions and a round's results at their bound."""
        described = sum(estimate(_json(spec.parameters)) + estimate(spec.description) for spec in self.specs)
        return prompt + described + MAX_CALLS_PER_ROUND * estimate("x" * self.max_chars)

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        return SPECS if self.catalog is not None else tuple(s for s in SPECS if "catalog" not in s.name)

    def run_round(self, context: ToolContext, calls: Sequence[ToolCall], reply_id: str) -> list[ToolResult]:
        """Run one round's calls in order; every call gets a result (an error one if refused)."""
        results = []
        for position, call in enumerate(calls):
            if position >= MAX_CALLS_PER_ROUND:
                content, error = _error(f"at most {MAX_CALLS_PER_ROUND} tool calls per round"), True
                self._log(reply_id, call.name, "refused", 0.0, len(content))
            else:
                content, error = self.run(context, call, reply_id)
            results.append(ToolResult(call.id, content, is_error=error))
        return results

    def run(self, context: ToolContext, call: ToolCall, reply_id: str) -> tuple[str, bool]:
        """One call: (JSON text of at most `max_chars`, whether it is an error)."""
        started = self.clock()
        outcome = "ok"
        try:
            if call.name not in {spec.name for spec in self.specs}:
                raise ToolError(f"there is no tool {call.name[:50]!r}")
            if call.arguments is None:
                raise ToolError("the arguments must be a JSON object")
            result = getattr(self, f"_{call.name}")(context, call.arguments)
            content = bounded(result, self.max_chars)
        except ToolError as refused:
            outcome, content = "refused", _error(str(refused))
        except TetherError as refused:  # e.g. a bad search query: the core's own message
            outcome, content = "refused", _error(refused.message)
        except Exception as error:  # a database error: the reply goes on without this result
            outcome, content = "failed", _error("the tool failed; answer without it")
            logger.warning("chat tool failed", extra={"tool": call.name, "error": type(error).__name__})
        self._log(reply_id, call.name, outcome, started, len(content))
        return content, outcome != "ok"

    def _log(self, reply_id: str, name: str, outcome: str, started: float, size: int) -> None:
        # Name, duration and size only: never the arguments or the result (the user's data).
        logger.info(
            "chat tool call",
            extra={
                "reply_id": reply_id,
                "tool": name if name in NAMES else "(unknown)",
                "outcome": outcome,
                "duration_ms": round((self.clock() - started) * 1000) if started else 0,
                "result_chars": size,
            },
        )

    # ---- the tools (each reads only `context.profile_id`'s partition, or the shared catalog)

    def _progress_statistics(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        days = _integer(arguments, "days", 30, 1, 90)
        zone = _time_zone(context.profile_id)
        now = self.now()
        today = now.astimezone(statistics.zone_of(zone)).date()
        stats = statistics.progress_stats(
            context.profile_id, today - timedelta(days=days - 1), today, zone, now
        )
        return {
            "days": days,
            "timeZone": zone,
            "practiceSessions": stats.sessions,
            "practiceMinutes": round(stats.practice_seconds / 60),
            "listenedMinutes": round(stats.listened_ms / 60_000),
            "tracksCompleted": stats.tracks_completed,
            "activeDays": sum(1 for day in stats.days if day.active),
            "currentStreakDays": stats.current_streak,
            "longestStreakDays": stats.longest_streak,
        }

    def _recent_practice_sessions(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        limit = _integer(arguments, "limit", 5, 1, 10)
        piece_id = arguments.get("piece_id")
        if piece_id is not None:
            piece_id = _record_id(piece_id, "piece_id")
            page = reads.page(
                context.profile_id,
                SESSIONS,
                first=limit,
                index="byLookup",
                prefix=f"SESSION#{piece_id}#",
                descending=True,
            )
        else:
            page = reads.page(
                context.profile_id, SESSIONS, first=limit, index="byTime", prefix="SESSION#", descending=True
            )
        titles = self._piece_titles(context, page.records)
        return {"sessions": [_session(record, titles) for record in page.records]}

    def _list_pieces(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        limit = _integer(arguments, "limit", 20, 1, 20)
        page = reads.page(context.profile_id, PIECES, first=limit)
        return {"pieces": [_piece(record) for record in page.records]}

    def _get_piece(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        piece_id = _record_id(arguments.get("piece_id"), "piece_id")
        record = reads.get(context.profile_id, PIECES, piece_id)
        if record is None:
            return {"found": False, "piece_id": piece_id}
        latest = reads.page(
            context.profile_id,
            SESSIONS,
            first=1,
            index="byLookup",
            prefix=f"SESSION#{piece_id}#",
            descending=True,
        ).records
        piece = _piece(record)
        piece["notes"] = _cut(record.data.get("notes"), NOTES_CHARS)
        piece["latestSession"] = _session(latest[0], {}) if latest else None
        return {"found": True, "piece": piece}

    def _search_catalog(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        assert self.catalog is not None
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            raise ToolError("query must be a non-empty string")
        limit = _integer(arguments, "limit", 5, 1, 10)
        hits = self.catalog.search(query[:200], context.locale, limit)
        return {
            "results": [
                {
                    "kind": hit.record.collection,
                    "id": hit.record.id,
                    "title": self._title(hit.record, context),
                }
                for hit in hits
            ]
        }

    def _get_track(self, context: ToolContext, arguments: Mapping[str, Any]) -> dict[str, Any]:
        assert self.catalog is not None
        track_id = arguments.get("track_id")
        if not isinstance(track_id, str) or not CATALOG_ID.match(track_id):
            raise ToolError("track_id must be a catalog id")
        record = self.catalog.track(track_id)
        if record is None:
            return {"found": False, "track_id": track_id}
        progress = get_record(user_key(context.profile_id), PROGRESS.sort_key(track_id))
        _, description = localize(
            record.data.get("description"), context.locale, self.catalog.fallbacks(record)
        )
        track: dict[str, Any] = {
            "id": record.id,
            "title": self._title(record, context),
            "description": _cut(description, NOTES_CHARS),
            "durationSeconds": record.data.get("duration_seconds"),
            "collectionId": record.data.get("collection_id"),
            "transcriptUrl": self._transcript(context, record),
            "yourProgress": _progress(progress),
        }
        return {"found": True, "track": track}

    # ---- helpers

    def _title(self, record: Record, context: ToolContext) -> str | None:
        assert self.catalog is not None
        return localize(record.data.get("title"), context.locale, self.catalog.fallbacks(record))[1]

    def _transcript(self, context: ToolContext, record: Record) -> str | None:
        assert self.catalog is not None
        if not record.data.get("media_transcript"):
            return None
        access_of = self.access
        access = None if access_of is None else (lambda: access_of(context.profile_id))
        try:
            return self.catalog.media_url(record.id, MediaKind.TRANSCRIPT, access).url
        except TetherError:  # not entitled (or just unpublished): no link
            return None

    def _piece_titles(self, context: ToolContext, sessions: Sequence[Record]) -> dict[str, str]:
        titles: dict[str, str] = {}
        for record in sessions:
            piece_id = record.data.get("piece_id")
            if piece_id and piece_id not in titles:
                piece = reads.get(context.profile_id, PIECES, str(piece_id))
                if piece is not None:
                    titles[str(piece_id)] = str(piece.data.get("title", ""))
        return titles


def bounded(result: Mapping[str, Any], max_chars: int) -> str:
    """`result` as compact JSON of at most `max_chars` characters: its list is cut from the end
    (and `truncated: true` added) until it fits; if nothing fits, an error result."""
    text = _json(result)
    if len(text) <= max_chars:
        return text
    lists = [name for name, value in result.items() if isinstance(value, list)]
    if lists:
        name = lists[0]
        items = list(result[name])
        while items:
            items.pop()
            text = _json({**result, name: items, "truncated": True})
            if len(text) <= max_chars:
                return text
    return _error("the result was too long")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _error(message: str) -> str:
    return _json({"error": message})


def _integer(arguments: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = arguments.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        raise ToolError(f"{name} must be an integer")
    return max(low, min(high, int(value)))


def _record_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not is_record_id(value):
        raise ToolError(f"{name} must be a piece id (a UUID or ULID)")
    return value


def _cut(value: Any, limit: int) -> str | None:
    if not value:
        return None
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _piece(record: Record) -> dict[str, Any]:
    data = record.data
    return {
        "id": record.id,
        "title": data.get("title"),
        "category": data.get("category"),
        "language": data.get("language"),
        "tags": list(data.get("tags") or [])[:10],
        "favorite": bool(data.get("favorite")),
    }


def _session(record: Record, titles: Mapping[str, str]) -> dict[str, Any]:
    data = record.data
    piece_id = data.get("piece_id")
    return {
        "id": record.id,
        "pieceId": piece_id,
        "pieceTitle": titles.get(str(piece_id)) if piece_id else None,
        "trackId": data.get("track_id"),
        "startedAt": data.get("started_at"),
        "durationSeconds": data.get("duration_seconds"),
        "rating": data.get("rating"),
        "notes": _cut(data.get("notes"), NOTES_CHARS),
    }


def _progress(record: Record | None) -> dict[str, Any] | None:
    if record is None or record.deleted:
        return None
    data = record.data
    return {
        "positionSeconds": data.get("position_seconds"),
        "completed": bool(data.get("completed")),
        "playCount": data.get("play_count"),
        "lastPlayedAt": data.get("last_played_at"),
    }
