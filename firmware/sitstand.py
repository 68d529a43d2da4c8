# Stand-to-sit and sit-to-stand transitions, from how far the hip moves up or down.
#
# Sitting down, the belt drops by some 0.3-0.5 m; standing up, it rises as
# much. Whatever the clip's orientation, |a| - 1 g is to first order the
# vertical acceleration, so integrating it twice over a burst of movement
# gives the height change. The burst is bounded by stillness, where the
# vertical speed is zero: the bias (the rest level of |a|, which a tilt can
# change by a few mg) is a ramp from the level before the burst to the
# level after it, and what is left of the speed at the end is drift,
# taken off as a straight line. All of it reduces to sums kept per point.
# The magnitude needs no upright direction, so this also works before the
# clip has learned one. An accelerometer's zero-g offset (tens of mg) would
# make |a| change as the clip turns, which reads as vertical acceleration:
# the detector learns the offset from the stillness in its wearer's
# different postures (see _learn).
#
# The detector sums the samples into points, about ten a second (the sum
# also filters out what is too quick to be the body moving), so most of
# its work is done a tenth as often as samples come; it allocates nothing.
# Shaped for speed: the sums are a viper kernel (machine code on the board)
# over a stretch of samples, back in Python once a point is complete; the
# point's work is compiled too (native), its frame on the C stack. A
# burst ends after `sitstand_quiet_ms` in which no axis moves by more than
# `sitstand_still_mg`; a burst longer than `sitstand_max_ms` is walking or
# fidgeting, not a transition; a fall or rise of `sitstand_drop_mm` is one.

from array import array

import micropython
from micropython import const

from steps import input_shift

DOWN = -1  # stand-to-sit
UP = 1  # sit-to-stand

_POINT_HZ = 10  # points per second
_MM_G = 9807  # 1 g in mm/s**2
_LEARN = 10  # points at rest in a row that make one lesson on the offset
_MEAN_K = 4  # the mean direction and magnitude at rest follow 1/2**_MEAN_K of each new one
_FINE = 8  # extra bits of the learned offset
_GAIN_K = 4  # each lesson corrects 1/2**_GAIN_K of the error it sees
_TURN = 10  # (1/1024) the squared change of direction (about 6 degrees) below which lessons are damped
# the current point's sums and the samples still to add to it: slots of an array the kernel reads
_AX = const(0)
_AY = const(1)
_AZ = const(2)
_LEFT = const(3)


