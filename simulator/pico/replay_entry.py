# The replay's entry on the emulated Pico, sent over the raw REPL instead of
# main.py (which is not on a replay's flash): main.py's work on the real
# hardware, plus what `sim replay --json` reports that a minute log does not
# hold (posture changes, nudges and the step goal, as events on the USB console), until the
# harness raises END_PIN: the trace has been played and the FIFO drained.
# The host fills in START_EPOCH and END_PIN.

import gc
import json
import time

import board
import hardware
import settings
from clip import Clip
from machine import Pin
from storage import Storage

START_EPOCH = -1
END_PIN = -1


class Events:
    def __init__(self, t0):
        self.t0 = t0

    def posture(self, t, name):
        print("E posture %d %s" % (t, name))

    def nudge(self, t):
        print("E nudge %d" % time.ticks_diff(time.ticks_ms(), self.t0))

    def goal(self, t):
        print("E goal %d" % time.ticks_diff(time.ticks_ms(), self.t0))


if START_EPOCH >= 0:
    hardware.set_clock(START_EPOCH)
storage = Storage()
s = settings.load(storage)
gc.collect()
free_boot = gc.mem_free()
imu, clock, motor, watchdog, io = hardware.build(board.load(storage), s)
t0 = time.ticks_ms()  # the driver has just enabled the FIFO: trace time 0
clip = Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=io, events=Events(t0),
            watchdog_restart=hardware.watchdog_restarted())
end = Pin(END_PIN, Pin.IN)
clip.run(until=end.value)
hardware.hold_watchdog(watchdog)  # as main.py does when the host takes the REPL
gc.collect()
print("R " + json.dumps({
    "steps": clip.steps.total, "samples": clip.samples, "clock_s": time.ticks_diff(time.ticks_ms(), t0) / 1000,
    "rate_hz": imu.rate_hz, "i2c": clip.i2c_errors, "flash": clip.flash_errors, "fifo_overflows": imu.overflows,
    "imu_stalls": clip.imu_stalls, "imu_line_held": clock.line_held, "watchdog_restarts": clip.watchdog_restarts,
    "heap_free_after_boot": free_boot, "heap_free_running": gc.mem_free()}))
