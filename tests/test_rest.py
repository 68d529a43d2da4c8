"""Off the body, and worn and still, the IMU rests in its low-power cycle (firmware/clip.py; the MPU-6050's
cycle and the BMI160's low power mode): what the clip counts stays that of the full rate, on the unix port
and in CPython; the pickup ends the rest within a low-power period."""

import pytest

from simulator import bench_traces, replay
from simulator.unix import wake_latency

COUNTS = ("steps", "minutes", "posture_changes", "nudges", "logged_s", "errors")
RESTING = ("pico_mpu6050", "pico_bmi160")  # the boards whose IMU rests
OFF_S = 420
SETTLE_S = 30  # off_body_s 300, then the posture held: resting by then


def put_down(**kw):
    return bench_traces.put_down([("walk", 60), ("stand", 10)], OFF_S, [("stand", 5), ("walk", 60), ("sit", 30)],
                                 **kw)


@pytest.mark.parametrize("board", RESTING)
@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_off_the_body_the_imu_rests_and_the_counts_are_those_of_the_full_rate(runtime, board):
    trace = put_down()
    full = replay.replay(trace, runtime=runtime, board_name=board, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, runtime=runtime, board_name=board)
    for key in COUNTS:
        assert rested[key] == full[key], key
    assert [c for _, c in full["posture_changes"]].count("off_body") == 1
    assert full["steps"] > 150  # both walks counted: the one after the pickup too
    # resting, the IMU put nothing in its FIFO: most of the time off the body after off_body_s
    assert full["samples"] - rested["samples"] >= 50 * (OFF_S - 300 - SETTLE_S)


@pytest.mark.parametrize("board, period_ms", [("pico_mpu6050", 50), ("pico_bmi160", 40),
                                             ("waveshare_rp2040_lcd128", 48)])  # 20 Hz, 25 Hz, 21 Hz
def test_a_clip_picked_up_is_at_the_full_rate_within_one_low_power_period(tmp_path, board, period_ms):
    ms, rests = wake_latency.latency_ms(0, tmp_path, board)
    assert rests == 1
    s = replay.resolve_settings({})
    assert 1000 // s["still_wake_hz"] == 50  # the rate asked; each chip takes the first it has at or above it
    # the cycle samples the frame nearest each of its wakes: a low-power period, and a frame at most
    assert ms is not None and 0 <= ms <= period_ms + 1000 // s["rate_hz"]


def test_a_bump_the_posture_calls_still_wakes_the_imu_and_it_rests_again():
    """A knock on the table: over motion_mg for one low-power sample, too short for the posture to see
    motion, so the clip is still off the body and rests again; the counts are the full rate's."""
    trace = put_down()
    at = int((70 + 380) * 50)  # 20 s into the rest
    trace.acc[at:at + 11, 0] += 0.3  # 220 ms: a low-power sample (every 200 ms) sees it
    full = replay.replay(trace, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace)
    for key in COUNTS:
        assert rested[key] == full[key], key
    # two rests: the samples taken are the full rate's less both (each most of its stretch)
    assert full["samples"] - rested["samples"] >= 50 * (OFF_S - 300 - SETTLE_S - 5)
    edges = rested["samples"]
    again = replay.replay(put_down())
    assert edges > again["samples"]  # the bump cost a few seconds at full rate, no more
    assert edges - again["samples"] < 50 * 10


def test_an_imu_without_a_low_power_cycle_stays_at_the_full_rate():
    trace = put_down()
    full = replay.replay(trace, board_name="nano_rp2040_connect", overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, board_name="nano_rp2040_connect")
    assert rested["samples"] == full["samples"]
    assert rested["steps"] == full["steps"]


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_the_qmi8658_wakes_on_motion_off_the_body_and_never_rests_worn(runtime):
    """The QMI8658's Wake on Motion puts out no samples, so no tilt can be watched: the waveshare board rests
    off the body (the counts those of the full rate) and stays at the full rate while worn and still."""
    board = "waveshare_rp2040_lcd128"
    trace = put_down()
    full = replay.replay(trace, runtime=runtime, board_name=board, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, runtime=runtime, board_name=board)
    for key in COUNTS:
        assert rested[key] == full[key], key
    assert set(rested["rest_s"]) == {"off_body"}
    assert full["samples"] - rested["samples"] >= 125 * (OFF_S - 300 - SETTLE_S)  # 125 Hz, none while resting
    worn = bench_traces.generated([("walk", 60), ("sit", 300), ("walk", 30)])
    assert replay.replay(worn, runtime=runtime, board_name=board)["rest_s"] == {}


def test_a_bus_failing_while_the_imu_rests_is_counted_and_the_clip_comes_back_at_the_full_rate():
    trace = put_down()
    clean = replay.replay(trace)
    r = replay.replay(trace, faults={"seed": 3, "oserror_per_k": 100})
    assert r["errors"]["i2c"] > 0
    assert r["steps"] >= 0.8 * clean["steps"]  # the walk after the pickup counted
    assert [c for _, c in r["posture_changes"]][-1] == [c for _, c in clean["posture_changes"]][-1]


