# The real hardware of a board, built from its description.
#
# The only firmware module that imports `machine`; everything else gets
# these objects injected, which is what lets the simulator stand in (the
# virtual clip has a module of the same name and functions).

import time
from binascii import hexlify

from machine import I2C, RTC, WDT, Pin, unique_id

from imu import open_imu

_WATCHDOG_MS = 8000  # the RP2040 allows at most 8.3 s
# Ports count time.time() from 2000 or from 1970; the log speaks 1970.
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
_CLOCK_SET_AFTER = 1700000000  # an RTC that reads earlier still counts from its reset value


class BoardClock:
    """MicroPython's tick functions plus the wall clock, once the host has set it."""

    ticks_ms = staticmethod(time.ticks_ms)
    ticks_diff = staticmethod(time.ticks_diff)
    ticks_add = staticmethod(time.ticks_add)
    sleep_ms = staticmethod(time.sleep_ms)

    def epoch(self):
        t = time.time() + _EPOCH_OFFSET
        return t if t > _CLOCK_SET_AFTER else -1


def set_clock(epoch):
    """Set the RTC to `epoch` (local time, seconds since 1970)."""
    t = time.gmtime(epoch - _EPOCH_OFFSET)
    RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0))


def clip_id():
    return hexlify(unique_id()).decode()


def build(desc, s):
    """(imu, clock, motor pin, watchdog) for board description `desc` and settings `s`."""
    bus = desc["i2c"]
    i2c = I2C(bus["id"], sda=Pin(bus["sda"]), scl=Pin(bus["scl"]), freq=bus.get("freq", 400000))
    imu = open_imu(desc["imu"], i2c, desc["imu_addr"], s["rate_hz"], s["accel_range_g"])
    motor = Pin(desc["motor"]["pin"], Pin.OUT, value=0)
    return imu, BoardClock(), motor, WDT(timeout=_WATCHDOG_MS)
