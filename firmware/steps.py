# Step counter: pure logic, integer math, no allocation per sample.
#
# Signal. Gravity is tracked by a slow low-pass filter on each axis, and
# steps are read from the acceleration along that direction, whatever way
# round the clip is worn. That vertical acceleration is smoothed by two
# moving averages of `step_smooth_ms` (a triangle window: one clean swing per
# step, the heel-strike ripple gone), then high-passed: minus its mean over
# `step_highpass_ms`, which keeps each step's swing and damps the slower sway
# of a stride (a pocket's pendulum, an arm's swing); while a slow walk is
# counted the window grows to `step_highpass_pct` of its step, so that slow
# steps are not damped (before that, see Slow steps below).
#
# A step is one swing above +threshold/2 and back below -threshold/2, timed
# where it rises. A bump too early for the rhythm is a second bump of the same
# step and is ignored. Steps are compared with the step before last, the same
# foot's, so that an uneven gait is still regular; beyond the regularity's
# percentage they may differ by `step_slack_ms`, a time, not a sample, so that
# a run is as regular at 25 Hz (40 ms a sample) as at 100 Hz.
#
# Slow steps. Until a slow walk is counted and the window grows, a step can be
# longer than the window: at its trough the window leaves out part of the
# sharp peak after the heel strike, the mean it takes is too low, and the
# broad, shallow trough may not come back below -threshold/2; a step is lost
# and a starting run breaks. A swing that rises more than a window after the
# last, in a rhythm that slow (or none yet), in a gait whose swings are even
# (the trunk's: both feet swing it alike; a wrist's arm swings once a stride)
# ends back below the mean by `step_fall_pct` of its peak instead, between a
# quarter and half of the threshold.
#
# Starting a walk. As good pedometers do, counting starts only after a run of
# `step_start_run` regular steps, and then credits the whole run, so that
# isolated jolts, taps and bumps never count. A run whose swings do not all
# reach `step_start_mg` (driving, desk work) must be much more regular
# (`step_weak_regularity_pct`) to start. Each step is compared only with the
# step before last, so swings can pass one by one while the run keeps no
# rhythm (steering a car: 760, 920, 940, 560, 1160 ms); a starting run must
# also keep time: none of its swings further than `step_start_phase_pct` of a
# step from where the run's own mean rhythm, from its first swing to its last,
# puts it. A run that does not waits for the next swing, so that a walk whose
# first steps are slow starts a little later, and those steps are credited
# with it as below. Credited with the run:
# - the swings just before it that fit its rhythm (the first, hesitant steps,
#   whose intervals are not regular yet);
# - a gentle swing (`step_first_mg`) in the rhythm before those, when the
#   earliest of them already reaches `step_first_pct` of the walk's swings:
#   the first step from standing barely moves the trunk, so a swing that big
#   was not the first.
#
# During a walk.
# - A swing that comes a whole number of steps late (up to `step_gap_max`)
#   credits the steps whose swings were too weak to see, when the walk's
#   consecutive swings are uneven (`step_gap_uneven_pct`: a wrist's arm swings
#   once a stride; at the waist both feet swing alike, and a late swing is a
#   slow step, as in a turn). More than a stride's two steps are credited only
#   once the rhythm has held for `step_gap_run` steps: longer gaps are more
#   often arm movement that paused (housework, desk work) than a walk.
# - Stride lock: on a wrist the counter can lock onto the arm's swing, once a
#   stride. Counted steps at least `step_stride_ms` long between which a rise
#   of a step's size that turns back down by the hysteresis (inside the band,
#   so not counted) keeps showing, two in three, count as two steps each,
#   until more than `step_stride_hold` steps in a row show none.
# - Arm movement: a walk carries the sensor in a steady orientation, while
#   housework, desk work and steering turn the wrist this way and that. When
#   the gravity direction turns by more than `step_turn_deg` per step,
#   smoothed over about 16 steps, the walk ends, or a run cannot start.
# - Turning on the spot: the trunk sways at the walk's pace while the feet
#   pivot slowly. In a walk whose swings have been even over about 16 swings
#   (`step_gap_uneven_pct`: at the waist both feet swing alike), a swing
#   sooner than `step_sway_early_pct` of a step and weaker than
#   `step_sway_pct` of the last swings' mean is that sway, not a step.
#
# After a walk. Swings within `step_resume_ms` of the last step counted are
# steps of their own: the shuffling steps after a stop, a step or two after a
# pause, too few for a run. After a walk whose swings were even over about 16
# steps (the trunk's: both feet swing it alike) these steps are weak at the
# trunk, but still `step_resume_pct` of the walk's swing; the trunk stays
# upright (gravity within `step_turn_deg` of the walk's); and each swing is
# over within a step: the trunk's settle after the last step is as big, but
# rises and stays up until the walker moves again. After other walks (a
# wrist's) only clear swings (`step_start_mg`), over within half a step, count,
# while the swings stay even.

