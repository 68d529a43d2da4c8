"""Behavioural tests of the synthetic IMU trace generator."""

import csv

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from simulator import tracegen as tg

FAST = settings(max_examples=15, deadline=None, database=None)
seeds = st.integers(0, 2**32 - 1)


def norm(a):
    return np.linalg.norm(a, axis=1)


def mean_dir(trace, label):
    v = trace.acc[trace.labels == label].mean(axis=0)
    return v / np.linalg.norm(v)


def angle_deg(u, v):
    return np.degrees(np.arccos(np.clip(np.dot(u, v), -1, 1)))


def count_peaks(x, rate_hz, cadence):
    """Local maxima at most one per ~step, clearly above the resting level."""
    w = max(int(0.4 * rate_hz * 60 / cadence), 1)
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, w, constant_values=-np.inf), 2 * w + 1)
    base = np.median(x)
    return int(np.sum((x == windows.max(axis=1)) & (x > base + 0.25 * (np.percentile(x, 99) - base))))


@pytest.fixture(scope="module")
def day():
    return tg.working_day(seed=0)


def test_same_seed_same_trace_other_seed_differs():
    sched = [("stand", 10), ("walk", 20), ("sit", 20), ("tap", 0), ("sit", 5)]
    a, b, c = tg.generate(sched, seed=5), tg.generate(sched, seed=5), tg.generate(sched, seed=6)
    for x, y in [(a.acc, b.acc), (a.gyro, b.gyro), (a.labels, b.labels)]:
        assert np.array_equal(x, y)
    assert a.true_steps == b.true_steps and a.segments == b.segments
    assert np.abs(a.acc - c.acc).mean() > 0.005


@FAST
@given(seed=seeds)
def test_still_postures_read_one_g_and_sitting_leans_back(seed):
    mount = tg.random_rotation(np.random.default_rng(seed))
    tr = tg.generate([("stand", 40), ("sit", 90), ("stand", 20), ("lie", 40)], seed=seed, mount=mount)
    for label in ("standing", "sitting", "lying"):
        assert abs(norm(tr.acc[tr.labels == label]).mean() - 1) < 0.05
    assert 10 <= angle_deg(mean_dir(tr, "sitting"), mean_dir(tr, "standing")) <= 40
    assert 80 <= angle_deg(mean_dir(tr, "lying"), mean_dir(tr, "standing")) <= 100


@FAST
@given(sit_angle=st.floats(15, 35), seed=seeds)
def test_sitting_angle_follows_person(sit_angle, seed):
    tr = tg.generate([("stand", 30), ("sit", 120)], seed=seed, person={"sit_angle": sit_angle},
                     mount=tg.random_rotation(np.random.default_rng(seed)))
    assert abs(angle_deg(mean_dir(tr, "sitting"), mean_dir(tr, "standing")) - sit_angle) < 7


@pytest.mark.parametrize("side", ["back", "front", "left", "right"])
def test_lying_is_near_horizontal(side):
    tr = tg.generate([("stand", 20), ("lie", 120, {"side": side})], seed=1)
    assert 80 <= angle_deg(mean_dir(tr, "lying"), mean_dir(tr, "standing")) <= 100


@FAST
@given(cadence=st.floats(60, 180), seed=seeds)
def test_walking_peaks_and_rhythm_match_cadence(cadence, seed):
    seconds = 60
    mount = tg.random_rotation(np.random.default_rng(seed))
    tr = tg.generate([("walk", seconds, {"cadence": cadence})], seed=seed, mount=mount)
    mag = norm(tr.acc)
    assert abs(count_peaks(mag, tr.rate_hz, cadence) - tr.true_steps) <= 0.02 * tr.true_steps
    assert abs(tr.true_steps - cadence * seconds / 60) <= 0.06 * cadence * seconds / 60 + 2
    spec = np.abs(np.fft.rfft(mag - mag.mean()))
    f_dom = np.fft.rfftfreq(len(mag), 1 / tr.rate_hz)[np.argmax(spec)]
    actual = tr.true_steps / seconds  # the cadence drifts as a person's does: judge the rhythm it produced
    assert abs(f_dom - actual) <= 0.05 * actual + 1 / seconds


