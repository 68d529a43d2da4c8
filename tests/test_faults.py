"""Faults injected between the firmware and the simulated board: the loop survives and counts them."""

import json
import math

import pytest

from simulator import replay, trace as tracemod, tracegen

# every I2C fault kind of simulator/unix/faults.py, on a three-minute walk
I2C_FAULTS = {"seed": 7, "oserror_per_k": 5, "stuck": [[40, 3]], "chip_reset": [70, 120], "garbage": [30, 90, 150],
              "late": [[100, 6000]]}
ACCURACY = 0.05  # step count within 5% of the fault-free count, scaled to the samples that reached the clip


@pytest.fixture(scope="module")
def walk():
    g = tracegen.generate([("walk", 100), ("stand", 10), ("walk", 70)], rate_hz=50, seed=3)
    return tracemod.Trace("<walk>", g.t, g.acc, g.gyro)


@pytest.fixture(scope="module")
def clean(walk):
    return replay.replay(walk, runtime="cpython")


def assert_steps_within_target(r, clean):
    kept = r["samples"] / clean["samples"]
    assert abs(r["steps"] - clean["steps"] * kept) <= ACCURACY * clean["steps"], (r["steps"], clean["steps"], kept)


def test_i2c_faults_survived_and_counted_on_both_runtimes(walk, clean):
    runs = {rt: replay.replay(walk, runtime=rt, faults=I2C_FAULTS) for rt in replay.SIMULATED}
    mp, cp = runs["micropython"], runs["cpython"]
    assert mp["faults"] == cp["faults"] and mp["errors"] == cp["errors"] and mp["steps"] == cp["steps"]
    f, e = cp["faults"], cp["errors"]
    assert f["oserror"] > 0 and f["stuck"] > 0
    assert f["chip_reset"] == 2 and f["garbage"] == 3 and f["late"] == 1
    assert e["i2c"] >= 1 + f["oserror"] // 2  # some NACKs fall inside an init, which polls through them
    assert e["imu_stalls"] >= f["chip_reset"]  # a reset chip stops filling its FIFO: noticed and re-initialised
    assert e["fifo_overflows"] >= 1  # the six-second hold-up overflows the 3.4 s FIFO
    assert e["imu_stalls"] == f["chip_reset"]  # an overflow is no stall: the driver already reset the FIFO
    # samples are lost (stuck bus, re-initialised FIFOs, the overflow) but not many, and the count holds
    assert 0.8 * clean["samples"] < cp["samples"] < clean["samples"]
    assert_steps_within_target(cp, clean)
    # a minute record for every minute the clip ran
    assert len(cp["minutes"]) == math.ceil(cp["clock_s"] / 60 - 1e-9)


def test_frequent_nacks_cost_the_reads_they_break_not_the_fifo(walk, clean):
    """2 % of reads fail: the chip keeps its FIFO, so only what broken bursts had taken is lost (the target:
    at most 2.5 % of the samples, steps within 1 % of the clean run's)."""
    r = replay.replay(walk, runtime="cpython", faults={"seed": 20, "oserror_per_k": 20})
    assert r["faults"]["oserror"] > 10 and r["errors"]["i2c"] == r["faults"]["oserror"]
    assert r["errors"]["imu_stalls"] == 0 and r["errors"]["fifo_overflows"] == 0
    assert clean["samples"] > r["samples"] >= 0.975 * clean["samples"]
    assert abs(r["steps"] - clean["steps"] * r["samples"] / clean["samples"]) <= 0.01 * clean["steps"]


def test_a_bus_failing_one_read_in_ten_still_counts(walk, clean):
    """10 % of reads fail: each broken burst costs what it had taken (the target: at most 12 % of the samples)."""
    r = replay.replay(walk, runtime="cpython", faults={"seed": 100, "oserror_per_k": 100})
    assert r["errors"]["i2c"] > 50
    assert 0.88 * clean["samples"] <= r["samples"] < clean["samples"]
    assert_steps_within_target(r, clean)


def test_chip_reset_alone_is_noticed_and_recovers(walk, clean):
    r = replay.replay(walk, runtime="cpython", faults={"chip_reset": [60]})
    assert r["errors"] == {"i2c": 0, "flash": 0, "fifo_overflows": 0, "imu_stalls": 1, "imu_line_held": 0}
    # no more than the stall time (2 s by default) plus a FIFO's worth is lost
    assert clean["samples"] - r["samples"] <= 50 * 2.5
    assert_steps_within_target(r, clean)


def test_flash_full_is_counted_and_the_loop_goes_on(walk, clean):
    r = replay.replay(walk, runtime="cpython", overrides={"log_block_min": 1}, faults={"flash_full": [0, 120]})
    assert r["faults"]["flash_full"] >= 2 and r["errors"]["flash"] == r["faults"]["flash_full"]
    # counting never stopped; minute 0 (closed at 60 s) found no room and waited in RAM until 120 s
    assert r["samples"] == clean["samples"] and r["steps"] == clean["steps"]
    assert [m["t"] for m in clean["minutes"]] == [0, 60, 120]
    assert r["minutes"] == clean["minutes"]


