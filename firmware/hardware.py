# The real hardware of a board, built from its description.
#
# The only firmware module that imports `machine`; everything else gets
# these objects injected, which is what lets the simulator stand in.

import time

from machine import I2C, WDT, Pin

from imu import open_imu

_WATCHDOG_MS = 8000  # the RP2040 allows at most 8.3 s


class BoardClock:
    """MicroPython's tick functions plus the wall clock, once the host has set it."""

    ticks_ms = staticmethod(time.ticks_ms)
    ticks_diff = staticmethod(time.ticks_diff)
    ticks_add = staticmethod(time.ticks_add)
    sleep_ms = staticmethod(time.sleep_ms)

    def minute_of_day(self):
        t = time.localtime()
        if t[0] < 2024:  # the RTC still counts from its reset value: not set
            return -1
        return t[3] * 60 + t[4]


def build(desc, s):
    """(imu, clock, motor pin, watchdog) for board description `desc` and settings `s`."""
    bus = desc["i2c"]
    i2c = I2C(bus["id"], sda=Pin(bus["sda"]), scl=Pin(bus["scl"]), freq=bus.get("freq", 400000))
    imu = open_imu(desc["imu"], i2c, desc["imu_addr"], s["rate_hz"], s["accel_range_g"])
    motor = Pin(desc["motor"]["pin"], Pin.OUT, value=0)
    return imu, BoardClock(), motor, WDT(timeout=_WATCHDOG_MS)