@pytest.mark.parametrize("cadence, lo, hi", [(110, 0.35, 0.9), (170, 1.3, 2.8)])
def test_vertical_gait_amplitude_walking_vs_running(cadence, lo, hi):
    tr = tg.generate([("walk", 60, {"cadence": cadence})], seed=2, mount=np.eye(3), person={"step_amp": 0.6})
    vert = tr.acc[:, 0]
    assert lo <= np.percentile(vert, 99.5) - np.percentile(vert, 0.5) <= hi
    assert vert.min() > -0.1  # never below free fall
    assert np.ptp(tr.acc[:, 1]) < np.ptp(vert) and np.ptp(tr.acc[:, 2]) < np.ptp(vert)


@FAST
@given(seed=seeds)
def test_acc_magnitude_is_rotation_invariant(seed):
    sched = [("stand", 10), ("walk", 30), ("sit", 20)]
    a = tg.generate(sched, seed=3, mount=np.eye(3))
    b = tg.generate(sched, seed=3, mount=tg.random_rotation(np.random.default_rng(seed)))
    diff = norm(a.acc) - norm(b.acc)
    assert np.abs(diff).max() < 0.1  # sensor-fixed offsets (<35 mg) and noise may add or cancel
    for s in a.segments:  # ... but barely change within a posture
        m = (a.t >= s["start_s"]) & (a.t < s["end_s"])
        assert np.std(diff[m]) < 0.012
    assert np.abs(norm(a.gyro) - norm(b.gyro)).mean() < 1.0
    assert not np.allclose(a.acc, b.acc, atol=0.05)


def test_random_rotations_are_proper_and_uniform():
    rng = np.random.default_rng(0)
    rots = np.array([tg.random_rotation(rng) for _ in range(3000)])
    assert np.allclose(rots @ rots.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(rots), 1)
    assert np.abs(rots.mean(axis=0)).max() < 0.05  # Haar measure has zero mean


def test_transitions_are_inserted_after_boundaries_with_realistic_motion():
    tr = tg.generate([("stand", 20), ("sit", 30), ("walk", 20)], seed=4)
    trans = [s for s in tr.segments if s["activity"] == "transition"]
    assert [s["kind"] for s in trans] == ["stand_to_sit", "sit_to_stand"]
    assert [s["start_s"] for s in trans] == [20.0, 50.0]
    for s in trans:
        assert 1.5 <= s["end_s"] - s["start_s"] <= 3.0
        m = (tr.t >= s["start_s"]) & (tr.t < s["end_s"])
        assert 30 <= norm(tr.gyro[m]).max() <= 80
        assert 0.1 <= np.abs(norm(tr.acc[m]) - 1).max() <= 0.8
    assert set(tr.labels[(tr.t >= 20) & (tr.t < trans[0]["end_s"])]) == {"transition"}


def test_gyro_integrates_to_the_tilt_seen_by_gravity():
    tr = tg.generate([("stand", 10), ("lie", 30, {"side": "back"}), ("stand", 10)], seed=5, mount=np.eye(3))
    pitch = np.degrees(np.arctan2(tr.acc[:, 2], tr.acc[:, 0]))  # lying on the back: no roll
    gy = tr.gyro[:, 1] - tr.gyro[: 5 * 50, 1].mean()
    integrated = np.cumsum(gy) / tr.rate_hz
    for t in (25, 45):
        i = int(t * tr.rate_hz)
        assert abs((integrated[i] - integrated[100]) - (pitch[i - 25: i + 25].mean() - pitch[75:125].mean())) < 4


