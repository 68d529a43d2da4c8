"""The firmware's pure-logic modules, exercised directly in CPython."""

import math
from array import array

import pytest
from hypothesis import given, strategies as st

import settings
from coach import Coach
from motor import Vibrator
from posture import LYING, OFF_BODY, SITTING, STANDING, UNKNOWN, WALKING, Posture, isqrt
from steps import StepCounter
from storage import Storage

S = settings.defaults()


# -- settings ------------------------------------------------------------------

def test_settings_check_accepts_and_refuses_with_what_is_allowed():
    assert settings.check("rate_hz", 100) == 100
    assert settings.check("nudge_pattern_ms", [100, 50, 100, 50, 100]) == (100, 50, 100, 50, 100)
    with pytest.raises(ValueError, match="rate_hz takes a whole number from 25 to 200, not 500"):
        settings.check("rate_hz", 500)
    with pytest.raises(ValueError, match="one of 2, 4, 8, 16"):
        settings.check("accel_range_g", 3)
    with pytest.raises(ValueError, match="takes 5 whole numbers"):
        settings.check("nudge_pattern_ms", [100])
    with pytest.raises(ValueError, match="unknown setting"):
        settings.check("colour", 1)
    with pytest.raises(ValueError):
        settings.check("rate_hz", True)


def test_every_default_passes_its_own_check():
    for name, (default, *_rest) in settings.SCHEMA.items():
        assert settings.check(name, default) == default


def test_settings_round_trip_and_damage(tmp_path):
    store = Storage(str(tmp_path))
    assert settings.load(store) == S
    s = dict(S, rate_hz=100, upright_mg=(10, -990, 20))
    settings.save(store, s)
    assert settings.load(store) == s
    (tmp_path / "settings.json").write_text('{"rate_hz": 9999, "inactive_s": 600, "junk": 1}')
    assert settings.load(store) == dict(S, inactive_s=600)  # the bad value keeps its default
    (tmp_path / "settings.json").write_bytes(b"\x00{not json")
    assert settings.load(store) == S


# -- coach -----------------------------------------------------------------------

def drive(coach, plan, minute_of_day=-1):
    """Run (state, seconds) pairs; the seconds (from 0) at which nudges came."""
    t, out = 0, []
    for state, secs in plan:
        for _ in range(secs):
            t += 1
            if coach.second(state, minute_of_day):
                out.append(t)
    return out


def test_nudges_after_30_minutes_inactive_and_every_30_after():
    assert drive(Coach(S), [(SITTING, 65 * 60)]) == [1800, 3600]


def test_standing_still_counts_as_inactive():
    assert drive(Coach(S), [(SITTING, 1000), (STANDING, 900)]) == [1800]


def test_a_walk_of_a_minute_restarts_the_timer_but_a_shorter_one_does_not():
    assert drive(Coach(S), [(SITTING, 1200), (WALKING, 120), (SITTING, 2400)]) == [1200 + 120 + 1800]
    assert drive(Coach(S), [(SITTING, 1200), (WALKING, 40), (SITTING, 1200)]) == [1800]


def test_never_while_walking_lying_or_off_body():
    assert drive(Coach(S), [(SITTING, 1790), (WALKING, 50), (LYING, 600), (OFF_BODY, 300)]) == []


def test_long_rest_restarts_the_timer_short_rest_pauses_it():
    assert drive(Coach(S), [(SITTING, 1700), (LYING, 1200), (SITTING, 1799)]) == []
    assert drive(Coach(S), [(SITTING, 1700), (LYING, 600), (SITTING, 100)]) == [1700 + 600 + 100]


def test_quiet_hours_hold_nudges_but_an_unset_clock_does_not():
    c = Coach(S)
    assert c.quiet(23 * 60) and c.quiet(6 * 60 + 59) and not c.quiet(7 * 60) and not c.quiet(-1)
    assert drive(Coach(S), [(SITTING, 3600)], minute_of_day=23 * 60) == []
    assert drive(Coach(S), [(SITTING, 3600)], minute_of_day=12 * 60) == [1800, 3600]


def test_snooze_postpones_the_next_nudge():
    c = Coach(S)
    drive(c, [(SITTING, 25 * 60)])
    c.snooze()
    assert drive(c, [(SITTING, 30 * 60)]) == [(30 + 15 - 25) * 60]


# -- vibration pattern -----------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.ms = 0

    def ticks_ms(self):
        return self.ms

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, b):
        return a + b


class Pin:
    def __init__(self, clock):
        self.clock, self.changes, self.v = clock, [], 0

    def value(self, v):
        if v != self.v:
            self.changes.append((self.clock.ms, v))
        self.v = v


