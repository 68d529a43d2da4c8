"""Posture decided from what came before (getting up from bed), on generated traces replayed in CPython."""

import math

import pytest

import settings
from posture import SITTING, STANDING, Posture
from simulator import replay, trace as tracemod, tracegen

S = settings.defaults()
SETTLE_S = 8  # a transition and the hold after it


def states(schedule, seed=0, overrides=None):
    """The clip's state in each second of a generated trace, and where each schedule entry starts."""
    gen = tracegen.generate(schedule, seed=seed)
    result = replay.replay(tracemod.Trace("generated", gen.t, gen.acc, gen.gyro), runtime="cpython",
                           overrides=overrides)
    out = []
    state = "unknown"
    changes = iter(result["posture_changes"])
    nxt = next(changes, None)
    for k in range(1, int(gen.duration_s) + 1):
        while nxt is not None and nxt[0] <= k:
            state = nxt[1]
            nxt = next(changes, None)
        out.append(state)
    starts = [0]
    for entry in schedule:
        starts.append(starts[-1] + entry[1])
    return out, starts


def held(out, a, b):
    """The states from SETTLE_S after `a` to `b`."""
    return set(out[a + SETTLE_S:b])


def share(out, a, b, state):
    """The share of the seconds from SETTLE_S after `a` to `b` in `state`."""
    seg = out[a + SETTLE_S:b]
    return seg.count(state) / len(seg)


@pytest.mark.parametrize("side, seed", [("back", 1), ("right", 3), ("left", 2)])
def test_an_upright_sitter_getting_up_from_bed_sits_until_standing_up(side, seed):
    """Sitting as upright as standing (less than `sit_low_deg`): the bed makes it sitting."""
    angle = S["sit_low_deg"] / 2
    schedule = [("walk", 60), ("stand", 20), ("lie", 60, {"side": side}), ("sit", 60, {"angle": angle}),
                ("stand", 30)]
    out, at = states(schedule, seed)
    assert held(out, at[2], at[3]) == {"lying"}
    assert held(out, at[3], at[4]) == {"sitting"}
    assert held(out, at[4], at[5]) == {"standing"}
    # without the bed's cue the tilt alone says standing
    alone, at = states(schedule, seed, {"lie_sit_s": 600})
    assert share(alone, at[3], at[4], "standing") > 0.9


def tilted(deg):
    a = math.radians(deg)
    return [int(1024 * math.sin(a)), 0, int(1024 * math.cos(a))]


def test_a_clip_put_down_briefly_is_no_bed():
    """Lying shorter than `lie_sit_s` (the clip put down and picked up again) leaves the wearer standing."""
    between = (S["sit_low_deg"] + S["sit_tilt_deg"]) / 2
    for lying_s, then in ((S["lie_sit_s"] - 2, STANDING), (S["lie_sit_s"] + 2, SITTING)):
        p = Posture(dict(S, upright_mg=(0, 0, 1000)))
        for g, n in ((tilted(0), 10), (tilted(90), lying_s), (tilted(between), 10)):
            for _ in range(n):
                state = p.second(g, False, 20)
        assert state == then, lying_s


def test_a_sit_down_is_believed_once_the_tilt_has_settled():
    """The transition may be told while gravity still reads the lean forward of sitting down (less tilt than
    the standing before it); the tilt a moment later agrees with it."""
    from sitstand import DOWN, UP

    between = (S["sit_low_deg"] + S["sit_tilt_deg"]) / 2
    for settle, then in ((1, STANDING), (S["shift_settle_s"], SITTING)):
        p = Posture(dict(S, upright_mg=(0, 0, 1000), shift_settle_s=settle))
        for _ in range(10):
            p.second(tilted(between - 3), False, 20)  # standing with a lean
        p.second(tilted(between - 6), False, 60, DOWN)  # on the way down
        for _ in range(10):
            state = p.second(tilted(between), False, 20)
        assert state == then, settle
    p.second(tilted(between - 8), False, 60, UP)  # a stand-up is believed at once when the tilt agrees
    assert [p.second(tilted(between - 1), False, 20) for _ in range(5)][-1] == STANDING


def test_out_of_bed_a_burst_of_movement_once_settled_lets_the_tilt_decide_again():
    """A stand-up the transition detector missed still shows as a burst of movement; a fidget does not."""
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    for g, n, motion in ((tilted(90), S["lie_sit_s"] + 5, 5), (tilted(30), 2, 200), (tilted(3), 10, 5)):
        for _ in range(n):
            state = p.second(g, False, motion)
    assert state == SITTING  # the rise from bed itself is no stand-up
    p.second(tilted(3), False, S["burst_mg"] - 10)
    assert [p.second(tilted(3), False, 5) for _ in range(10)][-1] == SITTING
    p.second(tilted(3), False, S["burst_mg"] + 10)
    assert [p.second(tilted(3), False, 5) for _ in range(10)][-1] == STANDING
