"""The clip worn on its real chip (the emulated Pico, USB out, then synced into SQLite), with its faults:
`python -m host_tools.bench_faults --runtime pico` in short; and the virtual Pico's pace outside its trace.

Skipped, saying why, when ../shared/rp2040 (or $STEPCLIP_PICO_UF2), node or rp2040js is missing.
"""

import time

import numpy as np
import pytest

from host_tools import bench_faults
from simulator import firmware_build, project, trace as tracemod, tracegen
from simulator.pico import emulator, faults as chip, vclip

WHY = emulator.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"emulated Pico: {WHY}")
FLAG_WATCHDOG = 1  # firmware/minutelog.py


def logged_s(synced):
    return sum(sum(m["seconds"]) for m in synced["minutes"])


def test_a_short_worn_day_with_nacks_reaches_the_database_with_a_flat_heap(tmp_path):
    """A few minutes of the soak, with I2C NACKs (2 % of reads, which lose no sample: the FIFO keeps them): off the
    body, sitting long enough for nudges, a walk, sitting again. Every minute
    reaches the database, the free heap (after gc.collect(), each minute) stays flat, the nudges and steps are
    the unix port's on the same trace, the clock keeps time."""
    g = tracegen.generate([("sit", 150), ("walk", 60), ("sit", 130)], rate_hz=50, seed=3)
    night = chip.off_body(60)
    acc = np.concatenate([night, g.acc])
    gyro = np.concatenate([np.zeros((len(night), 3)), g.gyro])
    trace = tracemod.Trace("<short day>", np.arange(len(acc)) / 50, acc, gyro)
    r = chip.soak(0, tmp_path / "clip", bench_faults.chip_sync(tmp_path / "stepclip.db"), heap_every_s=60,
                  overrides={"inactive_s": 60, "renudge_s": 60, "log_block_min": 1, "worn_rest_s": 0}, trace=trace,
                  bus={"seed": 2, "nack_per_k": 20})
    assert r["errors"]["i2c"] > 0  # met, and counted
    assert r["errors"]["flash"] == r["errors"]["fifo_overflows"] == r["errors"]["dropped"] == r["samples_lost"] == 0
    assert r["minutes_worn"] == 6 and r["whole_minutes_synced"] >= r["minutes_worn"]
    assert r["steps"] == r["steps_unix"] > 50
    assert r["nudges"] == r["nudges_unix"] == r["nudges_chip_events"] >= 2
    assert len(r["heap_free"]) == 6 and r["heap_free_min"] >= 0.95 * r["heap_free_max"]
    assert abs(r["clock_drift_s"]) < 1.5


def test_a_stuck_bus_and_a_hang_lose_no_finished_minute(tmp_path):
    """The bus stuck for 5 s (every transfer NACKed at the MPU-6050 model), then a hung loop that the RP2040 watchdog
    resets: the chip boots into the deployed main.py, and every second it measured reaches the database but the
    minute in progress at the reset (its finished minutes were copied to flash as UNSAVED)."""
    trace = bench_faults._walking(3)
    worn = chip.wear(trace, tmp_path / "clip", bench_faults.chip_sync(tmp_path / "stepclip.db"),
                     faults={"hang": [110]}, bus={"stuck": [[15, 5]]})
    assert worn["stream"]["nacks"]["stuck"] > 0
    assert worn["report"] is None and worn["watchdog_resets"] == 1  # the entry is gone: main.py took over
    before, after = worn["synced"]["sessions"][:2]
    assert before["i2c"] > 0 and not before["flags"] & FLAG_WATCHDOG and after["flags"] & FLAG_WATCHDOG
    measured_s = worn["stream"]["read"] / worn["rate_hz"]
    assert measured_s > 0.8 * trace.seconds
    assert -2 < measured_s - logged_s(worn["synced"]) < 60


def test_a_virtual_pico_at_max_speed_keeps_wall_time_once_its_trace_is_played(tmp_path):
    """`stepclip virtual-clip --target pico --speed max`: idle time is skipped while the trace plays; after it the
    chip keeps to wall time, as a clip on the desk does (it raced through hours of idle time, logging empty
    minutes and running its clock ahead of the host's)."""
    tree = firmware_build.tree(project.DEFAULT_BOARD)  # as `stepclip deploy` leaves a clip: main.py runs at boot
    emulator.make_image(tmp_path / vclip.IMAGE, tree)
    trace = project.ROOT / "simulator" / "traces" / "walk_1min.csv"
    with vclip.PicoClip(tmp_path, trace=trace, speed=0, idle_speed=vclip.desk_speed(0)) as clip:
        clip.pico.wait("stream", 120, where=lambda ev: ev["state"] == "finished")
        before, t0 = clip.pico.stats(), time.monotonic()
        time.sleep(3)
        after, t1 = clip.pico.stats(), time.monotonic()
    assert 0 < (after["emulated_us"] - before["emulated_us"]) / 1e6 <= (t1 - t0) + 0.5  # it runs on, at wall time
    assert vclip.desk_speed(60) == 1 and vclip.desk_speed(0.5) == 0.5
