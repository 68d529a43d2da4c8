"""The inactivity coach end to end: long traces built from real segments, replayed through the firmware.

Each scenario knows from its schedule when nudges are due; every nudge the
clip gives must fall within 30 s of one, each due nudge must come, and none
may come while walking or lying. Without the shared recordings the segments
are generated (simulator/tracegen.py), so these run everywhere.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from simulator import replay, scenario

TOLERANCE_S = 30
DETECT_S = 10  # a walk or a lying down is recognised within this long of its start
M = 60


def play(schedule, seed=0, overrides=None, runtime="micropython", start_minute=-1):
    sc = scenario.build(schedule, seed=seed)
    settings = {**sc.overrides, **(overrides or {})}
    result = replay.replay(sc.trace, runtime=runtime, overrides=settings, start_minute=start_minute)
    return sc, result, scenario.due_nudges(schedule, replay.resolve_settings(settings), start_minute)


def check_nudges(sc, result, due):
    """Every nudge within TOLERANCE_S of its own due time, none missing, none while walking or lying.

    In the last TOLERANCE_S of the trace a due nudge may still be on its way,
    and a nudge may answer one due just after the schedule ends.
    """
    end = result["samples"] / result["rate_hz"]
    nudges = list(result["nudges"])
    unmatched = []
    for d in due:
        near = [n for n in nudges if abs(n - d) <= TOLERANCE_S]
        if near:
            nudges.remove(near[0])
        elif d <= end - TOLERANCE_S:
            unmatched.append(d)
    assert not unmatched, ("due nudges that did not come", unmatched, result["nudges"], due, sc.source)
    extra = [n for n in nudges if n <= end - TOLERANCE_S]
    assert not extra, ("nudges that were not due", extra, result["nudges"], due, sc.source)
    for activity in ("walk", "lie"):
        for a, b in sc.spans(activity):
            assert not [n for n in result["nudges"] if a + DETECT_S <= n < b], (activity, a, b, result["nudges"])


def test_reference_rules_on_the_named_schedules():
    s = replay.resolve_settings({})
    assert scenario.due_nudges([("sit", 65 * M)], s) == [30 * M, 60 * M]
    assert scenario.due_nudges([("sit", 20 * M), ("walk", 2 * M), ("sit", 40 * M)], s) == [52 * M]
    assert scenario.due_nudges([("sit", 20 * M), ("walk", 50), ("sit", 40 * M)], s) == [30 * M, 60 * M]
    assert scenario.due_nudges([("walk", 60 * M)], s) == []
    assert scenario.due_nudges([("lie", 40 * M)], s) == []
    assert scenario.due_nudges([("sit", 25 * M), ("double_tap", 0), ("sit", 25 * M)], s) == [45 * M]
    assert scenario.due_nudges([("sit", 25 * M), ("lie", 21 * M), ("sit", 31 * M)], s) == [76 * M]


def test_bad_schedules_are_refused():
    for bad in ([("run", 60)], [("sit", -1)], [("sit", 1.5)], [("double_tap", 0)], []):
        with pytest.raises(ValueError):
            scenario.build(bad)


NAMED = {
    "65 min sitting": ([("sit", 65 * M)], [30 * M, 60 * M]),
    "sit 20, walk 2, sit 40": ([("sit", 20 * M), ("walk", 2 * M), ("sit", 40 * M)], [22 * M + 30 * M]),
    "an hour of walking": ([("walk", 60 * M)], []),
    "40 min lying": ([("lie", 40 * M)], []),
    # sitting 35 minutes, run on until the postponed nudge
    "double tap at 25:00": ([("sit", 25 * M), ("double_tap", 0), ("sit", 25 * M)], [45 * M]),
}


QUIET = {  # start of the trace (clock set) -> nudges due in 65 min of sitting
    "from 21:20: at 21:50, none at 22:20": (21 * 60 + 20, [30 * M]),
    "from 06:20: the one due at 06:50 comes at 07:00": (6 * 60 + 20, [40 * M]),
}


@pytest.fixture(scope="module")
def named_runs():
    """Every named scenario replayed on MicroPython, two at a time."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = {name: pool.submit(play, schedule) for name, (schedule, _) in NAMED.items()}
        runs.update({name: pool.submit(play, [("sit", 65 * M)], start_minute=start)
                     for name, (start, _) in QUIET.items()})
        return {name: run.result() for name, run in runs.items()}


