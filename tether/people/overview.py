"""The class overview: for each profile a teacher or guardian reaches, last activity, this week's
listened and practised minutes, and the current streak, in at most 3 DynamoDB round trips for a
page of 30 profiles (docs/people.md#class-overview)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ulid import ULID

from tether import statistics
from tether.errors import check_between
from tether.people.access import decide
from tether.people.directory import ProfileView
from tether.people.log import AccessEntry, AccessLog
from tether.people.roles import Area
from tether.storage import partition
from tether.storage import people as store

MAX_PAGE = 30  # 30 x (membership + 2 week items) = 90 keys: one BatchGetItem


@dataclass(frozen=True)
class Summary:
    profile: ProfileView
    last_activity_at: datetime | None
    listened_minutes: int
    practiced_minutes: int
    current_streak_days: int


@dataclass(frozen=True)
class OverviewPage:
    summaries: list[Summary]
    next_key: str | None


class Overview:
    def __init__(self, log: AccessLog, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.log = log
        self.clock = clock

    def page(self, account_id: str, *, first: int, after: str | None, zone_name: str) -> OverviewPage:
        """One page of the profiles the account reaches and may read statistics of, by id.

        Round trips: the page of reaches (Query), the memberships and week items of all of them
        (one BatchGetItem), the access-log entries (one TransactWriteItems)."""
        check_between("first", first, 1, MAX_PAGE)
        zone = statistics.zone_of(zone_name)
        now = self.clock()
        reaches, next_key = store.reach_page(account_id, first=first, after=after)
        this_week = statistics.week_key(now.date())
        last_week = statistics.week_key(now.date() - timedelta(days=7))
        keys: list[tuple[str, str]] = []
        for reach in reaches:
            pk = store.user_key(reach.profile_id)
            keys += [(pk, store.member_key(account_id)), (pk, this_week), (pk, last_week)]
        items = store.raw_batch(keys)
        by_key = {(raw["pk"]["S"], raw["sk"]["S"]): raw for raw in items}
        local_now = now.astimezone(zone)
        week_start = datetime.combine(local_now.date() - timedelta(days=local_now.weekday()), time(), zone)
        summaries: list[Summary] = []
        log: list[tuple[str, AccessEntry]] = []
        for reach in reaches:
            pk = store.user_key(reach.profile_id)
            member_raw = by_key.get((pk, store.member_key(account_id)))
            member = partition.model(member_raw) if member_raw else None
            if not isinstance(member, store.MemberItem):
                continue  # revoked since the reach was read
            access = decide(reach.profile_id, account_id, store.AccessRead(store._member(member), None))
            if not access.can_read(Area.STATISTICS):
                continue
            weeks = [
                (sort_key, _counts(by_key[(pk, sort_key)]))
                for sort_key in (last_week, this_week)
                if (pk, sort_key) in by_key
            ]
            listened, practiced, last = _week_totals(weeks, week_start.astimezone(UTC))
            active = statistics._active_days(weeks, zone)
            streak, _ = statistics._streaks(active, local_now.date())
            view = ProfileView(reach.profile_id, reach.name, reach.managed, access.role, access.grant)
            summaries.append(Summary(view, last, listened // 60_000, practiced // 60, streak))
            if access.logged:
                log.append(
                    (reach.profile_id, self.log.entry(access, "profilesOverview", [Area.STATISTICS.value]))
                )
        store.log_accesses(log, token=str(ULID()))
        return OverviewPage(summaries, next_key)


def _counts(raw: dict[str, dict[str, str]]) -> dict[str, int | float]:
    return {name: int(value["N"]) for name, value in raw.items() if "N" in value and name[:1] in "amq"}


def _week_totals(
    weeks: list[tuple[str, dict[str, int | float]]], since: datetime
) -> tuple[int, int, datetime | None]:
    """(listened ms, practice seconds) since `since`, and the start of the latest active slot."""
    listened = practiced = 0
    last: datetime | None = None
    for sort_key, counts in weeks:
        monday = date.fromisoformat(sort_key[len(statistics.WEEK_PREFIX) :])
        origin = datetime.combine(monday, time(), UTC)
        for name, amount in counts.items():
            kind, digits = name[:1], name[1:]
            if kind not in (statistics.WEEK_LISTENED, statistics.WEEK_PRACTICE) or not digits.isdigit():
                continue
            start = origin + timedelta(milliseconds=int(digits) * statistics.SLOT_MS)
            if amount and (last is None or start > last):
                last = start
            if start < since:
                continue
            if kind == statistics.WEEK_LISTENED:
                listened += int(amount)
            else:
                practiced += int(amount)
    return listened, practiced, last
