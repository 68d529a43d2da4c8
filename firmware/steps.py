# Step counter: pure logic, integer math, no allocation per sample.
#
# Steps are read from the acceleration along gravity (tracked by a slow
# low-pass filter, so any way round the clip is worn), smoothed and
# high-passed into one swing per step. A step is a swing above +threshold/2
# and back below -threshold/2, timed where it rises. Counting starts only
# after a run of regular steps, which is then credited whole, so that jolts,
# taps and bumps never count; the rules that follow keep a walk counted
# through weak, slow or missed swings and keep arm movement, driving and
# turning on the spot out. Each rule's why is beside the code that carries it.

from array import array

import micropython
from micropython import const

_ONE_G = const(1024)  # internal scale: counts per g after the input shift

# Shaped for speed. The filters and the swing detector see every sample, so they
# are one viper kernel (`_track`: machine code on the board) that runs a whole
# stretch of samples and comes back only where a swing ends, for `_step`, which
# judges the swing in plain Python a couple of times a second. What the kernel
# reads and keeps from one stretch to the next lives in one preallocated array
# (slots named below, rings after them), which `_step` reads and writes too. Its
# integers are machine words, and stay within 31 bits, so that CPython, the unix
# port and the chip count alike: at every setting for any movement of a worn clip
# (16 g shocks for seconds included), and at the defaults for anything the IMU can
# report; only gravity itself several g for seconds (a broken sensor) at the
# longest windows could go beyond.
_SH = const(0)  # right shift of the input (input_shift)
_K = const(1)  # gravity filter: time constant about 2**k samples
_PRIMED = const(2)  # 1 once the gravity filter has started from a sample
_GX = const(3)  # gravity, 1/1024 g << k
_GY = const(4)
_GZ = const(5)
_MOTION = const(6)  # sum of |vertical acceleration| since take_motion(), 1/1024 g
_W = const(7)  # samples in each of the two moving averages
_POS = const(8)  # where their rings are written next
_SUM = const(9)  # the first moving sum, and the second (of the first's)
_SUM2 = const(10)
_SH2 = const(11)  # right shift that brings the smoothed signal into the high-pass ring
_SIZE3 = const(12)  # the high-pass ring, samples (the longest window)
_POS3 = const(13)
_SUM3 = const(14)  # sum over the window
_N = const(15)  # the high-pass window, samples (_window)
_HALF = const(16)  # its middle, samples back
_H = const(17)  # hysteresis: half the swing, per sample of the window times the window
_GH = const(18)  # the same for a gentle swing
_UP = const(19)  # 1 while a swing is above the band
_SINCE = const(20)  # samples since the last rise (counts up to _CAP while nothing rises)
_CAP = const(21)
_GAGE = const(22)  # samples since the current gentle swing rose
_GUP = const(23)  # 1 while a gentle swing is above its band
_GGAP = const(24)  # samples from the gentle swing before it, when only gentle, to its rise (0: none)
_GCLEAR = const(25)  # 1: the current gentle swing is a step's clear swing too
_PEAK = const(26)  # the top of the swing going on
_FALL = const(27)  # the swing going on ends below this level (-h, or half that for a slow step)
_FALL_PCT = const(28)  # step_fall_pct
_SLOW = const(29)  # 1: a rise more than a window after the last may end as a slow step (_slow_rule)
_AT = const(30)  # samples from the swing before to this swing's rise
_WATCH = const(31)  # 1: looking for the rises between counted steps (stride lock)
_LOW = const(32)  # ... the trough before the current rise, its top,
_BUMP = const(33)
_SECOND = const(34)  # and the largest such rise that turned back down by the hysteresis
_FELL = const(35)  # 1: the last stretch stopped where a swing ended
_RING = const(36)  # the rings: w first sums, w second sums, _SIZE3 smoothed values


def input_shift(lsb_per_g):
    """Right shift that brings the IMU's counts to about 1024 per g, whatever its range."""
    sh = 0
    while (lsb_per_g >> sh) > _ONE_G:
        sh += 1
    return sh


