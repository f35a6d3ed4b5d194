"""The people services of one deployment (docs/people.md)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime

from tether.audit import AuditLog
from tether.media import Media
from tether.people.directory import Directory
from tether.people.estate import Estate
from tether.people.log import AccessLog
from tether.people.overview import Overview


class People:
    """The people services of one deployment (built once per process, see tether/services.py)."""

    def __init__(
        self,
        log: AuditLog,
        secret: bytes,
        media: Media | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        invite_key = hmac.new(secret, b"tether invite code key", hashlib.sha256).digest()
        self.directory = Directory(log, invite_key, clock)
        self.access_log = AccessLog(clock)
        self.overview = Overview(self.access_log, clock)
        self.estate = Estate(log, media, clock=clock)