@pytest.mark.parametrize("poll", [1, 30, 70])
def test_vibrator_plays_the_pattern_on_time_whatever_the_loop_period(poll):
    clock = FakeClock()
    pin = Pin(clock)
    vib = Vibrator(pin, clock)
    clock.ms = 1000
    vib.start((200, 200, 200, 200, 200))
    while True:
        wait = vib.update()
        if wait < 0:
            break
        clock.ms += min(wait, poll)
    assert pin.changes == [(1000, 1), (1200, 0), (1400, 1), (1600, 0), (1800, 1), (2000, 0)]


# -- steps -----------------------------------------------------------------------

def feed(counter, samples):
    """Samples (x, y, z counts) through the counter, in one buffer as the clip hands them on."""
    buf = array("h", [v for sample in samples for v in sample])
    counter.scan(buf, 0, len(buf))


def walk_samples(rate, seconds, cadence, amp_g=0.3, lsb=8192, tilt_deg=0.0):
    f = cadence / 60
    ct, st_ = math.cos(math.radians(tilt_deg)), math.sin(math.radians(tilt_deg))
    for i in range(int(rate * seconds)):
        v = 1 + amp_g * math.sin(2 * math.pi * f * i / rate)
        yield int(v * st_ * lsb), 0, int(v * ct * lsb)


@pytest.mark.parametrize("rate", [25, 50, 100])
@pytest.mark.parametrize("cadence", [70, 110, 170])
def test_steady_walking_is_counted_at_every_rate(rate, cadence):
    c = StepCounter(rate, 8192, S)
    feed(c, walk_samples(rate, 60, cadence, tilt_deg=40))
    feed(c, walk_samples(rate, 1, cadence, amp_g=0, tilt_deg=40))  # a last step is seen once its swing is over
    assert abs(c.total - cadence) <= 2


def test_isolated_jolts_never_count():
    c = StepCounter(50, 8192, S)
    still = [(0, 0, 8192)] * 200
    jolt = [(0, 0, 8192 + 8000), (0, 0, 8192 - 8000)]
    for _ in range(20):
        feed(c, still + jolt)
    assert c.total == 0 and not c.walking()


def test_a_short_run_is_credited_once_counting_starts():
    c = StepCounter(50, 8192, S)
    feed(c, [(0, 0, 8192)] * 100)
    feed(c, walk_samples(50, 3 * 60 / 110, 110))  # three steps: not yet a walk
    assert c.total == 0
    feed(c, walk_samples(50, 10, 110))
    assert c.walking() and c.total >= 18


# -- posture ---------------------------------------------------------------------

def seconds(p, g, n, walking=False, motion=30):
    state = None
    for _ in range(n):
        state = p.second(g, walking, motion)
    return state


def test_posture_learns_upright_from_walking_then_tells_tilts_apart():
    p = Posture(S)
    up = [600, 0, 820]  # a clip tilted 36 degrees
    assert seconds(p, up, 10) == UNKNOWN
    assert seconds(p, up, S["upright_learn_s"], walking=True) == WALKING and p.calibrated and p.dirty
    assert seconds(p, up, 5) == STANDING

    def tilted(deg):
        a = math.atan2(820, 600) + math.radians(deg)
        return [int(1024 * math.cos(a)), 0, int(1024 * math.sin(a))]

    assert seconds(p, tilted(25), 5) == SITTING
    assert seconds(p, tilted(85), 5) == LYING
    assert p.upright_mg() == (585, 0, 800) and not p.dirty


def test_posture_holds_before_it_changes():
    s = dict(S, upright_mg=(0, 0, 1000))
    p = Posture(s)
    assert seconds(p, [0, 0, 1024], 5) == STANDING
    sit = [0, 500, 890]
    assert [p.second(sit, False, 30) for _ in range(4)] == [STANDING, STANDING, SITTING, SITTING]


def test_a_clip_left_still_goes_off_body():
    p = Posture(dict(S, upright_mg=(0, 0, 1000)))
    assert seconds(p, [0, 10, 1024], S["off_body_s"] - 1, motion=2) == STANDING
    assert seconds(p, [0, 10, 1024], 5, motion=2) == OFF_BODY
    assert seconds(p, [0, 10, 1024], 5, motion=60) == STANDING


@given(st.integers(-5, 2**30 - 1))  # within the machine words of a 32-bit MCU
def test_isqrt(n):
    r = isqrt(n)
    assert r * r <= n < (r + 1) * (r + 1) if n >= 0 else r == 0
