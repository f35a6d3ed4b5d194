"""An app installation (device): what it says about itself, and what the server keeps of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DeviceInfo:
    """Optional, client-supplied (name, platform, app version); checked by `tether.sync.devices`.

    `sign_in` is never the app's: the server sets it from the verified token (its `origin_jti`), so
    that revoking the device can refuse that sign-in everywhere (docs/security.md)."""

    name: str | None = None
    platform: str | None = None
    app_version: str | None = None
    sign_in: str | None = None


@dataclass(frozen=True)
class ClientInfo:
    """A device's stored state: its exactly-once position, whether it was revoked, when it synced.

    The position lives on the partition's head item (`on_head`); a client whose position was
    stored before that has it on its own item until its next push moves it (docs/sync.md).
    `read`: the client item was read (a large push may leave it out of its batch: then only the
    head's position and revocation are known, and nothing about the device's presence)."""

    last_mutation_id: int = 0
    revoked: bool = False
    exists: bool = False
    first_seen_at: datetime | None = None
    last_sync_at: datetime | None = None
    device: DeviceInfo = field(default_factory=DeviceInfo)
    on_head: bool = False
    positions_stored: bool = False  # the head item has a position map (for another client, at least)
    read: bool = True
