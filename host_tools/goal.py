"""The step goal that grows from where the wearer is (`stepclip goal`).

The advice for people who sit a lot: about 10,000 steps a day, but start
from a goal near what you walk now and raise it gradually. So an automatic
goal starts at the wearer's median over the last 7 days with steps, and
each week in which they reach it on most days (`goal_most_days` of 7) it
rises by `goal_raise_pct`; when they do not, it holds; it never passes
`goal_cap_steps` (host settings, config.HOST_SCHEMA). A goal set by hand
stays as set.

Each decision is a row of `goals`: from which day on it holds. A day's
goal is the one decided before that day began, so a decision counts from
the day after the last synced day; it is made from synced minutes only,
so syncing twice, or again the same day, decides the same. `sync` pushes
the goal for the days ahead to the clip as `goal_steps`.
"""

import statistics
from collections import namedtuple
from datetime import date, timedelta

from host_tools import config, db

Decision = namedtuple("Decision", "since steps auto reason")  # since: a date; steps 0: no goal yet
WEEK = 7
ROUND = 100  # goals are whole hundreds of steps
FIRST_DAY = date.min  # `since` of a goal set before any day was synced: it holds from the start


class GoalError(ValueError):
    """A goal that cannot be set: one line saying why."""


def _rounded(steps, cap):
    return min(max(ROUND, int(round(steps / ROUND)) * ROUND), cap)


