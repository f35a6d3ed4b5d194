import datetime
from typing import ClassVar

import strawberry

from resolvers.pagination import PageInfo
from resolvers.syncable import Syncable
from tether.progress import PROGRESS
from tether.statistics import DayStats, Stats
from tether.sync.collection import Collection


@strawberry.type(
    description="The user's progress on one track (its id is the track id), merged across devices: "
    "the position of the latest report, completion undone only by a later reset, listened time summed."
)
class Progress(Syncable):
    collection: ClassVar[Collection] = PROGRESS

    # Nullable like the same fields of other SyncRecord types (a union's fields must agree); never
    # null here, progress records are never deleted.
    track_id: strawberry.ID | None = strawberry.field(default=None, description="The catalog track id.")
    position_seconds: float | None = strawberry.field(
        default=0.0, description="Where the player was at the latest report (0 after a later reset)."
    )
    duration_seconds: int | None = strawberry.field(
        default=None, description="The track's length in whole seconds, as the player last reported it."
    )
    completed: bool = strawberry.field(
        default=False,
        description="Set by a report with completed: true or one in the last 5% of the track; "
        "cleared only by a resetProgress made later.",
    )
    completed_at: datetime.datetime | None = strawberry.field(
        default=None, description="The earliest completing report since the latest reset."
    )
    listened_seconds: float = strawberry.field(
        default=0.0, description="Time actually listened, summed over every device (each report once)."
    )
    last_played_at: datetime.datetime | None = strawberry.field(
        default=None, description="The time of the latest report."
    )
    play_count: int = strawberry.field(
        default=0,
        description="Plays started: a device's first listening of the track, listening again after a "
        "30-minute pause, or after it reached the end.",
    )


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


@strawberry.type
class ProgressConnection:
    nodes: list[Progress]
    page_info: PageInfo


@strawberry.input(description="Local days (in the query's time zone), both included; at most 366 days.")
class DateRangeInput:
    from_: datetime.date = strawberry.field(name="from")
    to: datetime.date


@strawberry.type(description="One local day of the statistics.")
class ProgressDay:
    date: datetime.date
    listened_seconds: float
    tracks_completed: int
    practice_sessions: int
    practice_minutes: float
    active: bool = strawberry.field(description="The user listened or practised on this day.")

    @classmethod
    def of(cls, day: DayStats) -> "ProgressDay":
        return cls(
            date=day.day,
            listened_seconds=day.listened_ms / 1000,
            tracks_completed=day.tracks_completed,
            practice_sessions=day.sessions,
            practice_minutes=round(day.practice_seconds / 60, 2),
            active=day.active,
        )


@strawberry.type(description="Listening and practice statistics in the user's time zone.")
class ProgressStats:
    from_: datetime.date = strawberry.field(name="from")
    to: datetime.date
    time_zone: str
    listened_seconds: float
    tracks_completed: int = strawberry.field(description="Tracks whose completedAt falls in the range.")
    practice_sessions: int = strawberry.field(description="Practice sessions started in the range.")
    practice_minutes: float
    current_streak_days: int = strawberry.field(
        description="Consecutive active days up to today (or yesterday, if today has no activity yet); "
        "over all history, whatever the range."
    )
    longest_streak_days: int = strawberry.field(description="The longest run of active days, ever.")
    days: list[ProgressDay] = strawberry.field(description="Every day of the range, in order.")

    @classmethod
    def of(cls, stats: Stats) -> "ProgressStats":
        return cls(
            from_=stats.start,
            to=stats.end,
            time_zone=stats.zone,
            listened_seconds=stats.listened_ms / 1000,
            tracks_completed=stats.tracks_completed,
            practice_sessions=stats.sessions,
            practice_minutes=round(stats.practice_seconds / 60, 2),
            current_streak_days=stats.current_streak,
            longest_streak_days=stats.longest_streak,
            days=[ProgressDay.of(day) for day in stats.days],
        )
