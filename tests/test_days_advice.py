"""What the advice speaks of, from hand-made minute records with known answers: brisk minutes, walks, sitting
bouts of 30+ minutes, evening sitting, and the goal that grows; hypothesis for the edges (midnight, gaps in the
log, the clock not set, a clip synced twice)."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

import settings
from host_tools import config, db, days as daysmod, goal
from minutelog import MinuteLog
from simulator import replay
from storage import Storage

MONDAY = replay.DAY_ZERO  # 2026-01-05 00:00, local
CFG = {name: spec[0] for name, spec in config.HOST_SCHEMA.items()}
SLOW = hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def minute(epoch, kind, steps=None, goal_flag=0):
    """A minute record as days.py reads it: `kind` walk (50 s walking), sit or stand."""
    walking, sitting = {"walk": (50, 10), "sit": (0, 60), "stand": (0, 0)}[kind]
    posture = {"walk": "walking", "sit": "sitting", "stand": "standing"}[kind]
    return daysmod.Minute(epoch, (105 if kind == "walk" else 0) if steps is None else steps, posture, 0, walking,
                          sitting, goal_flag)


def day_of(kinds, start_hhmm, on=MONDAY, gap_after=()):
    """A Day from a string of minute kinds (w walk, s sit, t stand, - nothing logged) from `start_hhmm`."""
    names = {"w": "walk", "s": "sit", "t": "stand"}
    d = daysmod.Day("c", daysmod.wall(on).date())
    t0 = on + 60 * start_hhmm
    d.minutes = [minute(t0 + 60 * k, names[c]) for k, c in enumerate(kinds) if c != "-"]
    daysmod.add_walks([d])
    return d


def test_walks_brisk_minutes_and_sitting_with_known_answers():
    # 08:00: 12 min walk with a one-minute stop, a 40-min sit, 9 min walk (not the advice's 15), 31 min sit, 16 min walk
    d = day_of("wwwwwtwwwwww" + "s" * 40 + "w" * 9 + "s" * 31 + "w" * 16, 8 * 60)
    assert [(daysmod.wall(s).strftime("%H:%M"), n) for s, n in d.walks] == [("08:00", 12), ("08:52", 9),
                                                                             ("09:32", 16)]
    assert d.long_walks() == [d.walks[2]] and d.longest_walk() == 16
    assert d.brisk_minutes() == 11 + 9 + 16
    assert d.long_sitting_s() == 60 * (40 + 31)  # whole minutes of sitting here
    assert d.evening_sitting_s(18 * 60) == 0


def test_a_two_minute_stop_or_a_gap_in_the_log_ends_a_walk():
    assert [n for _, n in day_of("w" * 8 + "tt" + "w" * 8, 8 * 60).walks] == [8, 8]
    assert [n for _, n in day_of("w" * 8 + "t" + "w" * 8, 8 * 60).walks] == [17]
    assert [n for _, n in day_of("w" * 8 + "--" + "w" * 10, 8 * 60).walks] == [8, 10]


def test_a_short_walk_is_a_walk_too():
    d = day_of("s" * 20 + "w" * 5 + "s" * 20, 9 * 60)
    assert d.longest_walk() == 5 and d.long_walks() == []


def test_evening_sitting_is_sitting_from_the_evening_on():
    d = day_of("s" * 90 + "t" * 30 + "s" * 45, 17 * 60)  # 17:00-18:30 sitting, 19:00-19:45 sitting
    assert d.evening_sitting_s(18 * 60) == 60 * (30 + 45)
    assert d.evening_sitting_s(19 * 60 + 30) == 60 * 15
    assert d.long_sitting_s() == 60 * (90 + 45)


def test_slow_steps_are_not_brisk():
    d = daysmod.Day("c", date(2026, 1, 5))
    d.minutes = [minute(MONDAY + 60 * k, "walk", steps=s) for k, s in enumerate((99, 100, 140, 60))]
    assert d.brisk_minutes() == 2


@given(st.integers(0, 60), st.integers(10, 90))
def test_a_walk_over_midnight_is_counted_once_whole_on_the_day_it_began(before, length):
    """`before` minutes of it before midnight: it belongs to the first day when it began there."""
    start = MONDAY + 86400 - 60 * before
    stream = [minute(start + 60 * k, "walk") for k in range(length)]
    days = {}
    for m in stream:
        d = daysmod.wall(m.epoch).date()
        days.setdefault(d, daysmod.Day("c", d)).minutes.append(m)
    ordered = [days[d] for d in sorted(days)]
    daysmod.add_walks(ordered)
    assert [w for d in ordered for w in d.walks] == [(start, length)]
    assert ordered[0].walks == [(start, length)]


@given(st.lists(st.sampled_from("wwwwst-"), min_size=0, max_size=120))
def test_walks_are_runs_of_walking_with_short_breaks(kinds):
    """Every walk starts and ends with a walking minute and holds no break longer than a minute, and every
    walking minute lies inside one."""
    d = day_of("".join(kinds), 9 * 60)
    t0 = MONDAY + 9 * 60 * 60
    for start, n in d.walks:
        k0 = (start - t0) // 60
        inside = kinds[k0:k0 + n]
        assert n >= 1 and inside[0] == inside[-1] == "w" and "--" not in "".join(inside).replace("s", "-").replace(
            "t", "-")
    covered = {k for start, n in d.walks for k in range((start - t0) // 60, (start - t0) // 60 + n)}
    assert {k for k, kind in enumerate(kinds) if kind == "w"} <= covered


# -- the goal rule -------------------------------------------------------------------------------------------


def steps_days(values, last=date(2026, 1, 11)):
    return {last - timedelta(days=len(values) - 1 - k): v for k, v in enumerate(values)}


def test_the_goal_starts_at_the_median_of_the_last_seven_days_with_steps():
    days = steps_days([9000, 0, 4000, 5200, 0, 6100, 5000, 4800, 7000, 0, 5550])
    steps, why = goal.propose(days, None, date(2026, 1, 11), CFG)
    assert steps == 5200 and "median over the last 7 days with steps is 5,200" in why  # 9000 is older than 7 of them
    assert goal.propose({}, None, date(2026, 1, 11), CFG)[0] == 0


def test_the_goal_rises_ten_percent_after_a_week_reached_on_most_days_else_holds():
    since = date(2026, 1, 5)
    current = goal.Decision(since, 6000, True, "")
    five = steps_days([6000, 6500, 3000, 7000, 6100, 2000, 6050])
    four = steps_days([6000, 6500, 3000, 7000, 5999, 2000, 6050])
    assert goal.propose(five, current, date(2026, 1, 11), CFG)[0] == 6600
    assert goal.propose(four, current, date(2026, 1, 11), CFG)[0] == 6000
    assert goal.propose(five, current, date(2026, 1, 10), CFG)[0] == 6000  # not yet a week
    near_cap = goal.Decision(since, 9500, True, "")
    assert goal.propose(steps_days([10000] * 7), near_cap, date(2026, 1, 11), CFG)[0] == 10000
    assert goal.propose(five, current, date(2026, 1, 11), dict(CFG, goal_raise_pct=20, goal_most_days=6))[0] == 6000


@given(st.lists(st.integers(0, 20000), min_size=7, max_size=7), st.integers(100, 12000), st.integers(1, 50),
       st.integers(1, 7), st.integers(1000, 15000))
def test_the_goal_never_falls_never_passes_the_cap_and_rises_only_when_reached_on_most_days(values, current_steps,
                                                                                          raise_pct, most, cap):
    cfg = dict(CFG, goal_raise_pct=raise_pct, goal_most_days=most, goal_cap_steps=cap)
    current = goal.Decision(date(2026, 1, 5), current_steps, True, "")
    steps, _ = goal.propose(steps_days(values), current, date(2026, 1, 11), cfg)
    reached = sum(v >= current_steps for v in values)
    if reached >= most and current_steps < cap:
        assert current_steps < steps <= cap and steps < current_steps * (1 + raise_pct / 100) + goal.ROUND
    else:
        assert steps == current_steps


# -- from the database: the clock not set, a clip synced twice ------------------------------------------------


def blocks_of(tmp, days):
    """Log blocks of one clip: each (start epoch or -1 for no clock, [(steps, kind)]) is a session."""
    log = MinuteLog(Storage(str(tmp)), settings.defaults())
    for start, mins in days:
        log.start_session()
        for k, (steps, kind) in enumerate(mins):
            secs = {"walk": [0, 0, 10, 0, 50, 0], "sit": [0, 60, 0, 0, 0, 0]}[kind]
            log.add(k, steps, secs, 0, 0, lambda start=start, k=k: (max(start, 0), 3900, 0, 0, 0))
        log.flush(lambda start=start: (max(start, 0), 3900, 0, 0, 0))
    return log.blocks_after(0)


def figures(con, clip):
    by_clip, unplaced = daysmod.load(con, clip=clip)
    return unplaced, [(d.date, d.steps, d.brisk_minutes(), d.walks, d.long_sitting_s()) for d in by_clip.get(clip, [])]


@SLOW
@given(st.lists(st.tuples(st.integers(0, 8), st.booleans(), st.integers(0, 40), st.integers(0, 40)), min_size=1,
                max_size=6), st.integers(1, 5))
def test_synced_twice_or_with_the_clock_unset_the_days_and_the_goal_come_out_the_same(tmp_path_factory, plan,
                                                                                     split):
    """Sessions on days 0-8 of the week, some without a clock; two syncs, the second bringing the first blocks
    again (one cut off before it acknowledged), then a third with nothing new: as if each block came once."""
    tmp = tmp_path_factory.mktemp("clip")
    sessions = [(MONDAY + 86400 * day + 8 * 3600 if clock else -1, [(110, "walk")] * walk + [(0, "sit")] * sit)
                for day, clock, walk, sit in plan if walk + sit]
    if not sessions:
        return
    blocks = blocks_of(tmp, sessions)
    once, again = (db.connect(tmp / name) for name in ("once.db", "again.db"))
    for con, second in ((once, blocks[split:]), (again, blocks)):
        db.clip_era(con, "c", blocks[-1].seq, "pico_mpu6050", "0.1.0", "now")
        goal.set_goal(con, "c", "auto")
        for part in (blocks[:split], second, []):
            db.store_blocks(con, "c", 0, part, "now")
            goal.decide(con, "c")
    assert figures(once, "c") == figures(again, "c")
    assert goal.history(once, "c") == goal.history(again, "c")
    unplaced, days = figures(once, "c")
    assert unplaced == sum(len(m) for start, m in sessions if start < 0)
    with_clock = {}
    for start, m in sessions:
        if start >= 0:
            d = daysmod.wall(start).date()
            with_clock[d] = with_clock.get(d, 0) + sum(s for s, _ in m)
    assert [(d, s) for d, s, *_ in days] == sorted(with_clock.items())
