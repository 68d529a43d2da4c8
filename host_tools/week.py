"""A week at a glance: the seven days up to a date, and the findings in plain words under its picture."""

from datetime import timedelta

from host_tools import goal as goalmod
from host_tools.days import wall
from host_tools.summary import minutes

DAYS = 7


def dates(end):
    """The seven dates up to and including `end`."""
    return [end - timedelta(days=DAYS - 1 - k) for k in range(DAYS)]


def of(days, end):
    """The week up to `end` from a clip's days: a Day or None for each of the seven dates."""
    by_date = {d.date: d for d in days}
    return [by_date.get(d) for d in dates(end)]


def findings(week, next_goal, evening_start_min, goal=None):
    """One line of findings: walks, the longest sitting, evening sitting, the goal and the next one."""
    worn = [d for d in week if d]
    walked = sum(1 for d in worn if d.long_walks())
    parts = [f"{walked} of {DAYS} days with a 15-minute walk"]
    bouts = [(n, start, d) for d in worn for start, n in d.bouts()]
    if bouts:
        n, start, d = max(bouts, key=lambda b: b[0])
        parts.append(f"longest sitting: {d.date:%A} {minutes(60 * n)} from {wall(start):%H:%M}")
    evening = [(d.evening_sitting_s(evening_start_min), d) for d in worn]
    if evening and max(evening, key=lambda sd: sd[0])[0]:
        s, d = max(evening, key=lambda sd: sd[0])
        parts.append(f"most sitting after {evening_start_min // 60:02d}:{evening_start_min % 60:02d}: "
                     f"{d.date:%A} {minutes(s)}")
    reached = sum(1 for d in worn if d.reached(goal))
    parts.append(f"goal reached on {reached} day{'s' if reached != 1 else ''}")
    if next_goal:
        parts.append(f"next week's goal: {next_goal:,}")
    return "; ".join(parts)


def next_goal(con, clip, end, cfg):
    """The goal for the days after `end` (0: none set): a goal set by hand holds; an automatic one is what the
    rule proposes from every synced day up to `end`."""
    decisions = goalmod.history(con, clip)
    ahead = goalmod.on(decisions, end + timedelta(days=1))
    if ahead is None:
        return 0  # no goal was ever set
    if not ahead.auto or ahead.since > end:
        return ahead.steps  # set by hand, or already decided for the days after the week
    steps_by_day = {d: s for d, s in goalmod.day_steps(con, clip).items() if d <= end}
    steps, _ = goalmod.propose(steps_by_day, goalmod.on(decisions, end), end, cfg)
    return steps