from array import array

from micropython import const

_ONE_G = const(1024)  # internal scale: counts per g after the input shift


def input_shift(lsb_per_g):
    """Right shift that brings the IMU's counts to about 1024 per g, whatever its range."""
    sh = 0
    while (lsb_per_g >> sh) > _ONE_G:
        sh += 1
    return sh


class StepCounter:
    def __init__(self, rate_hz, lsb_per_g, s):
        self._sh = input_shift(lsb_per_g)
        k = 0
        while (1 << (k + 1)) <= rate_hz + rate_hz // 2:
            k += 1
        self._k = k  # gravity filter: time constant about 2**k samples, ~1 s
        self._gx = 0
        self._gy = 0
        self._gz = 0
        self._primed = False
        w = rate_hz * s["step_smooth_ms"] // 1000
        self._w = w if w > 0 else 1
        self._ring = array("i", bytes(4 * self._w))
        self._ring2 = array("i", bytes(4 * self._w))
        self._pos = 0
        self._sum = 0
        self._sum2 = 0
        # high-pass: the smoothed signal minus its mean over a window of `step_highpass_ms`
        # (longer while a slow walk is counted, up to twice that); the smoothed signal enters
        # it scaled to at most 64 units per 1/1024 g, so that the window's sums stay small
        # integers (no allocation) at any rate
        sh = 0
        while (self._w * self._w) >> sh > 64:
            sh += 1
        self._sh2 = sh
        n = rate_hz * s["step_highpass_ms"] // 1000
        self._n0 = n if n > 1 else 2
        self._size3 = 2 * self._n0
        self._ring3 = array("i", bytes(4 * self._size3))
        self._pos3 = 0
        self._sum3 = 0
        self._hp_pct = s["step_highpass_pct"]
        # hysteresis, half the swing, per sample of the high-pass window (signal scale w * w * n)
        scale = _ONE_G * self._w * self._w >> self._sh2
        self._h1 = s["step_threshold_mg"] * scale // 2000
        self._up = False
        self._peak = 0
        self._fall = 0  # the swing going on ends below this level (-_h, or half that for a slow step, see update)
        self._fall_pct = s["step_fall_pct"]
        # a walk starts on clear swings (peaks of at least half `step_start_mg`) that are regular,
        # or on weaker swings only when they are much more regular
        self._start_h1 = s["step_start_mg"] * scale // 2000
        # gentle swings (above half `step_first_mg`): the first step of a walk, from standing
        self._gentle_h1 = s["step_first_mg"] * scale // 2000
        self._gentle_pct = s["step_first_pct"]
        self._gup = False
        self._gage = 0  # samples since the current gentle swing rose
        self._gclear = False  # the current gentle swing is a step's clear swing too
        self._ggap = 0  # samples from the gentle swing before it, when only gentle, to its rise (0: none)
        self._window(self._n0)
        self._weak_reg = s["step_weak_regularity_pct"]
        self._weak = False
        self._at = 0
        self._min_n = rate_hz * s["step_min_interval_ms"] // 1000
        # rounded up: an interval is counted in whole samples, and 1500 ms is 37.5 of them at 25 Hz
        self._max_n = (rate_hz * s["step_max_interval_ms"] + 999) // 1000
        self._resume_n = rate_hz * s["step_resume_ms"] // 1000
        cap = 4 * self._max_n
        self._cap = cap if cap > self._resume_n else self._resume_n + 1  # samples since the last rise count up to here
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
        self._since = self._cap
        self._last = 0
        self._last2 = 0
        self._per = 0
        self._reg = s["step_regularity_pct"]
        self._slack = rate_hz * s["step_slack_ms"] // 10  # 1/100 sample
        self._start = s["step_start_run"]
        self._phase_pct = s["step_start_phase_pct"]
        self._gap_max = s["step_gap_max"]
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
        # stride lock (a wrist's arm swings once a stride): the largest rise between two counted
        # steps that turned back down by the hysteresis, inside the band; bump = the top of the
        # current rise, low = the trough before it
        self._low = 0
        self._bump = 0
        self._second = 0
        self._seen = 0  # one bit per counted step, newest lowest: a step-sized swing came between
        self._missing = 0  # counted steps since the last such swing
        self._stride = False  # counting two steps per swing
        self._watch = False  # looking for those swings: within a walk, when the check is on
        self._stride_min = rate_hz * s["step_stride_ms"] // 1000
        self._stride_hold = s["step_stride_hold"]
        self._iv = array("i", bytes(4 * self._nh))
        self._gentle = array("i", bytes(4 * self._nh))  # per swing: samples from a gentle swing just before it, or 0
        self._pk = array("i", bytes(4 * self._nh))  # per swing: its peak per sample of the high-pass window
        self._ivp = 0
        self.run = 0
        self.total = 0
        self.motion = 0  # sum of |vertical acceleration| since take_motion(), 1/1024 g

    def scan(self, buf, j, stop):
        while j < stop:
            self.update(buf[j], buf[j + 1], buf[j + 2])
            j += 3

    def update(self, x, y, z):
        sh = self._sh
        x >>= sh
        y >>= sh
        z >>= sh
        k = self._k
        if not self._primed:
            self._gx = x << k
            self._gy = y << k
            self._gz = z << k
            self._primed = True
        gx = self._gx
        gx += x - (gx >> k)
        self._gx = gx
        gy = self._gy
        gy += y - (gy >> k)
        self._gy = gy
        gz = self._gz
        gz += z - (gz >> k)
        self._gz = gz
        gx >>= k
        gy >>= k
        gz >>= k
        v = ((x - gx) * gx + (y - gy) * gy + (z - gz) * gz) >> 10
        self.motion += v if v > 0 else -v
        pos = self._pos
        ring = self._ring
        total = self._sum + v - ring[pos]
        self._sum = total
        ring[pos] = v
        ring = self._ring2
        smooth = self._sum2 + total - ring[pos]
        self._sum2 = smooth
        ring[pos] = total
        pos += 1
        self._pos = 0 if pos == self._w else pos
        ring = self._ring3
        pos = self._pos3
        size = self._size3
        n = self._n
        old = pos - n
        smooth >>= self._sh2
        total = self._sum3 + smooth - ring[old if old >= 0 else old + size]
        self._sum3 = total
        ring[pos] = smooth
        mid = pos - self._half
        smooth = n * ring[mid if mid >= 0 else mid + size] - total
        pos += 1
        self._pos3 = 0 if pos == size else pos
        if self._up or self._since < self._cap:
            self._since += 1
        if self._gage < self._cap:
            self._gage += 1
        if self._gup:
            if smooth < -self._gh:
                self._gup = False
        elif smooth > self._gh:
            self._gup = True
            self._ggap = 0 if self._gclear else self._gage
            self._gage = 0
            self._gclear = False
        if self._up:
            if smooth > self._peak:
                self._peak = smooth
            if smooth < self._fall and (smooth < -self._h or -smooth > self._peak // 100 * self._fall_pct):
                self._up = False
                self._step()
                self._low = smooth
                self._bump = smooth
                self._second = 0
        elif smooth > self._h:
            self._up = True
            self._gclear = True
            self._peak = smooth
            since = self._since
            self._at = since
            # a step longer than the window, in a rhythm that slow (or none yet), of a gait whose swings are
            # even: it need come back below the mean only by `step_fall_pct` of its peak, half the hysteresis
            # at least
            slow = since > n and (self.run < 2 or self._per >> 4 > n)
            even = self._uneven < self._gap_uneven and self._uneven16 >> 4 < self._gap_uneven
            self._fall = -(self._h >> 1) if slow and even else -self._h
        elif self._watch:
            if smooth < self._low:
                self._low = smooth
                self._bump = smooth
            elif smooth > self._bump:
                self._bump = smooth
            elif self._bump - smooth > self._h and self._bump - self._low > self._second:
                self._second = self._bump - self._low  # a rise that turned back down by the hysteresis

    def _step(self):
        self._gclear = True  # the gentle swing going on is this one's, or timed before the rebase below
        since = self._at  # steps are timed where they rise, the steepest and steadiest point
        if since < self._min_n:
            return
        pk = self._peak // self._n  # per sample of the window it was measured with: comparable across window sizes
        after = self._after + since
        run = self.run
        n = 1
        if self._since - since > self._max_n:
            run = 0  # a swing too slow for a step
            self._since -= since
            since = 0
        elif since > self._max_n:
            n = self._missed(since, run)
            if n:
                since //= n  # a walk that went on, some steps too weak to see
            else:
                run = 0  # the first step after a pause: the next one is timed from its rise
                n = 1
                self._since -= since
                since = 0
        elif run >= 2:
            # compared with the last step of the same foot, so that a limp is regular too
            ref = self._last2 if run >= 3 else self._last
            short = self._last if self._last < ref else ref
            reg = self._reg
            if run < self._start and (self._weak or self._peak < self._start_h):
                reg = self._weak_reg  # a run with weak swings must be much more regular to start a walk
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
        k = self._k
        a = self._gx >> k
        d = a - self._tx
        self._tx = a
        a = self._gy >> k
        b = a - self._ty
        self._ty = a
        a = self._gz >> k
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
                self._since -= since * n
                since = 0
                n = 1
                after = self._cap  # nor is it a step after a walk
        if n == 1 and run:
            # how much one foot's swing differs from the other's: at the waist the two are alike;
            # on a wrist the arm swings once a stride and every other step's swing is weak
            a = self._peak
            b = self._last_peak
            d = a - b if a > b else b - a
            d = d // ((a + b) // 100 + 1)
            self._uneven += (d - self._uneven) >> 2
            self._uneven16 += ((d << 4) - self._uneven16) >> 4
        self._last_peak = self._peak
        if run == 0:
            self._weak = self._peak < self._start_h
        elif self._peak < self._start_h:
            self._weak = True
        self.run = run + n
        p = self._ivp + 1
        if p == self._nh:
            p = 0
        self._ivp = p
        self._iv[p] = since
        g = self._ggap
        self._gentle[p] = g if g < self._cap and n == 1 else 0
        self._pk[p] = pk
        self._last2 = self._last
        self._last = since
        if run < 2:
            self._per = since << 4
            if run == 0 and self._n != self._n0:
                self._window(self._n0)
        else:
            self._per += since - (self._per >> 4) << 2  # the walk's step period, 1/16 sample, smoothed
            if run >= self._start:
                hp = (self._per >> 4) * self._hp_pct // 100
                hp = self._n0 if hp < self._n0 else self._size3 if hp > self._size3 else hp
                if hp - self._n > 1 or self._n - hp > 1:
                    self._window(hp)
        self._since -= since * n
        run = self.run
        if run == n:
            self._resumed = 0
            self._seen = 0
            self._stride = False
        if run >= self._start and run - n < self._start and not self._in_time():
            self.run = run - 1  # the run waits for a swing that keeps time; its earliest may be backfilled
            run -= 1
        self._watch = self._stride_min > 0 and run >= self._start
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
        if self._since > self._walk_step:
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
        if self._second >= 2 * self._h:  # a swing of a step's size
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
        self._n = n
        self._half = (n - 1) // 2
        self._h = self._h1 * n
        self._start_h = self._start_h1 * n
        self._gh = self._gentle_h1 * n
        ring = self._ring3
        size = self._size3
        j = self._pos3
        total = 0
        while n:
            j = j - 1 if j else size - 1
            total += ring[j]
            n -= 1
        self._sum3 = total

    def _missed(self, since, run):
        """Steps in `since` samples at the counted walk's pace, when more than one: the weaker swings were not seen."""
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

    def _in_time(self):
        """True when the starting run's swings keep time: none further than `step_start_phase_pct` of a
        step from where the run's mean rhythm puts it."""
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

    def _backfill(self):
        """Swings just before a starting run that fit its rhythm: the first steps of a walk."""
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
        k = self._k
        g[0] = self._gx >> k
        g[1] = self._gy >> k
        g[2] = self._gz >> k

    def take_motion(self):
        m = self.motion
        self.motion = 0
        return m

    def walking(self):
        """True while a counted walk is going on."""
        return self.run >= self._start and self._since <= self._max_n

    def stepping(self):
        """True while swings follow each other at a step's pace (the last two a step apart, the
        last just now): perhaps a walk not counted yet. One swing alone is any jolt or knock."""
        return 0 < self._last <= self._max_n and self._since <= self._max_n