@pytest.mark.parametrize("name", NAMED)
def test_named_scenario(name, named_runs):
    _, expected = NAMED[name]
    sc, result, due = named_runs[name]
    assert [round(d / M) for d in due] == [round(e / M) for e in expected]
    check_nudges(sc, result, due)
    if name.startswith("double tap"):
        assert sum(m["snoozes"] for m in result["minutes"]) == 1
        assert not [n for n in result["nudges"] if n < 35 * M]  # nothing at 30:00


@pytest.mark.parametrize("name", QUIET)
def test_quiet_hours_once_the_clock_is_set(name, named_runs):
    _, expected = QUIET[name]
    sc, result, due = named_runs[name]
    assert due == expected
    check_nudges(sc, result, due)


# Hypothesis draws day-like schedules on a coach scaled down five-fold, so
# that each replay takes a second; walks are clearly breaks or clearly not,
# rests clearly long or short, so that the due times are not a matter of a
# detection lag of a few seconds.
SCALED = {"inactive_s": 360, "renudge_s": 360, "rest_reset_s": 240, "snooze_s": 180}
still = st.tuples(st.sampled_from(["sit", "stand"]), st.integers(30, 420))
walk = st.tuples(st.just("walk"), st.one_of(st.integers(10, 30), st.integers(100, 200)))
lie = st.tuples(st.just("lie"), st.one_of(st.integers(30, 150), st.integers(300, 420)))


@st.composite
def schedules(draw):
    out = []
    for _ in range(draw(st.integers(2, 6))):
        entry = draw(st.one_of(still, still, walk, lie))
        out.append(entry)
        if entry[0] in ("sit", "stand") and entry[1] >= 60 and draw(st.booleans()) and draw(st.booleans()):
            out.append(("double_tap", 0))  # knocks in the last seconds of this still stretch
    return out


@hsettings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules(), seed=st.integers(0, 50))
def test_drawn_schedules_nudge_on_time_and_only_then(schedule, seed):
    sc, result, due = play(schedule, seed=seed, overrides=SCALED)
    check_nudges(sc, result, due)


def test_generated_segments_stand_in_without_the_recordings(monkeypatch, tmp_path):
    monkeypatch.setenv("STEPCLIP_DATASETS", str(tmp_path))
    sc, result, due = play([("walk", 100), ("sit", 300), ("double_tap", 0), ("sit", 300)],
                           overrides=SCALED)
    assert sc.source == "generated"
    assert due == [100 + 360 + 180]
    check_nudges(sc, result, due)


def test_a_double_tap_begun_just_before_a_nudge_is_due_postpones_it():
    """The first knock comes 1 s before the nudge is due; the clip knows it for a double tap only
    once the quiet after the second has passed, and holds the nudge until then."""
    schedule = [("walk", 10), ("sit", 351), ("double_tap", 0), ("sit", 600)]
    sc, result, due = play(schedule, overrides=SCALED)
    assert due == [360 + 180, 360 + 180 + 360]
    check_nudges(sc, result, due)


@pytest.mark.parametrize("runtime", ["cpython", "micropython"])
def test_a_renudge_due_as_a_walk_starts_waits_for_the_walk(runtime):
    """Hypothesis found it (seed 0): the re-nudge falls due at 12:00, one second into a walk, when the
    step counter has seen one swing and cannot yet tell a step; that swing holds the nudge, and the walk
    that follows is a break."""
    schedule = [("sit", 299), ("stand", 420), ("walk", 100)]
    sc, result, due = play(schedule, seed=0, overrides=SCALED, runtime=runtime)
    assert due == [360]
    check_nudges(sc, result, due)
