"""The progress reports of a push: SyncChangeInput's members, imported by the first push, not by a
Lambda answering pulls (resolvers/sync/plain.py).
"""

import strawberry


@strawberry.input(
    description="A player's report, sent every few seconds to minutes while it plays and when it stops. "
    "The mutation's changedAt is the report's time (lastPlayedAt)."
)
class RecordProgressInput:
    track_id: strawberry.ID = strawberry.field(description="A catalog track id.")
    position_seconds: float = strawberry.field(description="0 to 86,400.")
    listened_seconds_delta: float = strawberry.field(
        description="Seconds listened since this device's previous report of this track: not negative, "
        "at most the time since that report (+60 s) and at most 24 h."
    )
    duration_seconds: float | None = strawberry.field(
        default=None, description="The track's length as the player sees it (0 to 86,400)."
    )
    completed: bool | None = strawberry.field(
        default=None,
        description="true: the player reached the end. false changes nothing (see resetProgress).",
    )


@strawberry.input(
    description='"Mark as unplayed": not completed, position 0, unless a later report says otherwise.'
)
class ResetProgressInput:
    track_id: strawberry.ID