def _root(sq, m):
    """The square root of `sq` by two Newton steps from `m` (> 0), a root of a similar number:
    the last point's magnitude, which changes little from point to point."""
    m = (m + sq // m) >> 1
    m = (m + sq // m) >> 1
    return m if m > 0 else 1


class SitStand:
    def __init__(self, rate_hz, lsb_per_g, s):
        stride = rate_hz // _POINT_HZ
        if stride < 1:
            stride = 1
        self._stride = stride
        self._acc = array("i", (0, 0, 0, stride))  # the current point's sums, samples still to add
        self._sh = input_shift(lsb_per_g * stride)
        unit = (lsb_per_g * stride) >> self._sh  # a point's counts per g, 513..1024
        hz = rate_hz // stride  # points per second
        self._still = s["sitstand_still_mg"] * unit // 1000
        self._quiet = s["sitstand_quiet_ms"] * hz // 1000
        self._long = s["sitstand_max_ms"] * hz // 1000
        self._keep = 2 * self._quiet  # the rest level is a mean over up to this many points
        # twice the height change (see _end) in counts * points**2
        self._drop = 2 * s["sitstand_drop_mm"] * unit * hz * hz // _MM_G
        self._mag = unit  # the last point's magnitude (a square root's first guess)
        self._unit = unit
        # the accelerometer's zero-g offset, learned at rest (see _learn), with _FINE extra bits
        self._ox = 0
        self._oy = 0
        self._oz = 0
        self._fx = 0
        self._fy = 0
        self._fz = 0
        self._ubx = 0  # the mean direction at rest, 1/1024, with _MEAN_K extra bits
        self._uby = 0
        self._ubz = 0
        self._level = 0  # the mean magnitude at rest, with _MEAN_K extra bits
        # stillness: the points since the anchor all lie within _still of it on every axis
        self._kx = 0
        self._ky = 0
        self._kz = 0
        self._calm = 0  # points in the calm run (the anchor is the first)
        self._calm_sum = 0  # their magnitudes' sum
        self._lesson = 0  # calm points of the lesson on the offset so far
        self._sx = 0  # their sum
        self._sy = 0
        self._sz = 0
        self._rest = unit  # the level before the burst
        # the burst: points n, sums of d = magnitude - rest level, and of i * d (i = 1..n)
        self._n = 0  # 0: no burst
        self._d = 0
        self._id = 0
        self._n_at = 0  # the same when the calm run began
        self._d_at = 0
        self._id_at = 0
        self.event = 0  # DOWN, UP or 0; taken by take()

    def scan(self, buf, j, stop):
        """Add the samples buf[j:stop] (3 values a sample) to the points."""
        acc = self._acc
        while j < stop:
            j = self._sum(buf, j, stop)
            if acc[_LEFT] == 0:
                self._point()

    @micropython.viper
    def _sum(self, buf: ptr16, j: int, stop: int) -> int:
        """Add samples from buf[j:stop] to the current point until it is complete or they run out;
        the index reached."""
        acc = ptr32(self._acc)
        # a ptr16 or ptr32 load is the word's bits: made signed the same way on 32-bit chips, on
        # the unix port's 64-bit words and in CPython (where the buffer is read signed already)
        top = 1
        top <<= 31
        wrap = (top << 1) - 1
        ax = ((acc[_AX] + top) & wrap) - top
        ay = ((acc[_AY] + top) & wrap) - top
        az = ((acc[_AZ] + top) & wrap) - top
        left = acc[_LEFT]
        while j < stop and left > 0:
            ax += ((buf[j] + 0x8000) & 0xFFFF) - 0x8000
            ay += ((buf[j + 1] + 0x8000) & 0xFFFF) - 0x8000
            az += ((buf[j + 2] + 0x8000) & 0xFFFF) - 0x8000
            j += 3
            left -= 1
        acc[_AX] = ax
        acc[_AY] = ay
        acc[_AZ] = az
        acc[_LEFT] = left
        return j

    @micropython.native
    def _point(self):
        """The current point is complete: the stillness, the burst and its end."""
        acc = self._acc
        sh = self._sh
        x = (acc[_AX] >> sh) - self._ox
        y = (acc[_AY] >> sh) - self._oy
        z = (acc[_AZ] >> sh) - self._oz
        acc[_AX] = 0
        acc[_AY] = 0
        acc[_AZ] = 0
        acc[_LEFT] = self._stride
        m = _root(x * x + y * y + z * z, self._mag)
        self._mag = m
        still = self._still
        calm = (-still <= x - self._kx <= still and -still <= y - self._ky <= still
                and -still <= z - self._kz <= still)
        n = self._n
        c = self._calm
        if n == 0:
            if calm:
                if c >= self._keep:
                    c >>= 1  # the level is a mean over the last few points
                    self._calm_sum >>= 1
                self._calm = c + 1
                self._calm_sum += m
                self._lesson_add(x, y, z)
                return
            if c < self._quiet:
                # moving since the last burst: no level to start from
                self._kx = x
                self._ky = y
                self._kz = z
                self._calm = 1
                self._calm_sum = m
                self._lesson = 0
                return
            self._rest = self._calm_sum // c
        elif calm:
            # in a burst, also the magnitude back near the level before it (not a steady push)
            calm = -2 * still <= m - self._rest <= 2 * still
        if calm:
            c += 1
            self._calm_sum += m
        else:
            self._n_at = n  # the burst so far, should this point begin the stillness that ends it
            self._d_at = self._d
            self._id_at = self._id
            self._kx = x
            self._ky = y
            self._kz = z
            c = 1
            self._calm_sum = m
            self._lesson = 0
        self._calm = c
        if n < self._long:
            n += 1
            self._n = n
            d = m - self._rest
            if d > self._unit:
                d = self._unit  # a knock, not a movement of the body (and the sums stay small)
            elif d < -self._unit:
                d = -self._unit
            self._d += d
            self._id += n * d
        if c >= self._quiet:
            self._end()

    def _lesson_add(self, x, y, z):
        """A point at rest: every _LEARN of them in a row make a lesson."""
        k = self._lesson
        if k == 0:
            self._sx = x
            self._sy = y
            self._sz = z
        else:
            self._sx += x
            self._sy += y
            self._sz += z
        k += 1
        if k == _LEARN:
            k = 0
            self._learn()
        self._lesson = k

    @micropython.native
    def _learn(self):
        """One lesson from a second at rest: at rest |a| is 1 g whatever the orientation.

        An offset makes the magnitude at rest depend on the orientation, which
        would read as vertical acceleration whenever the clip turns. The offset
        follows the magnitude's deviation from its mean along the direction's
        deviation from its mean (normalised least mean squares)."""
        x = self._sx // _LEARN
        y = self._sy // _LEARN
        z = self._sz // _LEARN
        m = _root(x * x + y * y + z * z, self._mag)
        k = _MEAN_K
        ux = x * 1024 // m
        uy = y * 1024 // m
        uz = z * 1024 // m
        if self._ubx == 0 and self._uby == 0 and self._ubz == 0:  # the first lesson: the means start here
            self._ubx = ux << k
            self._uby = uy << k
            self._ubz = uz << k
            self._level = m << k
            return
        self._ubx += ux - (self._ubx >> k)
        self._uby += uy - (self._uby >> k)
        self._ubz += uz - (self._ubz >> k)
        self._level += m - (self._level >> k)
        e = m - (self._level >> k)
        wx = ux - (self._ubx >> k)
        wy = uy - (self._uby >> k)
        wz = uz - (self._ubz >> k)
        ww = (wx * wx + wy * wy + wz * wz) >> 10
        if ww < _TURN:
            ww = _TURN  # a mere wobble of the direction teaches little
        if e > 64:
            e = 64
        elif e < -64:
            e = -64
        s = _FINE - _GAIN_K
        self._fx += (e * wx << s) // ww
        self._fy += (e * wy << s) // ww
        self._fz += (e * wz << s) // ww
        lim = self._unit << (_FINE - 2)  # no real offset is above 0.25 g
        self._fx = -lim if self._fx < -lim else lim if self._fx > lim else self._fx
        self._fy = -lim if self._fy < -lim else lim if self._fy > lim else self._fy
        self._fz = -lim if self._fz < -lim else lim if self._fz > lim else self._fz
        self._ox = self._fx >> _FINE
        self._oy = self._fy >> _FINE
        self._oz = self._fz >> _FINE

    def _end(self):
        """The burst is over: the height change, if it was short enough to be a transition."""
        n = self._n_at
        if n < self._long:
            # speed v_k = sum of d_i - ramp_i for i <= k, less the drift v_n * k / n;
            # twice the height, 2 * sum of v_k = (n + 1) D - 2 I + (r1 - r0) n (n - 1) / 6
            r1 = self._calm_sum // self._calm
            h2 = (n + 1) * self._d_at - 2 * self._id_at + (r1 - self._rest) * n * (n - 1) // 6
            if h2 <= -self._drop:
                self.event = DOWN
            elif h2 >= self._drop:
                self.event = UP
        self._n = 0
        self._d = 0
        self._id = 0

    def take(self):
        """The transition seen since the last call (DOWN, UP or 0)."""
        e = self.event
        self.event = 0
        return e