def test_a_hang_is_restarted_by_the_watchdog_and_noted_on_flash(walk, clean):
    runs = {rt: replay.replay(walk, runtime=rt, overrides={"log_block_min": 1}, faults={"hang": [50, 130]})
            for rt in replay.SIMULATED}
    mp, cp = runs["micropython"], runs["cpython"]
    assert mp["watchdog_restarts"] == cp["watchdog_restarts"] == 2 and cp["faults"]["hang"] == 2
    assert mp["watchdog_sessions"] == cp["watchdog_sessions"] == [2, 3]  # the log says so, block by block
    assert mp["steps"] == cp["steps"] and mp["minutes"] == cp["minutes"] and cp["errors"]["flash"] == 0
    # 8 s lost at each hang (the watchdog's timeout), and the minute in progress; counting goes on after each
    assert clean["samples"] - cp["samples"] == pytest.approx(2 * 8 * 50, abs=50)
    assert_steps_within_target(cp, clean)
    assert len(cp["minutes"]) >= len(clean["minutes"]) - 2


def test_free_heap_stays_flat_over_hours():
    """Three virtual hours on MicroPython with I2C faults: the free heap, sampled on the hour after a
    collection, does not move (the bench, python -m host_tools.bench_faults --soak-hours 24, runs longer)."""
    from host_tools.bench_faults import soak

    r = soak(3)
    assert r["hours"] == 3 and r["errors"]["i2c"] > 0
    heap = r["free_heap"]
    assert heap[-1] >= heap[0] - 64, heap  # a 64-byte margin for the allocator's granularity


def test_the_fault_bench_prints_its_table_as_json_for_scripts(capsys):
    from host_tools import bench_faults

    bench_faults.main(["--json", "--runtime", "cpython", "--minutes", "3"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["kind"] for r in rows] == ["nack_0.5pct", "nack_2pct", "nack_10pct", "bus_stuck_5s", "chip_reset",
                                         "fifo_garbage", "fifo_overflow", "flash_full", "watchdog",
                                         "power_cut_littlefs", "power_cut_fat"]
    for r in rows:
        assert set(r) == {"kind", "injected", "survived", "records_lost", "samples_lost_pct", "steps_vs_clean_pct"}
        assert r["injected"] > 0 and 0 <= r["survived"] <= r["injected"] and r["records_lost"] >= 0
    nacks = {r["kind"]: r for r in rows[:3]}
    assert nacks["nack_0.5pct"]["injected"] < nacks["nack_2pct"]["injected"] < nacks["nack_10pct"]["injected"]
    assert all(isinstance(r["samples_lost_pct"], float) for r in rows[:9])
    assert rows[9]["samples_lost_pct"] is None and rows[10]["steps_vs_clean_pct"] is None


@pytest.mark.parametrize("runtime", replay.SIMULATED)
def test_a_watchdog_reset_loses_only_the_minute_in_progress(walk, runtime):
    """A hang at 2:30, in the first 16-minute block: the watchdog restarts the MCU with two finished
    minutes and half a minute in RAM; the finished ones were copied to flash and reach the log."""
    r = replay.replay(walk, runtime=runtime, faults={"hang": [150.0]})
    assert r["watchdog_restarts"] == 1
    measured_s = r["samples"] / r["rate_hz"]
    assert 0 <= measured_s - r["logged_s"] < 60, (measured_s, r["logged_s"])
    assert [m["t"] for m in r["minutes"]][:2] == [0, 60]


@pytest.mark.parametrize("runtime", ["micropython", "cpython"])
@pytest.mark.parametrize("board", ["pico_mpu6050", "pico_bmi160"])
def test_an_int_line_held_high_costs_timed_sleeps_and_no_count(board, runtime):
    """The IMU's INT line shorted high for 40 s, while the clip rests off the body: no sleep is cut short by
    it (the old loop returned at once from every sleep, for ever, in virtual time), each is counted, and the
    steps, samples and rest are the fault-free run's."""
    from simulator import bench_traces

    trace = bench_traces.put_down([("walk", 30)], 200, [("walk", 30)])
    kw = {"overrides": {"off_body_s": 60}, "board_name": board, "runtime": runtime}
    clean = replay.replay(trace, **kw)
    held = replay.replay(trace, faults={"line_high": [[120, 40]]}, **kw)
    assert clean["rest_s"]["off_body"] > 100  # the line is held while the clip rests
    for key in ("steps", "samples", "rest_s", "posture_changes", "clock_s"):
        assert held[key] == clean[key], key
    assert held["faults"]["line_high"] == 1
    rest_poll_s = replay.resolve_settings({})["rest_poll_ms"] / 1000
    assert held["errors"]["imu_line_held"] == pytest.approx(40 / rest_poll_s, abs=1)
    assert clean["errors"]["imu_line_held"] == 0
