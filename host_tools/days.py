"""A clip's synced minutes turned into days: steps against the day's goal, brisk minutes and walks, sitting
bouts, evening sitting, breaks, nudges and how they were answered.

Minutes come from the database view `minutes_on_clock` (local wall-clock
time as seconds since 1970); minutes whose session could not be placed on
the clock are counted but cannot belong to a day.

What the advice for a sitting back speaks of: brisk walking is a cadence of
at least 100 steps a minute (moderate intensity in adults, Tudor-Locke et
al. 2018); a walk is walking with no break of more than a minute, and a
walk of 15 minutes or more (LONG_WALK_MIN) on most days is the aim; a walk
belongs, whole, to the day it began (one past midnight too).
"""

from collections import namedtuple
from datetime import date, datetime, timedelta, timezone

from host_tools import db, goal as goalmod
from simulator import project

STATES = db.STATES
SITTING_MIN_S = 30  # a minute belongs to a sitting bout when at least half of it was spent sitting
WALKING_MIN_S = 30  # and to a walk when at least half of it was spent walking
WALK_RESPONSE_S = 30  # walking in the nudge's minute or the next five that counts as answering it
RESPONSE_MINUTES = 5
BRISK_SPM = 100
WALK_BREAK_S = 60  # a walk goes on through a break this long
LONG_WALK_MIN = 15  # the walk the advice asks for on most days
LONG_SIT_MIN = 30  # sitting bouts this long are the ones to break up
ADVICE_STEPS = 10_000  # the advice's daily steps: the measure of a day without a goal of its own

Minute = namedtuple("Minute", "epoch steps posture nudges walking_s sitting_s goal")


SINCE_MAX_DAYS = 36500  # the longest span --since takes: a hundred years


class SinceError(ValueError):
    """A --since value that is neither a span (7d, 12h) nor a date."""


def parse_since(text, now=None):
    """Local epoch seconds of `--since`: '7d' (days back from today), '12h', or a date YYYY-MM-DD."""
    if text is None:
        return None
    now = now or datetime.now()
    text = text.strip()
    if text[:-1].isdigit() and text[-1:] in ("d", "h"):
        n = int(text[:-1])
        most = SINCE_MAX_DAYS * (1 if text[-1] == "d" else 24)
        if not 1 <= n <= most:
            raise SinceError(f"--since takes 1 to {most:,} {'days' if text[-1] == 'd' else 'hours'} back "
                             f"(a hundred years), not {text!r}")
        start = (datetime.combine(now.date(), datetime.min.time()) - timedelta(days=n - 1)) if text[-1] == "d" \
            else now - timedelta(hours=n)
        return to_epoch(start)
    try:
        return to_epoch(datetime.combine(date.fromisoformat(text), datetime.min.time()))
    except ValueError:
        raise SinceError(f"--since takes a span such as 7d or 12h, or a date such as 2026-01-05, not {text!r}") \
            from None


def held_days(con, clip=None):
    """The first and last day with synced minutes placed on the clock (of `clip`, or of any), or None."""
    sql = "SELECT date(min(epoch), 'unixepoch'), date(max(epoch), 'unixepoch') FROM minutes_on_clock"
    first, last = con.execute(sql + (" WHERE clip = ?" if clip else ""), (clip,) if clip else ()).fetchone()
    return (first, last) if first else None


def nothing_synced(con, database, clip=None, since=None, week=None):
    """Why a report or an export of `database` holds nothing: the days it does hold, or that it holds none."""
    where = f" for clip {clip}" if clip else ""
    held = held_days(con, clip)
    if not held:
        return f"no synced minutes{where} in {database}: run `stepclip sync` first"
    first, last = held
    when = f" since {since}" if since else f" in the week to {week}" if week else ""
    hint = f"--week {last}" if week else f"--since {first}"
    return f"no synced minutes{where}{when} in {database}; it holds {first} to {last} (try {hint})"


def to_epoch(dt):
    return int(dt.replace(tzinfo=timezone.utc).timestamp())


def wall(epoch):
    """A naive local datetime for a clip's local epoch."""
    return datetime.fromtimestamp(epoch, timezone.utc).replace(tzinfo=None)


def dominant(row):
    secs = [row[s + "_s"] for s in STATES]
    return STATES[secs.index(max(secs))]