def test_tap_is_a_short_spike_inside_the_posture():
    tr = tg.generate([("sit", 30), ("tap", 0, {"axis": 1, "g": 2.0}), ("sit", 30)], seed=6)
    tap = np.flatnonzero(tr.labels == "tap")
    assert 4 <= len(tap) <= 6 and abs(tr.t[tap].mean() - 29) < 0.03
    baseline = np.median(tr.acc[(tr.t > 25) & (tr.t < 28), 1])
    assert 1.8 <= tr.acc[tap, 1].max() - baseline <= 2.2
    assert set(tr.labels[(tr.t > 28) & (tr.t < 30)]) == {"sitting", "tap"}
    spikes = tg.generate([("stand", 5), ("tap", 0), ("stand", 5)], seed=7)
    jump = np.abs(spikes.acc - np.median(spikes.acc, axis=0)).max()
    assert 0.9 <= jump <= 3.1


def test_working_day(day):
    tr, schedule = day
    assert 8 * 3600 <= tr.duration_s <= 9 * 3600
    assert tr.duration_s == pytest.approx(sum(e[1] for e in schedule))
    assert tr.start_hhmm == 510
    assert set(tr.labels) == {"walking", "sitting", "standing", "transition", "tap"}
    assert tr.true_steps == sum(s["steps"] for s in tr.segments) > 5000
    body = [s for s in tr.segments if s["activity"] != "tap"]
    assert body[0]["start_s"] == 0 and body[-1]["end_s"] == tr.duration_s
    assert all(a["end_s"] == b["start_s"] for a, b in zip(body, body[1:]))
    minutes = {act: [(s["end_s"] - s["start_s"]) / 60 for s in tr.segments if s["activity"] == act]
               for act in ("walk", "sit", "stand", "tap", "transition")}
    assert minutes["walk"][0] > 10 and minutes["walk"][-1] > 10
    assert any(m < 1 for m in minutes["walk"]) and any(3 <= m <= 5 for m in minutes["walk"])
    assert any(20 <= m <= 25 for m in minutes["walk"])
    assert any(m >= 74.9 for m in minutes["sit"])
    assert any(0 < m % 30 <= 6 for m in minutes["sit"] if m > 30)  # up soon after a reminder
    postures = [tg.POSTURE[e[0]] for e in schedule if e[0] != "tap"]
    changes = sum(a != b for a, b in zip(postures, postures[1:]))
    assert len(minutes["transition"]) == changes >= 10 and all(m < 0.1 for m in minutes["transition"])
    assert len(minutes["stand"]) >= 2 and len(minutes["tap"]) >= 3
    assert (tr.labels == "walking").mean() < 0.2 and (tr.labels == "sitting").mean() > 0.7


def test_csv_round_trip(tmp_path):
    tr = tg.generate([("stand", 5), ("tap", 0), ("walk", 10), ("sit", 5)], seed=8, rate_hz=100)
    path = tmp_path / "trace.csv"
    tr.write_csv(path)
    with open(path, newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["t", "ax", "ay", "az", "gx", "gy", "gz", "label"]
        rows = list(reader)
    assert len(rows) == len(tr.t)
    t = np.array([float(r[0]) for r in rows])
    assert t[0] == 0 and np.all(np.diff(t) > 0) and np.allclose(np.diff(t), 0.01)
    assert np.allclose([[float(v) for v in r[1:4]] for r in rows], tr.acc, atol=5e-5)
    assert np.allclose([[float(v) for v in r[4:7]] for r in rows], tr.gyro, atol=5e-3)
    assert [r[7] for r in rows] == tr.labels.tolist()


def test_cli_writes_trace_and_reports_steps(tmp_path, capsys):
    out = tmp_path / "walk.csv"
    assert tg.main(["walk", str(out), "--seconds", "20", "--cadence", "120", "--seed", "3"]) == 0
    expected = tg.generate([("walk", 20, {"cadence": 120})], seed=3)
    assert f"true steps {expected.true_steps}," in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == len(expected.t) + 1


def test_bad_schedule_entries_are_rejected():
    with pytest.raises(ValueError):
        tg.generate([("jog", 10)])
    with pytest.raises(ValueError):
        tg.generate([("sit", 10, {"cadence": 100})])
