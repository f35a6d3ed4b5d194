"""Listening and practice statistics: counters kept at write time, read back in any time zone.

Every change that affects a statistic adds to counters in the user's partition, in the same
transaction as the record (`Outcome.increments`). Counters are kept per 15-minute UTC slot, so
the local days of any IANA time zone (whose offsets are all multiples of 15 minutes) can be put
together exactly at read time, across DST changes and whichever zone the user asks for.

* `STATS#DAY#<UTC date>`: per slot `l<slot>` listened milliseconds, `c<slot>` tracks completed,
  `s<slot>` practice sessions started, `p<slot>` their practice seconds.
* `STATS#WEEK#<UTC Monday>`: per slot, `a<slot>` counts activity (listening reports and practice
  sessions) of the seven days of that week in one number, five decimal digits per day (Monday in
  the lowest): the compact all-time history the streaks come from; and per slot of the week
  (`weekday * 96 + slot`) `m<slot>` listened milliseconds and `q<slot>` practice seconds, so a
  week's minutes in any time zone come from one or two items (the class overview, docs/people.md).

See docs/progress.md for the design and its cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tether.errors import BadUserInput
from tether.model.increment import Increment
from tether.storage import counters
from tether.storage.keys import user_key
from tether.sync.fields import time_zone

SLOT_MS = 15 * 60 * 1000
DAY_MS = 24 * 3600 * 1000
SLOTS_PER_DAY = DAY_MS // SLOT_MS
MAX_RANGE_DAYS = 366
EPOCH = date(1970, 1, 1)

DAY_PREFIX = "STATS#DAY#"
WEEK_PREFIX = "STATS#WEEK#"
LISTENED, COMPLETED, SESSIONS, PRACTICE, ACTIVE = "l", "c", "s", "p", "a"
WEEK_LISTENED, WEEK_PRACTICE = "m", "q"  # per slot of the week, in the week item
# Activity counts of a week's days share one attribute per slot: day d counts in units of DAY_DIGIT**d.
# 7 x 5 digits stay within DynamoDB's 38 significant digits; a day's slot holds up to 99,999 activities.
DAY_DIGIT = 10**5


def slot_of(at_ms: int) -> tuple[date, int]:
    """The UTC date and 15-minute slot (0-95) of a time in epoch milliseconds."""
    days, rest = divmod(at_ms, DAY_MS)
    return EPOCH + timedelta(days=days), rest // SLOT_MS


def day_key(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def week_key(day: date) -> str:
    return f"{WEEK_PREFIX}{(day - timedelta(days=day.weekday())).isoformat()}"


class Changes:
    """Counter changes of one record change, merged per item and attribute (zeros dropped)."""

    def __init__(self) -> None:
        self._items: dict[str, dict[str, int]] = defaultdict(dict)

    def add(self, at_ms: int, amounts: dict[str, int], *, active: int = 0, sign: int = 1) -> None:
        day, slot = slot_of(at_ms)
        item = self._items[day_key(day)]
        for kind, amount in amounts.items():
            item[f"{kind}{slot}"] = item.get(f"{kind}{slot}", 0) + sign * amount
        if active:
            week = self._items[week_key(day)]
            name = f"{ACTIVE}{slot}"
            week[name] = week.get(name, 0) + sign * active * DAY_DIGIT ** day.weekday()
            of_week = day.weekday() * SLOTS_PER_DAY + slot
            for kind, total in ((LISTENED, WEEK_LISTENED), (PRACTICE, WEEK_PRACTICE)):
                if amounts.get(kind):
                    week[f"{total}{of_week}"] = week.get(f"{total}{of_week}", 0) + sign * amounts[kind]

    def increments(self) -> list[Increment]:
        result = []
        for sort_key, amounts in self._items.items():
            nonzero = {name: amount for name, amount in amounts.items() if amount}
            if nonzero:
                result.append(Increment(sort_key, nonzero))
        return result


def listening(at_ms: int, listened_ms: int) -> Changes:
    """A listening report: its time counts in the slot it was reported in (an active slot)."""
    changes = Changes()
    if listened_ms > 0:
        changes.add(at_ms, {LISTENED: listened_ms}, active=1)
    return changes


def completion(changes: Changes, old_ms: int | None, new_ms: int | None) -> None:
    """A track's completion time moved (or appeared, or was cleared)."""
    if old_ms is not None and new_ms is not None and slot_of(old_ms) == slot_of(new_ms):
        return
    if old_ms is not None:
        changes.add(old_ms, {COMPLETED: 1}, sign=-1)
    if new_ms is not None:
        changes.add(new_ms, {COMPLETED: 1})


Practice = tuple[int, int]  # (start in epoch milliseconds, seconds practised)


def practice(old: Practice | None, new: Practice | None) -> list[Increment]:
    """A practice session was created, edited or deleted: move its contribution."""
    if old == new:
        return []
    changes = Changes()
    if old is not None:
        changes.add(old[0], {SESSIONS: 1, PRACTICE: old[1]}, active=1, sign=-1)
    if new is not None:
        changes.add(new[0], {SESSIONS: 1, PRACTICE: new[1]}, active=1)
    return changes.increments()


# ---- reading ----


@dataclass(frozen=True)
class DayStats:
    day: date
    listened_ms: int = 0
    tracks_completed: int = 0
    sessions: int = 0
    practice_seconds: int = 0

    @property
    def active(self) -> bool:
        return self.listened_ms > 0 or self.sessions > 0


