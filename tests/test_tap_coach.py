"""Double-tap detection, walks with pauses, posture hysteresis and upright refinement, directly in CPython."""

import math
from array import array

import numpy as np
from hypothesis import given, strategies as st

import settings
from coach import Coach
from posture import LYING, SITTING, STANDING, WALKING, Posture
from simulator import scenario
from tap import TapDetector

S = settings.defaults()
RATE = 50
LSB = 8192


def still(seconds, rng):
    """A clip on a seated wearer: 1 g on z with a few mg of noise, in raw counts."""
    n = int(seconds * RATE)
    acc = np.column_stack([np.zeros(n), np.zeros(n), np.ones(n)]) + rng.normal(0, 0.005, (n, 3))
    return acc


def taps_seen(acc):
    """Times of the double taps the detector completes, fed the samples as the clip's buffer."""
    det = TapDetector(RATE, LSB, S)
    buf = array("h", np.clip(np.rint(acc * LSB), -32768, 32767).astype(int).ravel().tolist())
    seen = []
    j = 0
    while j < len(buf):
        j = det.scan(buf, j, len(buf))
        if det.tapped():
            seen.append((j // 3 - 1) / RATE)
    return seen


@given(st.integers(0, 1000), st.floats(2.0, 6.0))
def test_a_double_tap_is_seen_once_just_after_it(seed, at):
    rng = np.random.default_rng(seed)
    acc = still(10, rng)
    scenario.add_double_tap(acc, RATE, at, rng)
    seen = taps_seen(acc)
    assert len(seen) == 1 and at + scenario.TAP_GAP_S < seen[0] <= at + scenario.TAP_GAP_S + 1.1


def knock(acc, t, g=2.0):
    acc[int(round(t * RATE)), 2] += g


def test_single_triple_and_rhythmic_knocks_are_not_a_double_tap():
    rng = np.random.default_rng(1)
    single = still(6, rng)
    knock(single, 3.0)
    assert taps_seen(single) == []
    triple = still(6, rng)
    for t in (2.0, 2.3, 2.6):
        knock(triple, t)
    assert taps_seen(triple) == []
    steps = still(12, rng)  # heel strikes every 0.5 s look like knocks, but never with quiet around them
    for t in np.arange(1.0, 11.0, 0.5):
        knock(steps, t)
    assert taps_seen(steps) == []
    apart = still(6, rng)  # two knocks too far apart
    knock(apart, 2.0)
    knock(apart, 3.0)
    assert taps_seen(apart) == []


def drive(coach, plan):
    t, out = 0, []
    for state, secs in plan:
        for _ in range(secs):
            t += 1
            if coach.second(state, -1):
                out.append(t)
    return out


def test_a_walk_with_short_pauses_is_one_break_and_long_pauses_split_it():
    paused = [(SITTING, 1200)] + [(WALKING, 8), (STANDING, 6)] * 6 + [(SITTING, 1800)]
    assert drive(Coach(S), paused) == [1200 + 6 * 14 - 6 + 1800]  # timed from the last walking second
    split = [(SITTING, 1200)] + [(WALKING, 20), (STANDING, 30)] * 3 + [(SITTING, 1800)]
    assert drive(Coach(S), split) == [1800]


def test_no_nudge_in_a_pause_within_a_walk():
    # due at 30:00, in a walk that pauses at 30:10 (a door) and then goes on to be a break
    assert drive(Coach(S), [(SITTING, 1790), (WALKING, 20), (STANDING, 5), (WALKING, 50), (SITTING, 100)]) == []
    # a walk that stops for good: the held nudge comes once the pause outlasts `break_gap_s`
    assert drive(Coach(S), [(SITTING, 1790), (WALKING, 20), (SITTING, 60)]) == [1790 + 20 + S["break_gap_s"] + 1]


def tilted(up, deg):
    a = math.radians(deg)
    return [int(up * math.sin(a)), 0, int(up * math.cos(a))]


def test_tilt_near_a_threshold_does_not_flicker():
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    sit, margin = S["sit_tilt_deg"], S["posture_margin_deg"]
    states = [p.second(tilted(1024, sit + 3 * margin), False, 30) for _ in range(5)]
    assert states[-1] == SITTING
    # wobbling around the threshold, but not back beyond the margin: still sitting
    wobble = [p.second(tilted(1024, sit + (margin if i % 2 else -margin / 2)), False, 30) for i in range(20)]
    assert set(wobble) == {SITTING}
    assert [p.second(tilted(1024, sit - 3 * margin), False, 30) for _ in range(5)][-1] == STANDING


def test_lying_is_the_trunk_near_horizontal_whichever_side():
    for axis in range(3):
        p = Posture(dict(S, upright_mg=(0, 0, 1000)))
        g = [0, 0, 0]
        g[axis] = 1024 if axis < 2 else -1024  # on the back, on a side, upside down
        assert [p.second(g, False, 30) for _ in range(5)][-1] == LYING


def test_walks_refine_upright_even_by_a_few_degrees():
    """The refining mean keeps extra bits: a clip that settles 4 degrees off is followed closely."""
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    g = tilted(1024, 4)
    for _ in range(8 * 2 ** S["upright_refine_shift"]):
        p.second(g, True, 200)
    ux, uy, uz = p.upright_mg()
    off = math.degrees(math.acos((ux * g[0] + uy * g[1] + uz * g[2]) / math.hypot(ux, uy, uz) / math.hypot(*g)))
    assert off < 0.5


def test_rolling_over_in_bed_is_not_walking():
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    assert [p.second([1024, 0, 0], True, 200) for _ in range(5)][-1] == LYING
    assert [p.second(tilted(1024, 10), True, 200) for _ in range(2)][-1] == WALKING


def test_a_nudge_due_while_the_posture_may_be_changing_waits_until_it_has_settled():
    """The posture says walking only once a run of steps is seen, lying only once it has held:
    a nudge in those seconds could come while walking, or wake someone lying down."""
    coach = Coach(S)
    unsettled_from = S["inactive_s"] - 3
    out = [t for t in range(1, S["inactive_s"] + 20)
           if coach.second(SITTING, -1, unsettled_from <= t < S["inactive_s"] + 5)]
    assert out == [S["inactive_s"] + 5]
