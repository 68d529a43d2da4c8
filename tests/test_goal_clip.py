"""The day's step goal on the clip: announced once a day when the day's steps reach it, by the wall clock,
never while lying, in quiet hours or with the clock unset; on both runtimes."""

import json

import pytest

import settings
from simulator import replay, tracegen
from simulator import trace as tracemod

GOAL = 300
PATTERN = list(settings.SCHEMA["goal_pattern_ms"][0])
DAY = replay.DAY_ZERO // 86400  # the clip's day number of Monday 5 January 2026


def trace(schedule, seed=4):
    g = tracegen.generate(schedule, seed=seed)
    return tracemod.Trace("<generated>", g.t, g.acc, g.gyro)


def run(schedule, start=None, runtime="micropython", flash=None, **overrides):
    overrides.setdefault("goal_steps", GOAL)
    return replay.replay(trace(schedule), runtime=runtime, overrides=overrides, flash=flash,
                         start_minute=-1 if start is None else start)


def pulses_at(result, t):
    """The motor pulses that start at `t` s, as [on ms, off ms, ...] like a pattern."""
    start = round(t * 1000)
    pulses = [p for p in result["motor"] if p[0] >= start][:len(PATTERN) // 2 + 1]
    out = []
    for k, (at, ms) in enumerate(pulses):
        if k:
            out.append(at - (pulses[k - 1][0] + pulses[k - 1][1]))
        out.append(ms)
    return pulses[0][0], out


@pytest.mark.parametrize("runtime", replay.SIMULATED)
def test_the_goal_is_announced_once_in_the_minute_the_days_steps_reach_it(runtime):
    r = run([("sit", 120), ("walk", 600), ("sit", 120)], start=9 * 60, runtime=runtime)
    (t,) = r["goal_reached"]
    assert pulses_at(r, t) == (round(t * 1000), PATTERN)  # its own pattern, not a nudge's
    before = 0
    for m in r["minutes"]:
        if before < GOAL <= before + m["steps"]:
            assert m["goal"] and m["t"] <= t < m["t"] + 60  # the record of the minute it was reached says so
        else:
            assert not m["goal"]
        before += m["steps"]
    assert before > 3 * GOAL  # walked on well past the goal: once a day is once


def test_both_runtimes_announce_alike():
    schedule = [("walk", 240), ("sit", 60)]
    mp, cp = (run(schedule, start=10 * 60, runtime=rt) for rt in replay.SIMULATED)
    assert mp["goal_reached"] == cp["goal_reached"] and len(mp["goal_reached"]) == 1
    assert mp["minutes"] == cp["minutes"] and mp["motor"] == cp["motor"]


def test_no_goal_while_the_clock_is_not_set(tmp_path):
    r = run([("walk", 300)], flash=tmp_path)
    assert r["goal_reached"] == [] and not any(m["goal"] for m in r["minutes"])
    assert not (tmp_path / "today.json").exists()


def test_each_wall_clock_day_has_its_own_goal():
    # 23:55 to 00:05 with no quiet hours: the count starts again at midnight
    r = run([("walk", 600)], start=23 * 60 + 55, quiet_start_min=0, quiet_end_min=0)
    first, second = r["goal_reached"]
    assert first < 300 < second  # one on each side of midnight (300 s into the trace)


def test_a_goal_reached_in_quiet_hours_waits_for_their_end(tmp_path):
    r = run([("walk", 360)], start=21 * 60 + 58, flash=tmp_path)
    assert r["goal_reached"] == []  # reached after 22:00
    state = json.loads((tmp_path / "today.json").read_text())
    assert state["day"] == DAY and state["steps"] >= GOAL and not state["shown"]
    # the next morning's first seconds are a new day; a day that began over its goal waits for 07:00
    (tmp_path / "today.json").write_text(json.dumps({"day": DAY + 1, "steps": 2 * GOAL, "shown": False}))
    r = run([("sit", 240)], start=1440 + 6 * 60 + 58, flash=tmp_path)
    assert r["goal_reached"] == [120.0]


def test_a_restart_goes_on_counting_the_day_and_does_not_announce_twice(tmp_path):
    """A sync restarts the clip: the day's steps before it count, and an announced goal stays announced."""
    a = run([("walk", 100)], start=9 * 60, flash=tmp_path)
    assert a["goal_reached"] == [] and 0 < a["steps"] < GOAL
    b = run([("walk", 240)], start=12 * 60, flash=tmp_path)
    (t,) = b["goal_reached"]
    reached_in = next(m for m in b["minutes"] if m["goal"])
    assert a["steps"] + sum(m["steps"] for m in b["minutes"] if m["t"] < reached_in["t"]) < GOAL
    assert a["steps"] + sum(m["steps"] for m in b["minutes"] if m["t"] <= reached_in["t"]) >= GOAL
    c = run([("walk", 240)], start=15 * 60, flash=tmp_path)
    assert c["goal_reached"] == []


@pytest.mark.parametrize("runtime", replay.SIMULATED)
def test_never_while_lying(tmp_path, runtime):
    run([("walk", 60)], flash=tmp_path, goal_steps=0)  # the clip learns its wearer's upright
    (tmp_path / "today.json").write_text(json.dumps({"day": DAY, "steps": 2 * GOAL, "shown": False}))
    r = run([("lie", 240), ("sit", 120)], start=10 * 60, flash=tmp_path, runtime=runtime)
    lying = [t for t, p in r["posture_changes"] if p == "lying"]
    up = [t for t, p in r["posture_changes"] if lying and t > lying[0] and p != "lying"]
    (t,) = r["goal_reached"]
    assert lying and lying[0] < 10 and up and t >= up[0] > 200