@dataclass(frozen=True)
class Stats:
    start: date
    end: date
    zone: str
    days: list[DayStats]
    current_streak: int
    longest_streak: int

    @property
    def listened_ms(self) -> int:
        return sum(day.listened_ms for day in self.days)

    @property
    def tracks_completed(self) -> int:
        return sum(day.tracks_completed for day in self.days)

    @property
    def sessions(self) -> int:
        return sum(day.sessions for day in self.days)

    @property
    def practice_seconds(self) -> int:
        return sum(day.practice_seconds for day in self.days)


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone `name` (e.g. Europe/Berlin); BAD_USER_INPUT if there is none."""
    return ZoneInfo(time_zone(name, "timeZone"))


def check_range(start: date, end: date) -> None:
    if start <= date.min or end >= date.max:
        raise BadUserInput("range must lie within the years 1 to 9999", field="range")
    if start > end:
        raise BadUserInput(f"range.from ({start}) is after range.to ({end})", field="range")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise BadUserInput(
            f"range covers {days} days; the limit is {MAX_RANGE_DAYS}", field="range", limit=MAX_RANGE_DAYS
        )


def progress_stats(user_id: str, start: date, end: date, zone_name: str, now: datetime) -> Stats:
    """Totals and a per-day series for the local days start..end (inclusive) in `zone_name`, and the
    current and longest daily streak over all of the user's history, "today" being `now`'s local day
    (the services' clock). Two queries (see docs/progress.md)."""
    zone = zone_of(zone_name)
    check_range(start, end)
    pk = user_key(user_id)
    # Local days of any zone (offsets from -12 h to +14 h, days of 23-25 h) lie within these UTC days.
    # The two queries are independent: the history's is sent from a second thread meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        weeks = pool.submit(counters.counts, pk, start=WEEK_PREFIX, end=WEEK_PREFIX + "~")
        day_items = counters.counts(
            pk, start=day_key(start - timedelta(days=1)), end=day_key(end + timedelta(days=1))
        )
        week_items = weeks.result()
    active = _active_days(week_items, zone)
    current, longest = _streaks(active, now.astimezone(zone).date())
    return Stats(
        start=start,
        end=end,
        zone=zone_name,
        days=_series(day_items, zone, start, end),
        current_streak=current,
        longest_streak=longest,
    )


def _local_day(utc_day: date, slot: int, zone: ZoneInfo) -> date:
    # A slot never straddles a local midnight: offsets and transitions fall on quarter hours.
    moment = datetime.combine(utc_day, time(), UTC) + timedelta(milliseconds=slot * SLOT_MS)
    try:
        return moment.astimezone(zone).date()
    except OverflowError:  # the first or last day Python can represent (year 1 or 9999)
        return utc_day


def _slots(counts: dict[str, int | float], prefix_length: int) -> Iterable[tuple[str, int, int | float]]:
    for name, amount in counts.items():
        kind, digits = name[:prefix_length], name[prefix_length:]
        if digits.isdigit() and amount:
            yield kind, int(digits), amount


def _series(
    items: list[tuple[str, dict[str, int | float]]], zone: ZoneInfo, start: date, end: date
) -> list[DayStats]:
    totals: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sort_key, counts in items:
        utc_day = date.fromisoformat(sort_key[len(DAY_PREFIX) :])
        local: dict[int, date] = {}
        for kind, slot, amount in _slots(counts, 1):
            if slot not in local:
                local[slot] = _local_day(utc_day, slot, zone)
            if start <= local[slot] <= end:
                totals[local[slot]][kind] += int(amount)
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        found = totals.get(day, {})
        days.append(
            DayStats(
                day=day,
                listened_ms=found.get(LISTENED, 0),
                tracks_completed=found.get(COMPLETED, 0),
                sessions=found.get(SESSIONS, 0),
                practice_seconds=found.get(PRACTICE, 0),
            )
        )
    return days


def _active_days(items: list[tuple[str, dict[str, int | float]]], zone: ZoneInfo) -> set[date]:
    """The local days with any activity, from the weekly activity items."""
    slots: dict[date, list[int]] = defaultdict(list)
    for sort_key, counts in items:
        monday = date.fromisoformat(sort_key[len(WEEK_PREFIX) :])
        for kind, slot, packed in _slots(counts, 1):
            if kind != ACTIVE:
                continue  # the week's minutes (m, q) are not activity counts
            for weekday in range(7):
                if int(packed) // DAY_DIGIT**weekday % DAY_DIGIT:
                    slots[monday + timedelta(days=weekday)].append(slot)
    days: set[date] = set()
    for utc_day, active in slots.items():
        active.sort()
        first, last = _local_day(utc_day, active[0], zone), _local_day(utc_day, active[-1], zone)
        days.update((first, last))
        if (last - first).days > 1:  # a UTC day spanning three local days (rare; be exact anyway)
            days.update(_local_day(utc_day, slot, zone) for slot in active)
    return days


def _streaks(active: set[date], today: date) -> tuple[int, int]:
    """(current, longest) runs of consecutive active days. The current streak is still alive
    today if yesterday was active (today may not have started yet)."""
    longest = run = 0
    previous: date | None = None
    for day in sorted(active):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    anchor = today if today in active else today - timedelta(days=1)
    current = 0
    while anchor in active:
        current += 1
        anchor -= timedelta(days=1)
    return current, longest
