# Double tap on the clip: pure logic, integer math, no allocation per sample.
#
# A knock on the case is a jolt of a few g lasting a few ms: between two
# samples the acceleration jumps on some axis by more than `tap_mg`. One
# knock may span a couple of samples; a double tap is two knocks
# `tap_gap_min_ms`..`tap_gap_max_ms` apart with quiet for `tap_quiet_ms`
# before the first and after the second, so that footsteps, bumps and
# rattles (which come in longer runs) are not taken for one.
#
# Shaped for speed: the detector sees every sample, so `scan` is a viper
# kernel (machine code on the board) that runs a whole stretch of samples
# at a time, its state in one preallocated array reached through a pointer,
# and comes back only at a completed double tap. Its integers are machine
# words: every one stays far within 31 bits, so CPython, the unix port and
# the chip count alike.

from array import array

import micropython
from micropython import const

# slots of the detector's state array
_PX = const(0)  # the last sample, counts plus 0x8000 (see scan)
_PY = const(1)
_PZ = const(2)
_SINCE = const(3)  # samples since the last jump (saturates at _LIMIT)
_TAPS = const(4)  # knocks so far in the current candidate
_DONE = const(5)  # 1: a double tap completed at the end of the last scan
_JUMP = const(6)  # the jump between two samples that is a knock, counts
_KNOCK = const(7)  # samples one knock may last
_GAP_MIN = const(8)  # samples between the two knocks, at least and at most
_GAP_MAX = const(9)
_QUIET = const(10)  # samples of quiet before the first knock and after the second
_LIMIT = const(11)  # _QUIET + _GAP_MAX
_SLOTS = const(12)


class TapDetector:
    def __init__(self, rate_hz, lsb_per_g, s):
        st = array("i", bytes(4 * _SLOTS))
        st[_PX] = st[_PY] = st[_PZ] = 0x8000  # a sample of 0 before the first
        st[_JUMP] = s["tap_mg"] * lsb_per_g // 1000
        st[_KNOCK] = rate_hz * 40 // 1000 + 1
        st[_GAP_MIN] = rate_hz * s["tap_gap_min_ms"] // 1000
        st[_GAP_MAX] = rate_hz * s["tap_gap_max_ms"] // 1000
        st[_QUIET] = rate_hz * s["tap_quiet_ms"] // 1000
        st[_LIMIT] = st[_QUIET] + st[_GAP_MAX]
        self._st = st

    def pending(self):
        """True from a first knock until it has turned out to be a double tap or not."""
        return self._st[_TAPS] > 0

    def tapped(self):
        """True, once, when the last scan stopped at a completed double tap."""
        st = self._st
        done = st[_DONE]
        st[_DONE] = 0
        return done == 1

    @micropython.viper
    def scan(self, buf: ptr16, j: int, stop: int) -> int:
        """Feed the samples buf[j:stop] (x, y, z counts); the index after the sample that completes a
        double tap (then tapped() is True), else `stop`."""
        st = ptr32(self._st)
        # each value plus 0x8000, never negative: a ptr16 load is the word's bits, which that makes
        # the same number on every target (CPython reads the buffer signed); jumps are differences
        px = st[_PX]
        py = st[_PY]
        pz = st[_PZ]
        since = st[_SINCE]
        taps = st[_TAPS]
        jump = st[_JUMP]
        drop = -jump
        quiet = st[_QUIET]
        limit = st[_LIMIT]
        gap_max = st[_GAP_MAX]
        done = 0
        while j < stop:
            x = (buf[j] + 0x8000) & 0xFFFF
            y = (buf[j + 1] + 0x8000) & 0xFFFF
            z = (buf[j + 2] + 0x8000) & 0xFFFF
            j += 3
            dx = x - px
            dy = y - py
            dz = z - pz
            px = x
            py = y
            pz = z
            if dx > jump or dx < drop or dy > jump or dy < drop or dz > jump or dz < drop:
                if since > st[_KNOCK]:  # a new knock, not the tail of the last one
                    if taps == 1 and st[_GAP_MIN] <= since and since <= gap_max:
                        taps = 2
                    elif since >= quiet:
                        taps = 1
                    else:
                        taps = 0
                since = 0
                continue
            if since < limit:
                since += 1
            if taps == 2 and since == quiet:
                taps = 0
                done = 1
                break
            if taps == 1 and since > gap_max:
                taps = 0
        st[_PX] = px
        st[_PY] = py
        st[_PZ] = pz
        st[_SINCE] = since
        st[_TAPS] = taps
        st[_DONE] = done
        return j