def test_a_rest_pauses_the_coach_as_the_full_rate_does_and_the_nudge_comes_at_30_minutes():
    """Sitting 10 min, the clip on the table 12 min (a pause, shorter than rest_reset_s), sitting again: the
    nudge comes after 30 min of sitting, the rest's seconds paused the timer as the full rate's would."""
    trace = bench_traces.put_down([("walk", 60), ("sit", 600)], 720, [("stand", 5), ("sit", 1500)])
    full = replay.replay(trace, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace)
    assert full["samples"] - rested["samples"] >= 50 * (720 - 300 - SETTLE_S)
    assert rested["nudges"] == full["nudges"] and len(rested["nudges"]) == 1
    # sitting, the table (lying, then off the body: a pause), sitting again, as the posture told them
    changes = rested["posture_changes"]
    assert [c for _, c in changes] == ["walking", "sitting", "lying", "off_body", "sitting"]
    (sat, _), (paused, _), _, (again, _) = changes[1:]
    inactive_s = replay.resolve_settings({})["inactive_s"]
    assert abs(rested["nudges"][0] - (again + inactive_s - (paused - sat))) <= 5


@pytest.mark.parametrize("board", RESTING)
@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
def test_worn_and_still_the_imu_rests_and_the_counts_are_those_of_the_full_rate(runtime, board):
    """Sitting, standing and lying still for longer than worn_rest_s: the IMU rests through most of it; the
    stand-ups, the walks that follow and every minute's record are the full rate's (a walk at the end: a
    replay that ends in a rest counts its last part-second by the clock, not by samples)."""
    trace = bench_traces.generated(bench_traces.MIXED[:5] + [("lie", 240), ("walk", 60)])
    full = replay.replay(trace, runtime=runtime, board_name=board, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, runtime=runtime, board_name=board)
    for key in COUNTS:
        assert rested[key] == full[key], key
    assert full["rest_s"] == {}
    assert set(rested["rest_s"]) >= {"sitting", "standing", "lying"}
    assert rested["rest_s"]["sitting"] > 0.15 * full["posture_s"]["sitting"]
    assert full["samples"] - rested["samples"] >= 50 * sum(rested["rest_s"].values())  # no samples while resting


@pytest.mark.parametrize("board", RESTING)
def test_a_nudge_due_while_the_imu_rests_comes_when_the_full_rate_gives_it(board):
    """The loop wakes for the second a nudge falls due, not only every rest_poll_ms: the same moment."""
    trace = bench_traces.generated([("walk", 60), ("sit", 2000)])
    full = replay.replay(trace, board_name=board, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, board_name=board)
    assert len(full["nudges"]) == 1 and rested["nudges"] == full["nudges"]
    assert rested["motor"] == full["motor"]
    assert rested["rest_s"]["sitting"] > 300


@pytest.mark.parametrize("board", RESTING)
def test_a_tilt_that_drifts_too_slowly_to_wake_the_imu_still_ends_the_stillness(board):
    """Half an hour slumping slowly into the chair (8 degrees, far under motion_mg per sample): at the full
    rate the tilt's drift keeps the posture from calling the clip still long enough to be off the body; the
    rest reads the tilt at every wake, so the posture sees the same drift (a rest that kept the tilt it began
    with called the wearer off the body after off_body_s, and the coach's timer paused)."""
    import numpy as np

    trace = bench_traces.generated([("walk", 60), ("sit", 1800), ("walk", 60)])
    t = trace.t - 200
    a = np.radians(8) * np.clip(t / 1600, 0, 1)  # from 200 s on
    x, z = trace.acc[:, 0].copy(), trace.acc[:, 2].copy()
    trace.acc[:, 0] = x * np.cos(a) - z * np.sin(a)
    trace.acc[:, 2] = x * np.sin(a) + z * np.cos(a)
    full = replay.replay(trace, board_name=board, overrides={"rest_poll_ms": 0})
    rested = replay.replay(trace, board_name=board)
    assert "off_body" not in [c for _, c in full["posture_changes"]]
    for key in COUNTS:
        assert rested[key] == full[key], key
    assert rested["rest_s"]["sitting"] > 300


def _csv(trace, path):
    import numpy as np

    np.savetxt(path, np.column_stack([trace.t, trace.acc]), delimiter=",", header="t,ax,ay,az", comments="",
               fmt="%.4f")


def test_eval_rest_lists_what_moved_and_says_how_much_was_rested(tmp_path):
    """`stepclip sim eval rest` on a folder: a put-down (the rest's counts the full rate's) and a walk (no rest);
    a rest that changes counts (one the pickup wakes late) lists the recording; a missing folder is named."""
    import json
    import subprocess
    import sys

    _csv(put_down(), tmp_path / "put_down.csv")
    _csv(bench_traces.generated([("walk", 30)]), tmp_path / "walk.csv")
    stepclip = [sys.executable, "-m", "host_tools.cli", "sim", "eval", "rest"]
    out = subprocess.run([*stepclip, str(tmp_path), "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert (r["recordings"], r["rested"], r["moved"]) == (2, 1, [])
    assert r["samples_full"] - r["samples_rested"] >= 50 * (OFF_S - 300 - SETTLE_S)
    # a wake that needs a quarter second over 510 mg: the pickup is told late, and the recording is listed
    out = subprocess.run([*stepclip, str(tmp_path), "--set", "motion_mg=510", "--set", "motion_ms=255",
                          "--set", "rest_tilt_mg=200"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "put_down.csv: posture_changes" in out.stdout and "1 recordings moved" in out.stdout
    # the BMI160 board rests through the put-down as well, and leaves the counts as they are
    out = subprocess.run([*stepclip, str(tmp_path), "--board", "pico_bmi160", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert (r["board"], r["recordings"], r["rested"], r["moved"]) == ("pico_bmi160", 2, 1, [])
    out = subprocess.run([*stepclip, str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert out.returncode != 0 and "nowhere: no such folder of recordings" in out.stderr
    out = subprocess.run([*stepclip, str(tmp_path), "--board", "nosuch"], capture_output=True, text=True)
    assert out.returncode != 0 and "unknown board 'nosuch'" in out.stderr
