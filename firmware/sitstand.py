# Stand-to-sit and sit-to-stand transitions, from the acceleration magnitude.
#
# Sitting down, the body first drops (the magnitude of acceleration dips
# below 1 g) and is then caught by the chair (it rises above); standing up,
# the push comes first and the dip after. The magnitude needs no upright
# direction, so this also works before the clip has learned one.
# The detector reads every `stride`-th sample (about 10 a second) of each
# batch the clip's loop hands it, so it costs a fraction of a call per
# sample and allocates nothing. A burst of movement ends after
# `sitstand_quiet_ms` without any; if it both dipped and rose by
# `sitstand_mg` against the level before it, it was a transition: DOWN when
# the deepest dip came before the highest rise, UP otherwise.

from steps import input_shift

DOWN = -1  # stand-to-sit
UP = 1  # sit-to-stand

_POINT_HZ = 10  # points read per second
_BASE_K = 4  # the level before a burst: a mean over about 2**_BASE_K points


class SitStand:
    def __init__(self, rate_hz, lsb_per_g, s):
        self._sh = input_shift(lsb_per_g)
        stride = rate_hz // _POINT_HZ
        self._stride = stride if stride > 0 else 1
        self._skip = 0  # samples to pass over before the next point
        self._prev = -1  # the last point's squared magnitude, 1024 * g**2 (-1: none yet)
        self._base = 0  # the level, with _BASE_K extra bits
        # a magnitude change of sitstand_mg changes the square by about twice as much
        self._limit = s["sitstand_mg"] * 2048 // 1000
        self._quiet = s["sitstand_quiet_ms"] * _POINT_HZ // 1000
        self._long = s["sitstand_max_ms"] * _POINT_HZ // 1000
        self._n = 0  # points read so far in the current burst (0: no burst)
        self._calm = 0  # points since the last excursion
        self._lo = 0
        self._hi = 0
        self._at_lo = 0
        self._at_hi = 0
        self.event = 0  # DOWN, UP or 0; taken by take()

    def scan(self, buf, j, stop):
        """Read the points among the samples buf[j:stop] (3 values a sample)."""
        j += 3 * self._skip
        step = 3 * self._stride
        sh = self._sh
        while j < stop:
            x = buf[j] >> sh
            y = buf[j + 1] >> sh
            z = buf[j + 2] >> sh
            m = (x * x + y * y + z * z) >> 10
            prev = self._prev
            self._prev = m
            if prev >= 0:
                self._point((m + prev) >> 1)
            else:
                self._base = m << _BASE_K
            j += step
        self._skip = (j - stop) // 3

    def _point(self, m):
        d = m - (self._base >> _BASE_K)
        limit = self._limit
        out = d > limit // 2 or d < -(limit // 2)
        n = self._n
        if n == 0:
            if not out:
                self._base += d  # the level follows only while nothing happens
                return
            self._lo = 0
            self._hi = 0
        n += 1
        self._n = n
        if d < self._lo:
            self._lo = d
            self._at_lo = n
        if d > self._hi:
            self._hi = d
            self._at_hi = n
        self._calm = 0 if out else self._calm + 1
        if self._calm >= self._quiet or n >= self._long:
            if n < self._long and self._hi >= limit and -self._lo >= limit:
                self.event = DOWN if self._at_lo < self._at_hi else UP
            self._n = 0
            self._base = m << _BASE_K  # the new posture may read a little differently

    def take(self):
        """The transition seen since the last call (DOWN, UP or 0)."""
        e = self.event
        self.event = 0
        return e
