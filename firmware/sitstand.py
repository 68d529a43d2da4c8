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
# Shaped for speed: it is viper code (machine code on the board) over a
# stretch of samples at a time, its state in one preallocated array (named
# slots below) read through a pointer. Its integers are machine words: with
# the settings' ranges and anything the IMU can report, every one stays
# within 31 bits, so CPython, the unix port and the chip agree. A
# burst ends after `sitstand_quiet_ms` in which no axis moves by more than
# `sitstand_still_mg`; a burst longer than `sitstand_max_ms` is walking or
# fidgeting, not a transition; a fall or rise of `sitstand_drop_mm` is one.

from array import array

import micropython
from micropython import const

from steps import input_shift

DOWN = const(-1)  # stand-to-sit
UP = const(1)  # sit-to-stand

_POINT_HZ = const(10)  # points per second
_MM_G = const(9807)  # 1 g in mm/s**2
_LEARN = const(10)  # points at rest in a row that make one lesson on the offset
_MEAN_K = const(4)  # the mean direction and magnitude at rest follow 1/2**_MEAN_K of each new one
_FINE = const(8)  # extra bits of the learned offset
_GAIN_K = const(4)  # each lesson corrects 1/2**_GAIN_K of the error it sees
_TURN = const(10)  # (1/1024) the squared change of direction (about 6 degrees) below which lessons are damped

# slots of the detector's state array
_STRIDE = const(0)  # samples per point
_SH = const(1)  # right shift of a point's sums: a point's counts per g, 513..1024 (_UNIT)
_UNIT = const(2)
_STILL = const(3)  # the most an axis moves at rest, counts
_QUIET = const(4)  # points of stillness that end a burst
_LONG = const(5)  # points of a burst longer than a transition
_KEEP = const(6)  # the rest level is a mean over up to this many points
_DROP = const(7)  # twice the height change of a transition (see _end), counts * points**2
_AX = const(8)  # the current point's sums (of each value plus 0x8000), and the samples still to add to it
_AY = const(9)
_AZ = const(10)
_LEFT = const(11)
_MAG = const(12)  # the last point's magnitude (a square root's first guess)
_OX = const(13)  # the accelerometer's zero-g offset, learned at rest (see _learn)
_OY = const(14)
_OZ = const(15)
_FX = const(16)  # the same with _FINE extra bits
_FY = const(17)
_FZ = const(18)
_UBX = const(19)  # the mean direction at rest, 1/1024, with _MEAN_K extra bits
_UBY = const(20)
_UBZ = const(21)
_LEVEL = const(22)  # the mean magnitude at rest, with _MEAN_K extra bits
_KX = const(23)  # stillness: the points since this anchor all lie within _STILL of it on every axis
_KY = const(24)
_KZ = const(25)
_CALM = const(26)  # points in the calm run (the anchor is the first)
_CALM_SUM = const(27)  # their magnitudes' sum
_LESSON = const(28)  # calm points of the lesson on the offset so far
_SX = const(29)  # their sum
_SY = const(30)
_SZ = const(31)
_REST = const(32)  # the level before the burst
_N = const(33)  # the burst: points (0: no burst), sums of d = magnitude - rest level, and of i * d (i = 1..n)
_D = const(34)
_ID = const(35)
_N_AT = const(36)  # the same when the calm run began
_D_AT = const(37)
_ID_AT = const(38)
_EVENT = const(39)  # DOWN, UP or 0; taken by take()
_SLOTS = const(40)