def propose(steps_by_day, current, last_day, cfg):
    """The automatic goal for the days after `last_day`, and why: (steps, reason); steps 0 when there is none.

    `steps_by_day`: {date: steps}; `current`: the Decision in effect on `last_day`, or None;
    `cfg`: the host settings.
    """
    cap, raise_pct, most = cfg["goal_cap_steps"], cfg["goal_raise_pct"], cfg["goal_most_days"]
    if current is None or not current.steps:
        walked = [s for d, s in sorted(steps_by_day.items()) if s > 0 and d <= last_day][-WEEK:]
        if not walked:
            return 0, "no day with steps synced yet: the goal starts from your own median"
        median = statistics.median(walked)
        goal = _rounded(median, cap)
        days = f"{len(walked)} days" if len(walked) > 1 else "day"
        return goal, f"your median over the last {days} with steps is {median:,.0f}: start at {goal:,}"
    held = (last_day - current.since).days + 1
    if held < WEEK:
        review = current.since + timedelta(days=WEEK - 1)
        return current.steps, f"{current.steps:,} since {current.since:%a %d %b}, reviewed after {review:%a %d %b}"
    week = [last_day - timedelta(days=k) for k in range(WEEK)]
    reached = sum(1 for d in week if steps_by_day.get(d, 0) >= current.steps)
    if reached < most:
        return current.steps, f"reached on {reached} of the last 7 days, fewer than {most}: held at {current.steps:,}"
    if current.steps >= cap:
        return current.steps, f"reached on {reached} of the last 7 days, and at the cap of {cap:,}"
    goal = min(-(-current.steps * (100 + raise_pct) // (100 * ROUND)) * ROUND, cap)  # up to whole hundreds
    return goal, f"reached on {reached} of the last 7 days: raised by {raise_pct} % to {goal:,}"


def history(con, clip):
    """The clip's decisions, oldest first: its own, or until it has some, those for every clip (a goal set
    for every clip is also written for each clip synced, set_goal)."""
    sql = "SELECT since, steps, auto, reason FROM goals WHERE clip = ? ORDER BY since"
    rows = con.execute(sql, (clip,)).fetchall() or con.execute(sql, (db.EVERY_CLIP,)).fetchall()
    return [Decision(date.fromisoformat(s), steps, bool(auto), reason) for s, steps, auto, reason in rows]


def on(decisions, day):
    """The decision in effect on `day`, or None."""
    found = None
    for d in decisions:
        if d.since <= day:
            found = d
    return found


def day_steps(con, clip):
    """{date: steps} of the clip's synced minutes that are placed on the clock."""
    rows = con.execute("SELECT date(epoch, 'unixepoch'), sum(steps) FROM minutes_on_clock WHERE clip = ? AND "
                       "epoch IS NOT NULL GROUP BY 1", (clip,))
    return {date.fromisoformat(d): s for d, s in rows}


def last_day(con, clip):
    """The last day with synced minutes of `clip` (or of any clip, for every clip), or None."""
    sql = "SELECT max(epoch) FROM minutes_on_clock" + ("" if clip == db.EVERY_CLIP else " WHERE clip = ?")
    (epoch,) = con.execute(sql, () if clip == db.EVERY_CLIP else (clip,)).fetchone()
    return date.fromordinal(date(1970, 1, 1).toordinal() + epoch // 86400) if epoch is not None else None


def decide(con, clip):
    """Bring the clip's automatic goal up to date with its synced days; the goal for the days ahead (0: none).

    Writes the decision and the clip's `goal_steps` to push, unless the goal was set by hand."""
    decisions = history(con, clip)
    if not decisions:
        return 0
    last = last_day(con, clip)
    if not decisions[-1].auto or last is None:
        return decisions[-1].steps
    current = on(decisions, last)
    steps, reason = propose(day_steps(con, clip), current, last, config.host_settings(con, clip))
    held = current is not None and current.steps and (last - current.since).days + 1 < WEEK
    if steps and not held:
        _write(con, clip, last + timedelta(days=1), steps, True, reason)
    return steps if steps else 0


def _write(con, clip, since, steps, auto, reason):
    with con:
        con.execute("INSERT OR REPLACE INTO goals VALUES (?, ?, ?, ?, ?)", (clip, since.isoformat(), steps,
                                                                          int(auto), reason))
        if steps:
            con.execute("INSERT OR REPLACE INTO desired_settings VALUES (?, 'goal_steps', ?, ?)",
                        (clip, str(steps), since.isoformat()))


def parse_steps(value):
    """A number of steps as the user writes it, "6000" or "6,000"; GoalError otherwise."""
    text = value.replace(",", "").replace("_", "") if value.replace(",", "").replace("_", "").isdigit() else value
    try:
        steps = config.parse_value("goal_steps", text)
    except config.ConfigError:
        steps = 0
    if steps < ROUND:
        raise GoalError(f"goal set takes a number of steps from 100 to 100,000, or auto, not {value!r}")
    return steps


def set_goal(con, clip, value):
    """`stepclip goal set N|auto` for `clip`, or for every clip: each clip synced so far and those to come.

    The goal for the days ahead (0: not known yet)."""
    steps = None if value == "auto" else parse_steps(value)
    targets = [clip] if clip != db.EVERY_CLIP else [db.EVERY_CLIP] + db.clip_ids(con)
    goal = 0
    for c in targets:
        last = last_day(con, c)
        since = last + timedelta(days=1) if last else FIRST_DAY
        if steps is None:
            _write(con, c, since, 0, True, "automatic: from your own median, raised week by week")
            if c != db.EVERY_CLIP:
                goal = decide(con, c)
        else:
            _write(con, c, since, steps, False, "set by hand")
            goal = steps
    return goal


def pending(con, clip):
    """True while the clip has not yet received its goal: the next sync writes it."""
    wanted = db.desired_settings(con, clip).get("goal_steps")
    return wanted is not None and (clip == db.EVERY_CLIP or db.held_settings(con, clip).get("goal_steps") != wanted)


def describe(con, clip):
    """Lines for `stepclip goal`: the goal, how it came about, and what comes next. For every clip: one line
    for each clip synced, then the rule."""
    if clip == db.EVERY_CLIP and db.clip_ids(con):
        lines = []
        for c in db.clip_ids(con):
            decide(con, c)
            lines.append(describe(con, c)[0])
        return lines + [_rule(con, clip)]
    decisions = history(con, clip)
    if not decisions:
        return [f"no goal set for {_who(clip)}: the clip has none (stepclip goal set auto, or a number of steps)"]
    latest = decisions[-1]
    lines = []
    if latest.steps:
        where = ("the clip gets it at the next `stepclip sync`" if pending(con, clip) else
                 "the clip has it" if clip != db.EVERY_CLIP else "")
        lines.append(f"goal for {_who(clip)}: {latest.steps:,} steps a day"
                     f"{'' if latest.since == FIRST_DAY else ' from ' + format(latest.since, '%a %d %b %Y')}"
                     f" ({'automatic' if latest.auto else 'set by hand'}{'; ' + where if where else ''})")
    else:
        lines.append(f"goal for {_who(clip)}: automatic, decided at its first sync with steps")
    lines.append(f"  why: {latest.reason}")
    last = last_day(con, clip)
    if latest.auto and latest.steps and last is not None and clip != db.EVERY_CLIP:
        steps, reason = propose(day_steps(con, clip), on(decisions, last), last, config.host_settings(con, clip))
        lines.append(f"  next: {reason}")
    if len(decisions) > 1:
        lines.append("  history: " + ", ".join(f"{d.steps:,} from {d.since:%d %b}" for d in decisions
                                                if d.steps and d.since != FIRST_DAY))
    lines.append(_rule(con, clip))
    return lines


def _rule(con, clip):
    cfg = config.host_settings(con, clip)
    return (f"  rule for an automatic goal: start at your median, +{cfg['goal_raise_pct']} % a week while reached "
            f"on {cfg['goal_most_days']} of 7 days, up to {cfg['goal_cap_steps']:,}")


def _who(clip):
    return "every clip" if clip == db.EVERY_CLIP else f"clip {clip}"
