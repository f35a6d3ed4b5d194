"""The preferences record and the device input (of a pull too): what a pull needs of the account's types.

A Lambda answering syncs imports this module, not types.py (the rest of the API's types) nor
inputs.py (a push's, imported by the first push): tests/deploy/test_coldstart_domains.py.
"""

from datetime import datetime
from typing import ClassVar, Self

import strawberry

from resolvers.syncable import Syncable
from tether.model.device import DeviceInfo
from tether.model.record import Record
from tether.preferences import PREFERENCES, PREFERENCES_ID
from tether.sync.collection import Collection


@strawberry.type(description="One app-defined setting.")
class PreferenceEntry:
    key: str
    value: str


@strawberry.type(
    description="The user's preferences: one synced record (id `me`), edited offline on any device "
    "and merged field by field (`custom` key by key). Version 0 until a device first saves them."
)
class Preferences(Syncable):
    collection: ClassVar[Collection] = PREFERENCES

    language: str | None = strawberry.field(default=None, description="BCP 47 tag of the app's language.")
    content_language: str | None = strawberry.field(
        default=None, description="BCP 47 tag of the preferred content language."
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA time zone, e.g. Pacific/Honolulu."
    )
    notifications: bool | None = None
    daily_goal_minutes: int | None = strawberry.field(default=None, description="0 to 1,440.")
    custom: list[PreferenceEntry] = strawberry.field(
        default_factory=list, description="App-defined settings (at most 50), by key."
    )

    @classmethod
    def from_record(cls, record: Record) -> Self:
        custom = PREFERENCES.value(record, "custom") or {}
        return cls(
            id=strawberry.ID(record.id),
            version=record.version,
            updated_at=record.updated_at,  # type: ignore[arg-type]
            deleted=record.deleted,
            language=record.data.get("language"),
            content_language=record.data.get("content_language"),
            time_zone=record.data.get("time_zone"),
            notifications=record.data.get("notifications"),
            daily_goal_minutes=PREFERENCES.value(record, "daily_goal_minutes"),
            custom=[PreferenceEntry(key=key, value=value) for key, value in sorted(custom.items())],
        )

    @classmethod
    def unsaved(cls, since: datetime) -> Self:
        """What a user who never saved preferences sees: every field unset, version 0."""
        return cls(id=strawberry.ID(PREFERENCES_ID), version=0, updated_at=since, deleted=False)


@strawberry.input(description="How the app describes the device it runs on (shown in `devices`).")
class DeviceInput:
    name: str | None = strawberry.field(default=None, description="Up to 100 characters, e.g. Ada's phone.")
    platform: str | None = strawberry.field(default=None, description="Up to 40 characters, e.g. ios 18.2.")
    app_version: str | None = strawberry.field(default=None, description="Up to 40 characters.")

    def to_core(self) -> DeviceInfo:
        return DeviceInfo(name=self.name, platform=self.platform, app_version=self.app_version)