class Day:
    """One clip's day."""

    def __init__(self, clip, day):
        self.clip = clip
        self.date = day
        self.minutes = []  # Minute
        self.goal = 0  # the day's step goal (goal.py), 0: none
        self.walks = []  # (start epoch, minutes) of the walks that began this day
        self.battery_mv = 0
        self.errors = {}

    @property
    def steps(self):
        return sum(m[1] for m in self.minutes)

    @property
    def sitting_s(self):
        return sum(m[5] for m in self.minutes)

    def target(self, goal=None):
        """The steps the day is measured against: `goal` if given, else the clip's goal that day, else the advice."""
        return goal or self.goal or ADVICE_STEPS

    def reached(self, goal=None):
        return self.steps >= self.target(goal)

    def goal_at(self):
        """The epoch of the minute the clip announced the goal in, or None."""
        return next((m.epoch for m in self.minutes if m.goal), None)

    def brisk_minutes(self):
        return sum(1 for m in self.minutes if m.steps >= BRISK_SPM)

    def long_walks(self):
        """Walks of LONG_WALK_MIN minutes or more."""
        return [w for w in self.walks if w[1] >= LONG_WALK_MIN]

    def longest_walk(self):
        return max((n for _, n in self.walks), default=0)

    def long_sitting_s(self):
        """Seconds sitting in the sitting bouts of LONG_SIT_MIN minutes or more."""
        long = [(start, start + 60 * n) for start, n in self.bouts() if n >= LONG_SIT_MIN]
        return sum(m.sitting_s for m in self.minutes if any(a <= m.epoch < b for a, b in long))

    def evening_sitting_s(self, start_min):
        """Seconds sitting from `start_min` (minutes after midnight) to midnight."""
        return sum(m.sitting_s for m in self.minutes if m.epoch // 60 % 1440 >= start_min)

    def bouts(self):
        """Sitting bouts as (start epoch, minutes): runs of consecutive minutes spent mostly sitting."""
        out, start, last = [], None, None
        for epoch, *_, sitting, _ in self.minutes:
            if sitting >= SITTING_MIN_S:
                if start is None or epoch != last + 60:
                    if start is not None:
                        out.append((start, (last - start) // 60 + 1))
                    start = epoch
                last = epoch
        if start is not None:
            out.append((start, (last - start) // 60 + 1))
        return out

    def breaks_per_sitting_hour(self):
        """Bouts ended by getting up, per hour spent sitting."""
        bouts = self.bouts()
        hours = self.sitting_s / 3600
        return (len(bouts) / hours) if hours else 0.0

    def nudges(self):
        """(epoch, answered) for each nudge: answered when the wearer walked within five minutes."""
        by_epoch = {m[0]: m for m in self.minutes}
        out = []
        for epoch, _, _, nudges, _, _, _ in self.minutes:
            for _ in range(nudges):
                walked = sum(by_epoch[e][4] for e in range(epoch, epoch + 60 * (RESPONSE_MINUTES + 1), 60)
                             if e in by_epoch)
                out.append((epoch, walked >= WALK_RESPONSE_S))
        return out


def walks(minutes):
    """(start epoch, minutes) of each walk in `minutes` (Minute, in time order): walking minutes, none more
    than WALK_BREAK_S after the one before; a gap in the log is a break too."""
    out, start, last = [], None, None
    for m in minutes:
        if m.walking_s < WALKING_MIN_S:
            continue
        if start is not None and m.epoch - (last + 60) > WALK_BREAK_S:
            _end_walk(out, start, last)
            start = None
        if start is None:
            start = m.epoch
        last = m.epoch
    if start is not None:
        _end_walk(out, start, last)
    return out


def _end_walk(out, start, last):
    out.append((start, (last - start + 59) // 60 + 1))


def load(con, since=None, clip=None, until=None):
    """{clip: [Day, ...]} in date order, and the number of minutes that could not be placed on the clock.

    `since`, `until`: local epochs; the minutes from `since` and before `until`."""
    days, unplaced = {}, 0
    for row in db.minutes(con, clip):
        if row["epoch"] is None:
            unplaced += 1
            continue
        if (since is not None and row["epoch"] < since) or (until is not None and row["epoch"] >= until):
            continue
        d = wall(row["epoch"]).date()
        clip_days = days.setdefault(row["clip"], {})
        day = clip_days.get(d) or clip_days.setdefault(d, Day(row["clip"], d))
        day.minutes.append(Minute(row["epoch"], row["steps"], dominant(row), row["nudges"], row["walking_s"],
                                  row["sitting_s"], row["goal"]))
    out = {}
    for clip_id, clip_days in sorted(days.items()):
        ordered = [clip_days[d] for d in sorted(clip_days)]
        for day in ordered:
            day.minutes.sort()
        add_walks(ordered)
        decisions = goalmod.history(con, clip_id)
        for day in ordered:
            in_effect = goalmod.on(decisions, day.date)
            day.goal = in_effect.steps if in_effect else 0
        _add_device_figures(con, clip_id, ordered)
        out[clip_id] = ordered
    return out, unplaced


def add_walks(days):
    """Give each of a clip's days (in date order) the walks that began on it."""
    by_date = {d.date: d for d in days}
    for start, n in walks([m for d in days for m in d.minutes]):
        by_date[wall(start).date()].walks.append((start, n))


def _add_device_figures(con, clip_id, days):
    """Battery and error counters from the blocks, attributed to the day each block began."""
    by_date = {d.date: d for d in days}
    rows = con.execute(
        "SELECT s.start_epoch + 60 * b.first_minute, b.battery_mv, b.i2c_errors, b.flash_errors, b.fifo_overflows, "
        "b.dropped, b.flags, b.era, b.session FROM blocks b JOIN sessions s USING (clip, era, session) "
        "WHERE b.clip = ? AND s.start_epoch IS NOT NULL ORDER BY b.era, b.seq", (clip_id,))
    project.use_firmware()
    from minutelog import FLAG_WATCHDOG

    restarted = set()  # sessions that began with a watchdog restart
    for epoch, battery, i2c, flash, overflows, dropped, flags, era, session in rows:
        day = by_date.get(wall(epoch).date())
        if day is None:
            continue
        if flags & FLAG_WATCHDOG and (era, session) not in restarted:
            restarted.add((era, session))
            day.errors["watchdog restarts"] = day.errors.get("watchdog restarts", 0) + 1
        if battery:
            day.battery_mv = battery
        # the counters run for a session; a day shows the largest it saw
        for name, value in (("i2c", i2c), ("flash", flash), ("fifo overflows", overflows), ("dropped", dropped)):
            if value:
                day.errors[name] = max(day.errors.get(name, 0), value)
