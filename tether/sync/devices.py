"""How an app installation describes itself (name, platform, app version), sent with a push or pull."""

from __future__ import annotations

from dataclasses import dataclass

from tether.sync.fields import LimitExceeded

MAX_NAME = 100
MAX_PLATFORM = 40
MAX_APP_VERSION = 40


@dataclass(frozen=True)
class DeviceInfo:
    """Optional, client-supplied; stored on the device's item when a push writes it anyway."""

    name: str | None = None
    platform: str | None = None
    app_version: str | None = None

    def checked(self, where: str = "device") -> DeviceInfo:
        """This info with blanks dropped; LimitExceeded (BAD_USER_INPUT) for an over-long value."""
        values: dict[str, str | None] = {}
        for attribute, limit, label in (
            ("name", MAX_NAME, "name"),
            ("platform", MAX_PLATFORM, "platform"),
            ("app_version", MAX_APP_VERSION, "appVersion"),
        ):
            value = getattr(self, attribute)
            if value is not None and len(value) > limit:
                raise LimitExceeded(
                    f"{where}.{label} is {len(value)} characters; the limit is {limit}",
                    field=f"{where}.{label}",
                    limit=limit,
                )
            values[attribute] = (value.strip() or None) if value is not None else None
        return DeviceInfo(**values)

    @property
    def empty(self) -> bool:
        return self.name is None and self.platform is None and self.app_version is None
