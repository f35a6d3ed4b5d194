"""The preferences' inputs of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

import strawberry


@strawberry.input(description="Set (`value`) or remove (`value: null`) one app-defined setting.")
class PreferenceEntryInput:
    key: str = strawberry.field(description="1-64 characters of A-Z a-z 0-9 . _ : -")
    value: str | None = strawberry.field(
        default=None, description="Up to 1,000 characters; null removes the key."
    )


@strawberry.input(description="A patch of the preferences: omitted = unchanged; explicit null = cleared.")
class PreferencesInput:
    language: strawberry.Maybe[str | None]
    content_language: strawberry.Maybe[str | None]
    time_zone: strawberry.Maybe[str | None]
    notifications: strawberry.Maybe[bool | None]
    daily_goal_minutes: strawberry.Maybe[int | None]
    custom: strawberry.Maybe[list[PreferenceEntryInput] | None] = strawberry.field(
        description="The keys to set or remove (others are unchanged); null removes every key."
    )
