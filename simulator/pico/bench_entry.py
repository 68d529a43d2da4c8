# The bench's entry on the emulated Pico, sent over the raw REPL after the
# helpers of simulator/unix/bench_firmware.py (BurstBus, measure): the
# clip built on the real hardware as main.py builds it (a new one for each
# measurement), then its per-sample pipeline timed on the chip with FIFO
# bursts read from bench.bin, on a fresh heap and on a fragmented one.
# MARKER_PIN is raised around the allocation pass (the harness counts
# gc_alloc calls meanwhile). The host fills in MARKER_PIN.

import gc
import json
import time

import board
import hardware
import settings
from clip import Clip
from machine import Pin
from storage import Storage

MARKER_PIN = -1

gc.collect()
free_boot = gc.mem_free()
storage = Storage()
s = settings.load(storage)
imu, clock, motor, watchdog, io = hardware.build(board.load(storage), s)
hardware.hold_watchdog(watchdog)  # the bench does not run the loop that feeds it
with open("bench.bin", "rb") as f:
    data = f.read()
t0 = time.ticks_us()
figures = measure(imu, lambda: Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=io), data,
                  marker=Pin(MARKER_PIN, Pin.OUT, value=0))
figures["emulated_us"] = time.ticks_diff(time.ticks_us(), t0)
del data
gc.collect()
figures["heap_free_after_boot"] = free_boot
figures["heap_free_running"] = gc.mem_free()
print("R " + json.dumps(figures))
