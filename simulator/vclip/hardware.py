# The virtual clip's stand-in for firmware/hardware.py, with the same
# functions, found first on the interpreter's path (see boot.py).
#
# Virtual time moves only when the firmware sleeps, exactly as in
# `stepclip sim replay`, so the virtual clip logs the very minutes the
# simulator computes; each sleep is then paced to `speed` times real time
# (0: as fast as possible). When the trace runs out, time stops. Time and
# the real-time clock outlive a soft reset (the process ends and a new one
# starts, see simulator/virtual_clip.py), as a board's do.

import json
import os
import sys
import time

import lipo
from rig import make_chip
from vclock import VirtualClock
from vi2c import VirtualI2C
from vmotor import VirtualMotor

with open(os.getenv("STEPCLIP_VCLIP")) as _f:
    _JOB = json.load(_f)
_CLOCK_FILE = _JOB["state"] + "/clock.json"
_STATUS_FILE = _JOB["state"] + "/status.json"
_FROZEN_POLL_MS = 50  # real pause per loop pass once the trace is over


class PacedClock(VirtualClock):
    def __init__(self, speed):
        VirtualClock.__init__(self)
        self.speed = speed
        self.rtc = None  # [epoch, us] when the host set the clock
        self.trace_over = None  # set by build(): True once the IMU has nothing left to sample
        self._finished = False
        try:
            with open(_CLOCK_FILE) as f:
                saved = json.load(f)
            self.us = saved["us"]
            self.rtc = saved["rtc"]
        except (OSError, ValueError, KeyError):
            pass  # power-on
        self._real0 = time.ticks_ms()
        self._us0 = self.us

    def sleep_ms(self, ms):
        if self.trace_over is not None and self.trace_over():
            if not self._finished:
                self._finished = True
                with open(_STATUS_FILE, "w") as f:
                    json.dump({"finished": True, "virtual_s": self.us // 1000000}, f)
            time.sleep_ms(_FROZEN_POLL_MS)
            return
        self.us += ms * 1000
        if self.speed > 0:
            due_ms = int((self.us - self._us0) / 1000 / self.speed)
            late = due_ms - time.ticks_diff(time.ticks_ms(), self._real0)
            if late > 0:
                time.sleep_ms(late)

    def epoch(self):
        if self.rtc is None:
            return -1
        return self.rtc[0] + (self.us - self.rtc[1]) // 1000000

    def save(self):
        with open(_CLOCK_FILE, "w") as f:
            json.dump({"us": self.us, "rtc": self.rtc}, f)


_clock = PacedClock(_JOB["speed"])
sys.atexit(_clock.save)


def epoch():
    return _clock.epoch()


def hold_watchdog(watchdog):
    """The virtual board has no watchdog to hold."""


def set_clock(local_epoch):
    """Set the clock, once. A clip running at other than real time keeps the timeline it has: a host's
    clock would put its minutes on top of each other (sync sees the clock kept and says so)."""
    if _clock.rtc is not None and _JOB["speed"] != 1:
        return
    _clock.rtc = [local_epoch, _clock.us]
    _clock.save()


def clip_id():
    return _JOB["id"]


def watchdog_restarted():
    """The virtual clip has no watchdog (see simulator/unix/faults.py for a hang and its restart)."""
    return False


class ModelBattery:
    """The board's LiPo (simulator/chips/lipo.py) drained at a constant current over the virtual time since
    the clip was switched on: the job's {mah, soc, ma}, `ma` host_tools/power.py's model of the board."""

    def __init__(self, cfg):
        self._cfg = cfg

    def millivolts(self):
        used = self._cfg["ma"] * _clock.us / 3600000000 / self._cfg["mah"]
        return int(lipo.millivolts(self._cfg["soc"] - used))


class BoardIO:
    """The battery read every `battery_every_s` of virtual time, from the start, as firmware/hardware.py's."""

    def __init__(self, battery, battery_every_s):
        self._battery = battery
        self._every_ms = battery_every_s * 1000
        self._next = _clock.ticks_ms()

    def poll(self, clip):
        if _clock.ticks_diff(_clock.ticks_ms(), self._next) >= 0:
            self._next = _clock.ticks_add(self._next, self._every_ms)
            clip.battery_mv = self._battery.millivolts()


def build(desc, s):
    """(imu, clock, motor, watchdog, board io) of the virtual board, fed from the trace; the io reads a
    battery where the job has one and the board a battery ADC."""
    from imu import open_imu

    bus = VirtualI2C()
    chip = make_chip(desc, _clock, _JOB["stream"], _JOB["stream_rate_hz"])
    bus.attach(desc["imu_addr"], chip)
    _clock.trace_over = chip.finished
    imu = open_imu(desc["imu"], bus, desc["imu_addr"], s["rate_hz"], s["accel_range_g"])
    io = None
    if _JOB.get("battery") and desc.get("battery_adc"):
        io = BoardIO(ModelBattery(_JOB["battery"]), s["battery_every_s"])
    return imu, _clock, VirtualMotor(_clock), None, io