@micropython.viper
def _root(sq: int, m: int) -> int:
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
        st = array("i", bytes(4 * _SLOTS))
        self._st = st
        st[_STRIDE] = stride
        st[_LEFT] = stride
        st[_SH] = input_shift(lsb_per_g * stride)
        unit = (lsb_per_g * stride) >> st[_SH]
        hz = rate_hz // stride  # points per second
        st[_UNIT] = unit
        st[_STILL] = s["sitstand_still_mg"] * unit // 1000
        st[_QUIET] = s["sitstand_quiet_ms"] * hz // 1000
        st[_LONG] = s["sitstand_max_ms"] * hz // 1000
        st[_KEEP] = 2 * st[_QUIET]
        st[_DROP] = 2 * s["sitstand_drop_mm"] * unit * hz * hz // _MM_G
        st[_MAG] = unit
        st[_REST] = unit

    @micropython.viper
    def scan(self, buf: ptr16, j: int, stop: int):
        """Add the samples buf[j:stop] (3 values a sample) to the points."""
        st = ptr32(self._st)
        # the sums are of each value plus 0x8000, never negative: a ptr16 load is the word's bits,
        # which that makes the same number on every target (CPython reads the buffer signed)
        ax = st[_AX]
        ay = st[_AY]
        az = st[_AZ]
        left = st[_LEFT]
        while j < stop:
            end = j + 3 * left  # the point's last sample, or the stretch's
            if end > stop:
                end = stop
            left -= (end - j) // 3
            while j < end:
                ax += (buf[j] + 0x8000) & 0xFFFF
                ay += (buf[j + 1] + 0x8000) & 0xFFFF
                az += (buf[j + 2] + 0x8000) & 0xFFFF
                j += 3
            if left == 0:
                sh = st[_SH]
                bias = st[_STRIDE] << 15
                self._point((ax - bias) >> sh, (ay - bias) >> sh, (az - bias) >> sh)
                ax = 0
                ay = 0
                az = 0
                left = st[_STRIDE]
        st[_AX] = ax
        st[_AY] = ay
        st[_AZ] = az
        st[_LEFT] = left

    @micropython.viper
    def _point(self, x: int, y: int, z: int):
        """A point is complete (x, y, z: its sums, shifted): stillness, the burst, its end."""
        st = ptr32(self._st)
        top = 1
        top <<= 31
        wrap = (top << 1) - 1
        x -= ((st[_OX] + top) & wrap) - top
        y -= ((st[_OY] + top) & wrap) - top
        z -= ((st[_OZ] + top) & wrap) - top
        m = int(_root(x * x + y * y + z * z, st[_MAG]))
        st[_MAG] = m
        still = st[_STILL]
        d = x - (((st[_KX] + top) & wrap) - top)
        calm = -still <= d and d <= still
        d = y - (((st[_KY] + top) & wrap) - top)
        calm = calm and -still <= d and d <= still
        d = z - (((st[_KZ] + top) & wrap) - top)
        calm = calm and -still <= d and d <= still
        n = st[_N]
        c = st[_CALM]
        rest = st[_REST]
        if n == 0:
            if calm:
                if c >= st[_KEEP]:
                    c >>= 1  # the level is a mean over the last few points
                    st[_CALM_SUM] = st[_CALM_SUM] >> 1
                st[_CALM] = c + 1
                st[_CALM_SUM] = st[_CALM_SUM] + m
                # a point at rest: every _LEARN of them in a row make a lesson
                k = st[_LESSON]
                if k == 0:
                    st[_SX] = x
                    st[_SY] = y
                    st[_SZ] = z
                else:
                    st[_SX] = (((st[_SX] + top) & wrap) - top) + x
                    st[_SY] = (((st[_SY] + top) & wrap) - top) + y
                    st[_SZ] = (((st[_SZ] + top) & wrap) - top) + z
                k += 1
                if k == _LEARN:
                    k = 0
                    self._learn()
                st[_LESSON] = k
                return
            if c < st[_QUIET]:
                # moving since the last burst: no level to start from
                st[_KX] = x
                st[_KY] = y
                st[_KZ] = z
                st[_CALM] = 1
                st[_CALM_SUM] = m
                st[_LESSON] = 0
                return
            rest = st[_CALM_SUM] // c
            st[_REST] = rest
        elif calm:
            # in a burst, also the magnitude back near the level before it (not a steady push)
            d = m - rest
            calm = -2 * still <= d and d <= 2 * still
        if calm:
            c += 1
            st[_CALM_SUM] = st[_CALM_SUM] + m
        else:
            st[_N_AT] = n  # the burst so far, should this point begin the stillness that ends it
            st[_D_AT] = st[_D]
            st[_ID_AT] = st[_ID]
            st[_KX] = x
            st[_KY] = y
            st[_KZ] = z
            c = 1
            st[_CALM_SUM] = m
            st[_LESSON] = 0
        st[_CALM] = c
        if n < st[_LONG]:
            n += 1
            st[_N] = n
            unit = st[_UNIT]
            d = m - rest
            if d > unit:
                d = unit  # a knock, not a movement of the body (and the sums stay small)
            elif d < -unit:
                d = -unit
            st[_D] = (((st[_D] + top) & wrap) - top) + d
            st[_ID] = (((st[_ID] + top) & wrap) - top) + n * d
        if c >= st[_QUIET]:
            self._end()

    @micropython.viper
    def _learn(self):
        """One lesson from a second at rest: at rest |a| is 1 g whatever the orientation.

        An offset makes the magnitude at rest depend on the orientation, which
        would read as vertical acceleration whenever the clip turns. The offset
        follows the magnitude's deviation from its mean along the direction's
        deviation from its mean (normalised least mean squares)."""
        st = ptr32(self._st)
        top = 1
        top <<= 31
        wrap = (top << 1) - 1
        x = (((st[_SX] + top) & wrap) - top) // _LEARN
        y = (((st[_SY] + top) & wrap) - top) // _LEARN
        z = (((st[_SZ] + top) & wrap) - top) // _LEARN
        m = int(_root(x * x + y * y + z * z, st[_MAG]))
        k = _MEAN_K
        ux = x * 1024 // m
        uy = y * 1024 // m
        uz = z * 1024 // m
        ubx = ((st[_UBX] + top) & wrap) - top
        uby = ((st[_UBY] + top) & wrap) - top
        ubz = ((st[_UBZ] + top) & wrap) - top
        if ubx == 0 and uby == 0 and ubz == 0:  # the first lesson: the means start here
            st[_UBX] = ux << k
            st[_UBY] = uy << k
            st[_UBZ] = uz << k
            st[_LEVEL] = m << k
            return
        ubx += ux - (ubx >> k)
        uby += uy - (uby >> k)
        ubz += uz - (ubz >> k)
        st[_UBX] = ubx
        st[_UBY] = uby
        st[_UBZ] = ubz
        level = st[_LEVEL]
        level += m - (level >> k)
        st[_LEVEL] = level
        e = m - (level >> k)
        wx = ux - (ubx >> k)
        wy = uy - (uby >> k)
        wz = uz - (ubz >> k)
        ww = (wx * wx + wy * wy + wz * wz) >> 10
        if ww < _TURN:
            ww = _TURN  # a mere wobble of the direction teaches little
        if e > 64:
            e = 64
        elif e < -64:
            e = -64
        s = _FINE - _GAIN_K
        fx = (((st[_FX] + top) & wrap) - top) + (e * wx << s) // ww
        fy = (((st[_FY] + top) & wrap) - top) + (e * wy << s) // ww
        fz = (((st[_FZ] + top) & wrap) - top) + (e * wz << s) // ww
        lim = st[_UNIT] << (_FINE - 2)  # no real offset is above 0.25 g
        fx = -lim if fx < -lim else lim if fx > lim else fx
        fy = -lim if fy < -lim else lim if fy > lim else fy
        fz = -lim if fz < -lim else lim if fz > lim else fz
        st[_FX] = fx
        st[_FY] = fy
        st[_FZ] = fz
        st[_OX] = fx >> _FINE
        st[_OY] = fy >> _FINE
        st[_OZ] = fz >> _FINE

    @micropython.viper
    def _end(self):
        """The burst is over: the height change, if it was short enough to be a transition."""
        st = ptr32(self._st)
        top = 1
        top <<= 31
        wrap = (top << 1) - 1
        n = st[_N_AT]
        if n < st[_LONG]:
            # speed v_k = sum of d_i - ramp_i for i <= k, less the drift v_n * k / n;
            # twice the height, 2 * sum of v_k = (n + 1) D - 2 I + (r1 - r0) n (n - 1) / 6
            r1 = st[_CALM_SUM] // st[_CALM]
            d_at = ((st[_D_AT] + top) & wrap) - top
            id_at = ((st[_ID_AT] + top) & wrap) - top
            h2 = (n + 1) * d_at - 2 * id_at + (r1 - st[_REST]) * n * (n - 1) // 6
            drop = st[_DROP]
            if h2 <= -drop:
                st[_EVENT] = DOWN
            elif h2 >= drop:
                st[_EVENT] = UP
        st[_N] = 0
        st[_D] = 0
        st[_ID] = 0

    def take(self):
        """The transition seen since the last call (DOWN, UP or 0)."""
        st = self._st
        e = st[_EVENT]
        st[_EVENT] = 0
        return e