@micropython.viper
def _track(st: ptr32, buf: ptr16, j: int, stop: int) -> int:
    """The filters and the swing detector over buf[j:stop], their state in `st` (a StepCounter's
    slots); the index after the sample where a swing ended (st[_FELL] set: `_step` is due), else
    `stop`. A function, not a method: its first three arguments are the ones kept in registers.

    Per sample: gravity follows the input slowly; the acceleration along it is smoothed by two
    moving averages and high-passed (minus its mean over the window); a swing rises above +h
    and ends below its fall level."""
    # A ptr16 or ptr32 load is the word's bits, unsigned on the unix port's 64-bit viper: the
    # state loaded once a call is made signed with ((v + top) & wrap) - top, the same number on
    # every target; a load in the loop, where every operation counts, by a comparison (above the
    # largest positive word, it is negative), never true on a 32-bit chip or in CPython, which
    # reads signed already.
    top = 1
    top <<= 31
    wrap = (top << 1) - 1  # on a 32-bit chip, -1
    most = top - 1  # the largest positive word
    span = top << 1  # on a 32-bit chip, 0
    sh = st[_SH]
    k = st[_K]
    primed = st[_PRIMED]
    gx = ((st[_GX] + top) & wrap) - top
    gy = ((st[_GY] + top) & wrap) - top
    gz = ((st[_GZ] + top) & wrap) - top
    motion = st[_MOTION]
    w = st[_W]
    pos = st[_POS]
    sum1 = ((st[_SUM] + top) & wrap) - top
    sum2 = ((st[_SUM2] + top) & wrap) - top
    sh2 = st[_SH2]
    size = st[_SIZE3]
    pos3 = st[_POS3]
    sum3 = ((st[_SUM3] + top) & wrap) - top
    n = st[_N]
    half = st[_HALF]
    h = st[_H]
    gh = st[_GH]
    up = st[_UP]
    since = st[_SINCE]
    cap = st[_CAP]
    gage = st[_GAGE]
    gup = st[_GUP]
    ggap = st[_GGAP]
    gclear = st[_GCLEAR]
    peak = ((st[_PEAK] + top) & wrap) - top
    fall = ((st[_FALL] + top) & wrap) - top
    at = st[_AT]
    watch = st[_WATCH]
    low = ((st[_LOW] + top) & wrap) - top
    bump = ((st[_BUMP] + top) & wrap) - top
    second = st[_SECOND]
    ring1 = _RING
    ring2 = ring1 + w
    ring3 = ring2 + w
    fell = 0
    while j < stop:
        x = buf[j]
        if x > 32767:
            x -= 65536
        y = buf[j + 1]
        if y > 32767:
            y -= 65536
        z = buf[j + 2]
        if z > 32767:
            z -= 65536
        j += 3
        x >>= sh
        y >>= sh
        z >>= sh
        if not primed:
            gx = x << k
            gy = y << k
            gz = z << k
            primed = 1
        gx += x - (gx >> k)
        gy += y - (gy >> k)
        gz += z - (gz >> k)
        ax = gx >> k
        ay = gy >> k
        az = gz >> k
        v = ((x - ax) * ax + (y - ay) * ay + (z - az) * az) >> 10  # along gravity, 1/1024 g
        motion += v if v > 0 else -v
        if motion > 0x3FFFFFFF:
            motion = 0x3FFFFFFF  # where nobody takes it (a second's is far below)
        # two moving averages, a triangle window
        old = st[ring1 + pos]
        if old > most:
            old -= span
        total = sum1 + v - old
        sum1 = total
        st[ring1 + pos] = v
        old = st[ring2 + pos]
        if old > most:
            old -= span
        smooth = sum2 + total - old
        sum2 = smooth
        st[ring2 + pos] = total
        pos += 1
        if pos == w:
            pos = 0
        # high-pass: n times the sample in the middle of the window, minus the window's sum
        smooth >>= sh2
        old = pos3 - n
        if old < 0:
            old += size
        old = st[ring3 + old]
        if old > most:
            old -= span
        total = sum3 + smooth - old
        sum3 = total
        st[ring3 + pos3] = smooth
        old = pos3 - half
        if old < 0:
            old += size
        old = st[ring3 + old]
        if old > most:
            old -= span
        smooth = n * old - total
        pos3 += 1
        if pos3 == size:
            pos3 = 0
        if up or since < cap:
            since += 1
        if gage < cap:
            gage += 1
        if gup:
            if smooth < -gh:
                gup = 0
        elif smooth > gh:
            gup = 1
            ggap = 0 if gclear else gage
            gage = 0
            gclear = 0
        if up:
            if smooth > peak:
                peak = smooth
            if smooth < fall and (smooth < -h or -smooth > peak // 100 * st[_FALL_PCT]):
                up = 0
                low = smooth
                bump = smooth
                fell = 1
                break
        elif smooth > h:
            up = 1
            gclear = 1
            peak = smooth
            at = since
            # a step longer than the window, in a rhythm that slow (or none yet), of a gait whose
            # swings are even (the trunk's): at its trough the window leaves out part of the sharp
            # peak after the heel strike, its mean is too low and the broad trough may not come back
            # below -h; so it need come back below the mean only by `step_fall_pct` of its peak, half
            # the hysteresis at least
            fall = -(h >> 1) if since > n and st[_SLOW] else -h
        elif watch:
            if smooth < low:
                low = smooth
                bump = smooth
            elif smooth > bump:
                bump = smooth
            elif bump - smooth > h and bump - low > second:
                second = bump - low  # a rise that turned back down by the hysteresis
    st[_PRIMED] = primed
    st[_GX] = gx
    st[_GY] = gy
    st[_GZ] = gz
    st[_MOTION] = motion
    st[_POS] = pos
    st[_SUM] = sum1
    st[_SUM2] = sum2
    st[_POS3] = pos3
    st[_SUM3] = sum3
    st[_UP] = up
    st[_SINCE] = since
    st[_GAGE] = gage
    st[_GUP] = gup
    st[_GGAP] = ggap
    st[_GCLEAR] = gclear
    st[_PEAK] = peak
    st[_FALL] = fall
    st[_AT] = at
    st[_LOW] = low
    st[_BUMP] = bump
    st[_SECOND] = second
    st[_FELL] = fell
    return j


class StepCounter:
    def __init__(self, rate_hz, lsb_per_g, s):
        k = 0
        while (1 << (k + 1)) <= rate_hz + rate_hz // 2:
            k += 1
        # two moving averages of `step_smooth_ms`: a triangle window, one clean swing per step,
        # the heel-strike ripple gone
        w = rate_hz * s["step_smooth_ms"] // 1000
        w = w if w > 0 else 1
        # high-pass: the smoothed signal minus its mean over a window of `step_highpass_ms`, which
        # keeps each step's swing and damps the slower sway of a stride (a pocket's pendulum, an arm's
        # swing); while a slow walk is counted it grows to `step_highpass_pct` of its step (up to
        # twice the window), so that slow steps are not damped. The smoothed signal enters
        # it scaled to at most 64 units per 1/1024 g, so that the window's sums stay small
        # integers at any rate
        sh2 = 0
        while (w * w) >> sh2 > 64:
            sh2 += 1
        n = rate_hz * s["step_highpass_ms"] // 1000
        self._n0 = n if n > 1 else 2
        st = array("i", bytes(4 * (_RING + 2 * w + 2 * self._n0)))
        self._s = st
        st[_SH] = input_shift(lsb_per_g)
        st[_K] = k
        st[_W] = w
        st[_SH2] = sh2
        st[_SIZE3] = 2 * self._n0
        self._size3 = st[_SIZE3]
        self._ring3 = _RING + 2 * w  # where the high-pass ring starts in the array
        self._hp_pct = s["step_highpass_pct"]
        # hysteresis, half the swing, per sample of the high-pass window (signal scale w * w * n)
        scale = _ONE_G * w * w >> sh2
        self._h1 = s["step_threshold_mg"] * scale // 2000
        st[_FALL_PCT] = s["step_fall_pct"]
        # a walk starts on clear swings (peaks of at least half `step_start_mg`) that are regular,
        # or on weaker swings only when they are much more regular
        self._start_h1 = s["step_start_mg"] * scale // 2000
        # gentle swings (above half `step_first_mg`): the first step of a walk, from standing
        self._gentle_h1 = s["step_first_mg"] * scale // 2000
        self._gentle_pct = s["step_first_pct"]
        self._window(self._n0)
        self._weak_reg = s["step_weak_regularity_pct"]
        self._weak = False
        self._min_n = rate_hz * s["step_min_interval_ms"] // 1000
        # rounded up: an interval is counted in whole samples, and 1500 ms is 37.5 of them at 25 Hz
        self._max_n = (rate_hz * s["step_max_interval_ms"] + 999) // 1000
        self._resume_n = rate_hz * s["step_resume_ms"] // 1000
        cap = 4 * self._max_n
        self._cap = cap if cap > self._resume_n else self._resume_n + 1  # samples since the last rise count up to here
        st[_CAP] = self._cap
        st[_SINCE] = self._cap
        self._after = self._cap  # samples from the last counted step's rise to the last swing's rise
        # the last counted walk: its swings' peak per sample of the high-pass window (smoothed over
        # about 16 steps), whether they were even (a trunk's walk), how long a swing after it may last,
        # samples (a step; half one after other walks), the gravity direction at its last step
        self._walk_pk = 0
        self._trunk = False
        self._walk_step = 0
        self._wx = 0
        self._wy = 0
        self._wz = 0
        self._resume_pct = s["step_resume_pct"]
        self._resumed = 0  # swings of the current run already counted on their own
        self._uneven = 0  # how much consecutive swings differ, % of their sum, smoothed
        self._uneven16 = 0  # the same over about 16 swings, 1/16 %
        self._last_peak = 0
        self._gap_uneven = s["step_gap_uneven_pct"]
        self._resume_even = s["step_resume_even_pct"]
        self._last = 0
        self._last2 = 0
        self._per = 0
        self._reg = s["step_regularity_pct"]
        # beyond the regularity's percentage, steps may differ by a time, not a sample, so that a run
        # is as regular at 25 Hz (40 ms a sample) as at 100 Hz
        self._slack = rate_hz * s["step_slack_ms"] // 10  # 1/100 sample
        self._start = s["step_start_run"]  # regular steps before a walk counts: a jolt never does
        self._phase_pct = s["step_start_phase_pct"]
        self._gap_max = s["step_gap_max"]  # the most steps one late swing may credit
        # more than a stride's two only once the rhythm has held this long: longer gaps are more often
        # arm movement that paused (housework, desk work) than a walk
        self._gap_run = s["step_gap_run"]
        self._sway_early = s["step_sway_early_pct"]
        self._sway_pct = s["step_sway_pct"]
        # the gravity direction at the last swing, 1/1024 g, and how far it turns per step, smoothed,
        # as the square of the chord between the two directions; the most a walk allows: `step_turn_deg`
        self._tx = 0
        self._ty = 0
        self._tz = 0
        self._turn = 0
        chord = s["step_turn_deg"] * 1787 // 100  # 1024 g * (pi / 180) per degree, small angles
        self._turn_max = chord * chord
        self._nh = 2 * self._start + 1
        # stride lock (a wrist's arm swings once a stride): between two counted steps the kernel
        # watches for the largest rise that turned back down by the hysteresis, inside the band
        self._seen = 0  # one bit per counted step, newest lowest: a step-sized swing came between
        self._missing = 0  # counted steps since the last such swing
        self._stride = False  # counting two steps per swing
        self._stride_min = rate_hz * s["step_stride_ms"] // 1000
        self._stride_hold = s["step_stride_hold"]
        self._iv = array("i", bytes(4 * self._nh))
        self._gentle = array("i", bytes(4 * self._nh))  # per swing: samples from a gentle swing just before it, or 0
        self._pk = array("i", bytes(4 * self._nh))  # per swing: its peak per sample of the high-pass window
        self._ivp = 0
        self.run = 0
        self.total = 0
        self._slow_rule()

    def scan(self, buf, j, stop):
        """Run the samples buf[j:stop] (x, y, z counts, as the IMU driver leaves them) through the counter."""
        st = self._s
        while j < stop:
            j = _track(st, buf, j, stop)
            if st[_FELL]:
                st[_FELL] = 0
                self._step()
                st[_SECOND] = 0  # the rises watched for between counted steps start again here
                self._slow_rule()

    def _slow_rule(self):
        """Whether a rise more than a window after the last may end as a slow step (see _track): in a
        rhythm that slow (or none yet), of a gait whose swings are even. What it depends on changes
        only in `_step`."""
        even = self._uneven < self._gap_uneven and self._uneven16 >> 4 < self._gap_uneven
        self._s[_SLOW] = 1 if even and (self.run < 2 or self._per >> 4 > self._s[_N]) else 0

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def _step(self):
        st = self._s
        st[_GCLEAR] = 1  # the gentle swing going on is this one's, or timed before the rebase below
        since = st[_AT]  # steps are timed where they rise, the steepest and steadiest point
        if since < self._min_n:
            return
        pk = st[_PEAK] // st[_N]  # per sample of the window it was measured with: comparable across window sizes
        after = self._after + since
        run = self.run
        n = 1
        if st[_SINCE] - since > self._max_n:
            run = 0  # a swing too slow for a step
            st[_SINCE] -= since
            since = 0
        elif since > self._max_n:
            n = self._missed(since, run)
            if n:
                since //= n  # a walk that went on, some steps too weak to see
            else:
                run = 0  # the first step after a pause: the next one is timed from its rise
                n = 1
                st[_SINCE] -= since
                since = 0
        elif run >= 2:
            # compared with the last step of the same foot, so that a limp is regular too
            ref = self._last2 if run >= 3 else self._last
            short = self._last if self._last < ref else ref
            reg = self._reg
            if run < self._start and (self._weak or st[_PEAK] < self._start_h):
                reg = self._weak_reg  # weak swings (driving, desk work) must be much more regular to start a walk
            if since * 100 < short * (100 - reg) - self._slack:
                if run >= self._start:
                    return  # too early for the rhythm of a walk: a second bump of the same step
                run = 0  # not regular yet: this step may start a run
            elif run >= self._start and self._sway(since, pk):
                return  # the trunk swaying as the walker turns on the spot, not a step
            elif since * 100 > ref * (100 + reg) + self._slack:
                n = self._missed(since, run)
                if n:
                    since //= n
                else:
                    n = 1
                    if run < self._start:
                        run = 0  # not regular yet: this step may start a run
        # how far the gravity direction turned since the last swing: a walk carries the sensor in a
        # steady orientation (turning about the vertical leaves gravity where it is, and an arm's
        # swing averages out in the gravity filter); arm movement turns the wrist this way and that
        k = st[_K]
        a = st[_GX] >> k
        d = a - self._tx
        self._tx = a
        a = st[_GY] >> k
        b = a - self._ty
        self._ty = a
        a = st[_GZ] >> k
        d = d * d + b * b + (a - self._tz) * (a - self._tz)
        self._tz = a
        if since == 0:
            self._turn = 0  # the first swing after a pause: the orientation may have changed while still
        else:
            # smoothed over about 16 steps; one sudden turn counts at most twice the limit
            cap = self._turn_max << 1
            self._turn += ((d if d < cap else cap) - self._turn) >> 4
            if self._turn > self._turn_max and run:
                run = 0  # the sensor turns too much for a walk: arm movement; this swing may start a run
                st[_SINCE] -= since * n
                since = 0
                n = 1
                after = self._cap  # nor is it a step after a walk
        if n == 1 and run:
            # how much one foot's swing differs from the other's: at the waist the two are alike;
            # on a wrist the arm swings once a stride and every other step's swing is weak
            a = st[_PEAK]
            b = self._last_peak
            d = a - b if a > b else b - a
            d = d // ((a + b) // 100 + 1)
            self._uneven += (d - self._uneven) >> 2
            self._uneven16 += ((d << 4) - self._uneven16) >> 4
        self._last_peak = st[_PEAK]
        if run == 0:
            self._weak = st[_PEAK] < self._start_h
        elif st[_PEAK] < self._start_h:
            self._weak = True
        self.run = run + n
        p = self._ivp + 1
        if p == self._nh:
            p = 0
        self._ivp = p
        self._iv[p] = since
        g = st[_GGAP]
        self._gentle[p] = g if g < self._cap and n == 1 else 0
        self._pk[p] = pk
        self._last2 = self._last
        self._last = since
        if run < 2:
            self._per = since << 4
            if run == 0 and st[_N] != self._n0:
                self._window(self._n0)
        else:
            self._per += since - (self._per >> 4) << 2  # the walk's step period, 1/16 sample, smoothed
            if run >= self._start:
                hp = (self._per >> 4) * self._hp_pct // 100
                hp = self._n0 if hp < self._n0 else self._size3 if hp > self._size3 else hp
                if hp - st[_N] > 1 or st[_N] - hp > 1:
                    self._window(hp)
        st[_SINCE] -= since * n
        run = self.run
        if run == n:
            self._resumed = 0
            self._seen = 0
            self._stride = False
        if run >= self._start and run - n < self._start and not self._in_time():
            self.run = run - 1  # the run waits for a swing that keeps time; its earliest may be backfilled
            run -= 1
        st[_WATCH] = 1 if self._stride_min > 0 and run >= self._start else 0
        if run >= self._start:
            if run - n < self._start:
                self.total += run + self._backfill() - self._resumed
            else:
                self.total += n + self._strides(since, n)
            # what the swings after this walk are compared with (_step_after_walk)
            self._walk_pk = pk if run - n < self._start else self._walk_pk + (pk - self._walk_pk >> 4)
            self._trunk = self._uneven16 >> 4 < self._gap_uneven and self._uneven < self._resume_even
            self._walk_step = self._per >> (4 if self._trunk else 5)
            self._wx = self._tx
            self._wy = self._ty
            self._wz = self._tz
        elif after <= self._resume_n and self._step_after_walk(pk):
            # a step of its own; the run it may start does not count it twice
            self._resumed += 1
            self.total += 1
        else:
            self._after = after if after < self._cap else self._cap
            return
        self._after = 0

    def _step_after_walk(self, pk):
        """True for a swing soon after a walk that is a step of its own: shuffling after a stop, a step
        or two after a pause, too few for a run.

        After a walk of the trunk (its swings even over about 16 steps: at the waist both feet swing
        alike), such steps are weak but a good part of the walk's swing (`step_resume_pct`), and the
        trunk stays upright (gravity within `step_turn_deg` of its direction at the walk's last step).
        Right after the last step the trunk settles, a swing as big, but it rises and stays up until
        the walker moves again: a step's swing is over within a step. After other walks (a wrist's),
        only clear swings (`step_start_mg`), over within half a step, while the swings stay even.
        """
        if self._s[_SINCE] > self._walk_step:
            return False  # from its rise to its fall, longer than the walk's steps allow
        if not self._trunk:
            return pk >= self._start_h1 and self._uneven < self._resume_even
        a = self._tx - self._wx
        b = self._ty - self._wy
        c = self._tz - self._wz
        return (a * a + b * b + c * c <= self._turn_max
                and pk * 100 >= self._walk_pk * self._resume_pct)

    def _strides(self, since, n):
        """Steps missed in this interval because the swings followed the stride, not the step.

        An arm swings once a stride: the counter may lock onto that swing and count one step in
        two. The other step still shows as a swing of a step's size between two counted ones;
        when such swings keep coming, each counted interval holds two steps.
        """
        if n != 1 or since < self._stride_min:
            self._seen = 0
            self._stride = False
            return 0
        if self._s[_SECOND] >= 2 * self._s[_H]:  # a swing of a step's size
            self._seen = (self._seen << 1 | 1) & 7
            self._missing = 0
        else:
            self._seen = (self._seen << 1) & 7
            self._missing += 1
        if self._stride:
            if self._missing > self._stride_hold:
                self._stride = False
                self._seen = 0
                return 0
            return 1
        seen = self._seen
        if seen == 3 or seen > 4:  # two of the last three intervals
            self._stride = True
            return 3 if seen > 4 else 2  # this interval and those since the first such swing
        return 0

    def _sway(self, since, pk):
        """True for a swing early for the walk's rhythm and much weaker than its last swings, in a walk
        whose swings have been even for a while.

        Turning on the spot, the trunk sways at the walk's pace while the feet pivot slowly: small swings
        that come before the next step is due. At the waist both feet swing the trunk alike, so a walk's
        swings are even, and a turn's few weak ones hardly change that over 16 swings; a wrist's arm swings
        once a stride and every other swing is weak: its walks are uneven, and a weak swing there is a step.
        """
        if since * 100 >= (self._per >> 4) * self._sway_early or self._uneven16 >> 4 >= self._gap_uneven:
            return False
        peaks = self._pk
        total = 0
        i = 0
        while i < self._nh:
            total += peaks[i]
            i += 1
        return pk * 100 < total // self._nh * self._sway_pct

    def _window(self, n):
        """Make the high-pass window `n` samples: its running sum and thresholds follow."""
        st = self._s
        st[_N] = n
        st[_HALF] = (n - 1) // 2
        st[_H] = self._h1 * n
        self._start_h = self._start_h1 * n
        st[_GH] = self._gentle_h1 * n
        ring = self._ring3
        size = self._size3
        j = st[_POS3]
        total = 0
        while n:
            j = j - 1 if j else size - 1
            total += st[ring + j]
            n -= 1
        st[_SUM3] = total

    def _missed(self, since, run):
        """Steps in `since` samples at the counted walk's pace, when more than one: the weaker swings were not seen.

        Only in a walk whose consecutive swings are uneven (`step_gap_uneven_pct`: a wrist's arm swings
        once a stride); at the waist both feet swing alike, and a late swing is a slow step, as in a turn.
        """
        per = self._per >> 4
        if run < self._start or not per or self._uneven < self._gap_uneven:
            return 0
        n = (2 * since + per) // (2 * per)
        if n < 2 or n > self._gap_max or since < n * self._min_n or n > 2 and run < self._gap_run:
            return 0
        d = since - n * per
        if d < 0:
            d = -d
        return n if d * 200 <= n * per * self._reg else 0

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def _in_time(self):
        """True when the starting run's swings keep time: none further than `step_start_phase_pct` of a
        step from where the run's mean rhythm puts it.

        Each step is compared only with the step before last, so swings can pass one by one while the
        run keeps no rhythm (steering a car: 760, 920, 940, 560, 1160 ms). A run that fails waits for
        the next swing; its first, slow steps are credited later by _backfill.
        """
        if not self._phase_pct:
            return True
        iv = self._iv
        nh = self._nh
        m = self._start - 1  # intervals in the run
        j = self._ivp
        total = 0
        i = 0
        while i < m:
            total += iv[j]
            j = j - 1 if j else nh - 1
            i += 1
        # from the newest swing back: after i intervals, the mean rhythm puts it i * total / m earlier
        lim = total * self._phase_pct  # the most a swing may be off, times m * 100
        j = self._ivp
        t = 0
        i = 1
        while i < m:
            t += iv[j]
            d = t * m - i * total
            if d * 100 > lim or -d * 100 > lim:
                return False
            j = j - 1 if j else nh - 1
            i += 1
        return True

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def _backfill(self):
        """Swings just before a starting run that fit its rhythm: the first, hesitant steps of a walk,
        whose intervals are not regular yet."""
        if self._start < 2:
            return 0  # no run to take a rhythm from
        iv = self._iv
        nh = self._nh
        j = self._ivp
        total = 0
        peaks = 0
        i = 1
        while i < self._start:
            total += iv[j]
            peaks += self._pk[j]
            j = j - 1 if j else nh - 1
            i += 1
        ref = total // (self._start - 1)
        peaks //= self._start - 1
        lo = ref * (100 - self._reg) // 100
        hi = ref * (100 + 2 * self._reg) // 100
        gap = iv[j]
        first = j  # the earliest swing credited
        n = 0
        while gap and i < nh:
            if gap > hi:
                break
            j = j - 1 if j else nh - 1
            i += 1
            if gap >= lo:
                n += 1
                first = j
                gap = iv[j]
            elif iv[j]:
                gap += iv[j]
            else:
                break
        # the first step from standing barely moves the trunk: when the earliest swing credited is already
        # a good part of the walk's (`step_first_pct`), it was not the first, and a gentle swing in the
        # rhythm before it was
        gap = self._gentle[first]
        if lo <= gap <= hi and self._pk[first] * 100 >= peaks * self._gentle_pct:
            n += 1
        return n

    def gravity_into(self, g):
        """Write the gravity estimate, 1/1024 g per axis, into `g` (3 ints)."""
        st = self._s
        k = st[_K]
        g[0] = st[_GX] >> k
        g[1] = st[_GY] >> k
        g[2] = st[_GZ] >> k

    def take_motion(self):
        """The sum of |vertical acceleration| since the last call, 1/1024 g."""
        st = self._s
        m = st[_MOTION]
        st[_MOTION] = 0
        return m

    def walking(self):
        """True while a counted walk is going on."""
        return self.run >= self._start and self._s[_SINCE] <= self._max_n

    def swing_mark(self):
        """Moves on with every swing seen (it is where the swing's interval went in the ring): a second in
        which it moved had a swing, perhaps the first step of a walk that `stepping` cannot tell yet."""
        return self._ivp

    def stepping(self):
        """True while swings follow each other at a step's pace (the last two a step apart, the
        last just now): perhaps a walk not counted yet. One swing alone is any jolt or knock."""
        return 0 < self._last <= self._max_n and self._s[_SINCE] <= self._max_n
