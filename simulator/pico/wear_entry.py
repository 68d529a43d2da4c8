# A worn clip on the emulated Pico, sent over the raw REPL: main.py's work
# (the deployed main.py waits on the flash as MAIN_ASIDE; this puts it back
# first, so that a watchdog reset boots into it as on a board), plus what a
# harness needs from the chip itself, kept in RAM while the USB is out:
#   - the free heap after gc.collect() at each hour of wear (HEAP_EVERY_S);
#   - the faults of FAULTS: "hang" [t, ...] hangs the loop at trace second t
#     (the RP2040 watchdog resets the chip; this entry is gone after it),
#     "ballast" [t, hold_s] fills the littlefs from t, a step a loop pass, until it
#     takes nothing more (ENOSPC), and removes it all hold_s seconds later.
# Once the harness raises END_PIN (the trace played, the USB back in) it logs
# the minute in progress and prints one line, "R {json}".
# The host fills in START_EPOCH, END_PIN, FAULTS and HEAP_EVERY_S.

import gc
import json
import os
import time
from array import array

import board
import hardware
import settings
from clip import Clip
from machine import Pin
from storage import Storage

START_EPOCH = -1
END_PIN = -1
FAULTS = {}
HEAP_EVERY_S = 3600
MAIN_ASIDE = "main_deployed.py"
# the ballast's steps: (an append, None for a small file of its own; tries a loop pass). 16 KiB a pass is
# about 0.2 s of erasing and programming, well inside the FIFO's 3.4 s and the watchdog's 8 s
_STEPS = ((bytes(4096), 4), (bytes(512), 4), (bytes(32), 8), (None, 1))


class Tally:
    """The clip's events, counted (the USB is out: nothing is printed while worn)."""

    def __init__(self):
        self.nudges = 0
        self.postures = 0

    def posture(self, t, name):
        self.postures += 1

    def nudge(self, t):
        self.nudges += 1

    def goal(self, t):
        pass


class Harness:
    """Stands in the loop's board poll: the board's own poll, then the hourly heap and the faults."""

    def __init__(self, io, t0, storage, watchdog):
        self.io = io
        self.t0 = t0
        self.storage = storage
        self.watchdog = watchdog
        self.heap = array("i", [-1] * 200)
        self.hours = 0
        self.next_ms = HEAP_EVERY_S * 1000
        self.hang = [int(t * 1000) for t in FAULTS.get("hang", [])]
        b = FAULTS.get("ballast")
        self.ballast_at = int(b[0] * 1000) if b else -1
        self.ballast_hold_ms = int(b[1] * 1000) if b else 0
        self.ballast_full_at = -1
        self.ballast_step = 0
        self.ballast_bytes = 0
        self.ballast_files = 0
        self.ballast_done = False

    def poll(self, clip):
        if self.io:
            self.io.poll(clip)
        now = time.ticks_diff(time.ticks_ms(), self.t0)
        if now >= self.next_ms:
            self.next_ms += HEAP_EVERY_S * 1000
            gc.collect()
            if self.hours < len(self.heap):
                self.heap[self.hours] = gc.mem_free()
            self.hours += 1
        if self.hang and now >= self.hang[0]:
            self.hang.pop(0)
            while True:  # a hung loop, waiting for what never comes: nothing feeds the watchdog
                time.sleep_ms(1000)
        if self.ballast_at >= 0 and not self.ballast_done and now >= self.ballast_at:
            self._ballast(now)

    def _ballast(self, now):
        """Fill the littlefs a step a pass: appends of shrinking size to one file until even 32 bytes are
        refused, then small files until the metadata block is full too (littlefs keeps small files inline
        there: a file system out of blocks still takes them); after the hold, remove it, a file a pass (on
        a full littlefs one write may take 2 s, a removal 0.1 s: the watchdog is fed after each)."""
        if self.ballast_full_at >= 0:
            if now - self.ballast_full_at >= self.ballast_hold_ms:
                names = [n for n in os.listdir() if n.startswith("ballast")]
                names.sort()  # ballast.bin first: its blocks free, the file system takes writes again
                if names:
                    os.remove(self.storage.path(names[0]))
                else:
                    self.ballast_done = True
            return
        data, tries = _STEPS[self.ballast_step]
        try:
            for _ in range(tries):
                if data:
                    with open(self.storage.path("ballast.bin"), "ab") as f:
                        f.write(data)
                    self.ballast_bytes += len(data)
                else:
                    with open(self.storage.path("ballast_%d" % self.ballast_files), "wb") as f:
                        f.write(b"ballast")
                    self.ballast_files += 1
                self.watchdog.feed()
        except OSError:
            self.ballast_step += 1
            if self.ballast_step == len(_STEPS):
                self.ballast_full_at = now  # nothing more fits: the clip's writes meet the full file system


if MAIN_ASIDE in os.listdir():
    os.rename(MAIN_ASIDE, "main.py")
if START_EPOCH >= 0:
    hardware.set_clock(START_EPOCH)
storage = Storage()
s = settings.load(storage)
imu, clock, motor, watchdog, io = hardware.build(board.load(storage), s)
t0 = time.ticks_ms()  # the driver has just enabled the FIFO: trace time 0
tally = Tally()
harness = Harness(io, t0, storage, watchdog)
clip = Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=harness, events=tally,
            watchdog_restart=hardware.watchdog_restarted())
end = Pin(END_PIN, Pin.IN)
clip.run(until=end.value)
hardware.hold_watchdog(watchdog)  # as main.py does when the host takes the REPL
print("R " + json.dumps({
    "t_ms": time.ticks_diff(time.ticks_ms(), t0), "epoch": hardware.epoch(), "steps": clip.steps.total,
    "samples": clip.samples, "nudges": tally.nudges, "i2c": clip.i2c_errors, "flash": clip.flash_errors,
    "fifo_overflows": imu.overflows, "imu_stalls": clip.imu_stalls, "dropped": clip.log.dropped,
    "heap_free": [h for h in harness.heap[:harness.hours]], "ballast_bytes": harness.ballast_bytes, "ballast_files": harness.ballast_files,
    "ballast_full_ms": harness.ballast_full_at}))
