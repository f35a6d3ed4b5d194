"""The limits of how an app installation describes itself (name, platform, app version)."""

from __future__ import annotations

from tether.model.device import DeviceInfo
from tether.sync.fields import LimitExceeded

MAX_NAME = 100
MAX_PLATFORM = 40
MAX_APP_VERSION = 40


def check_device(device: DeviceInfo, where: str = "device") -> DeviceInfo:
    """The info with blanks dropped; LimitExceeded (BAD_USER_INPUT) for an over-long value."""
    values: dict[str, str | None] = {}
    for attribute, limit, label in (
        ("name", MAX_NAME, "name"),
        ("platform", MAX_PLATFORM, "platform"),
        ("app_version", MAX_APP_VERSION, "appVersion"),
    ):
        value = getattr(device, attribute)
        if value is not None and len(value) > limit:
            raise LimitExceeded(
                f"{where}.{label} is {len(value)} characters; the limit is {limit}",
                field=f"{where}.{label}",
                limit=limit,
            )
        values[attribute] = (value.strip() or None) if value is not None else None
    return DeviceInfo(**values)
