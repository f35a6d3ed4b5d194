"""Shared feeds: partitions every user follows besides their own (the content catalog), and the
per-process cache of their heads that keeps an idle pull at one DynamoDB request."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tether.model.head import Head
from tether.model.record import Record


@dataclass(frozen=True)
class SharedFeed:
    """A partition whose changes every user pulls, next to their own.

    `name` keys its position in the cursor; `view` is what a user sees of a record: itself, or a
    tombstone (`deleted`, content cleared) for a record users must not see (e.g. unpublished).
    """

    name: str
    partition: str
    view: Callable[[Record], Record]

    @property
    def epoch_key(self) -> str:
        return f"{self.name}.epoch"


def epoch_tag(epoch: str | None) -> int | None:
    """A short number naming a feed's epoch, for the cursor (it changes when the feed is erased)."""
    return None if not epoch else zlib.crc32(epoch.encode())


@dataclass(frozen=True)
class CachedHead:
    head: Head
    read_at: datetime  # when it was read: every change numbered above `head` committed after this


class HeadCache:
    """The last head read of a shared feed, trusted for `ttl` (thread-safe, one per process).

    A cached head is never wrong, only late: changes committed after `read_at` wait for the next
    read, so a pull sees every change committed more than `ttl` before it started.
    """

    def __init__(self, ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._cached: CachedHead | None = None

    def fresh(self) -> CachedHead | None:
        """The cached head if it is younger than the TTL, else None."""
        with self._lock:
            cached = self._cached
        if cached is None or self.clock() - cached.read_at >= self.ttl:
            return None
        return cached

    def put(self, head: Head, read_at: datetime) -> CachedHead:
        """Remember a head read at `read_at` (an older read never replaces a newer one)."""
        entry = CachedHead(head, read_at)
        with self._lock:
            current = self._cached
            if current is None or read_at >= current.read_at or current.head.epoch != head.epoch:
                self._cached = entry
        return entry

    def invalidate(self) -> None:
        """Forget the head (after this process wrote to the feed): the next pull reads it again."""
        with self._lock:
            self._cached = None
