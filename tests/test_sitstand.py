"""Stand-to-sit and sit-to-stand transitions (sitstand.py) and how posture uses them, directly in CPython."""

import csv
import math
from array import array

import numpy as np
from hypothesis import given, settings as hsettings, strategies as st

import settings
from posture import LYING, SITTING, STANDING, Posture
from simulator import trace as tracemod
from sitstand import DOWN, UP, SitStand

S = settings.defaults()
RATE = 50
LSB = 8192


def magnitude_trace(pattern, seed=0):
    """Samples (n, 3) in raw counts: gravity on z scaled by `pattern` [(seconds, g), ...], a few mg of noise."""
    rng = np.random.default_rng(seed)
    mag = np.concatenate([np.full(int(sec * RATE), g) for sec, g in pattern])
    acc = np.column_stack([np.zeros_like(mag), np.zeros_like(mag), mag]) + rng.normal(0, 0.004, (len(mag), 3))
    return array("h", np.rint(acc * LSB).astype(int).ravel().tolist())


def events(buf, chunks):
    """The transitions seen scanning `buf` in chunks of the given sample counts, with the sample where each came."""
    det = SitStand(RATE, LSB, S)
    out = []
    j = 0
    for n in chunks:
        stop = min(j + 3 * n, len(buf))
        det.scan(buf, j, stop)
        e = det.take()
        if e:
            out.append((e, stop // 3))
        j = stop
    return out


def per_second(buf):
    return [e for e, _ in events(buf, [RATE] * (len(buf) // (3 * RATE) + 1))]


def test_sitting_down_dips_before_it_rises_and_standing_up_the_other_way():
    sit_down = magnitude_trace([(3, 1.0), (0.6, 0.8), (0.6, 1.25), (3, 1.0)])
    stand_up = magnitude_trace([(3, 1.0), (0.6, 1.25), (0.6, 0.8), (3, 1.0)])
    assert per_second(sit_down) == [DOWN]
    assert per_second(stand_up) == [UP]


def test_small_wobbles_and_long_bursts_are_no_transition():
    wobble = magnitude_trace([(3, 1.0), (0.6, 0.97), (0.6, 1.03), (3, 1.0)])
    assert per_second(wobble) == []
    walk = [(3, 1.0)] + [(0.3, 0.8), (0.3, 1.25)] * 30 + [(3, 1.0)]  # 18 s of jolts: a walk, not a transition
    assert per_second(magnitude_trace(walk)) == []


@hsettings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 90), min_size=1, max_size=40))
def test_what_is_seen_does_not_depend_on_how_the_samples_come_in_batches(sizes):
    buf = magnitude_trace([(2, 1.0), (0.6, 0.8), (0.6, 1.25), (2, 1.0), (0.6, 1.25), (0.6, 0.8), (3, 1.0)])
    n = len(buf) // 3
    seen = [e for e, _ in events(buf, sizes * (n // sum(sizes) + 1))]
    assert seen == per_second(buf) == [DOWN, UP]


def test_most_labelled_transitions_of_real_wearers_are_seen_the_right_way_round(datasets):
    """UCI HAPT, phone at the waist: every sit-down and stand-up (30 wearers)."""
    folder = datasets / "posture"
    with open(folder / "hapt_segments.csv", newline="") as f:
        segments = [r for r in csv.DictReader(f) if r["hapt_activity_name"] in ("STAND_TO_SIT", "SIT_TO_STAND")]
    files = sorted({r["file"] for r in segments})
    right = wrong = total = 0
    for name in files:
        trace = tracemod.load(folder / name)
        samples = tracemod.resample(trace, RATE)[:, :3]
        buf = array("h", np.clip(np.rint(samples * LSB), -32768, 32767).astype(int).ravel().tolist())
        seen = events(buf, [RATE] * (len(samples) // RATE + 1))
        for seg in (r for r in segments if r["file"] == name):
            total += 1
            want = DOWN if seg["hapt_activity_name"] == "STAND_TO_SIT" else UP
            near = [e for e, at in seen if float(seg["start_s"]) <= at / RATE <= float(seg["end_s"]) + 3]
            right += want in near
            wrong += bool(near) and want not in near
    assert total >= 80
    assert right >= 0.7 * total and wrong <= 0.1 * total  # 66 and 6 of 85 when written


def tilted(deg):
    a = math.radians(deg)
    return [int(1024 * math.sin(a)), 0, int(1024 * math.cos(a))]


def hold(p, g, seconds, shift_first=0):
    state = None
    for i in range(seconds):
        state = p.second(g, False, 20, shift_first if i == 0 else 0)
    return state


def test_a_sit_down_makes_an_upright_sitter_sit_until_a_stand_up():
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    between = (S["sit_low_deg"] + S["sit_tilt_deg"]) / 2  # as upright as some people sit
    assert hold(p, tilted(between - 2), 10) == STANDING
    assert hold(p, tilted(between), 10) == STANDING  # tilt alone: standing
    assert hold(p, tilted(between), 10, DOWN) == SITTING
    assert hold(p, tilted(between - 1), 10, UP) == STANDING
    assert hold(p, tilted(between), 10, DOWN) == SITTING
    for _ in range(3):
        p.second(tilted(3), True, 200)  # a walk ends any sitting
    assert hold(p, tilted(between), 10) == STANDING


def test_transitions_the_tilt_contradicts_or_that_leave_bed_are_not_believed():
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    between = (S["sit_low_deg"] + S["sit_tilt_deg"]) / 2
    hold(p, tilted(between + 2), 10)
    assert hold(p, tilted(between - 1), 10, DOWN) == STANDING  # more upright than before: no sit-down
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    assert hold(p, tilted(85), 10) == LYING
    assert hold(p, tilted(between), 10, DOWN) == STANDING  # getting out of bed, not sitting down
