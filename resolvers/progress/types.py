import datetime

import strawberry

from resolvers.pagination import PageInfo
from resolvers.progress.records import Progress
from tether.statistics import DayStats, Stats


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
