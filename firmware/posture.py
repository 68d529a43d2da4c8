# Posture from the belt: pure logic, decided once a second.
#
# The clip learns the wearer's upright direction by itself: the mean
# gravity direction while walking is upright by definition, and every walk
# keeps refining it. Sitting shows as the pelvis tilting away from that
# direction, lying as the trunk near horizontal. Thresholds have a margin (hysteresis) and a new state
# must hold for `posture_hold_s` seconds, so the state does not flicker.
# Some people sit nearly as upright as they stand: for them the stand-to-sit
# transition (sitstand.py) is the cue. After a sit-down the wearer counts as
# sitting down to the smaller tilt `sit_low_deg`, until a stand-up or a walk.
# A transition is believed only if the trunk's tilt agrees with it (no more
# upright after a sit-down, no more tilted after a stand-up, than before it)
# within `shift_settle_s` (it may be told while the trunk still leans forward)
# and the trunk was not lying just before (getting into and out of bed).
# Getting out of bed passes through sitting: a trunk that rises after lying
# for `lie_sit_s` counts as sitting up, however upright, until a stand-up, a
# walk or, once settled, a burst of movement of `burst_mg` (a stand-up the
# detector missed); the clip taken off and put on again lies only briefly.

import math
from array import array

import micropython

UNKNOWN = 0
SITTING = 1
STANDING = 2
LYING = 3
WALKING = 4
OFF_BODY = 5
NAMES = ("unknown", "sitting", "standing", "lying", "walking", "off_body")

_STILL_AXIS = 30  # per-axis change of gravity, 1/1024 g (~1.7 deg), that ends stillness
_BEFORE_S = 8  # a transition is compared with the tilt this many seconds before (it takes up to ~6 s to report)
_TILTING = 10  # change of cos * 1024 in a second (8 degrees from upright) that is the trunk still turning


@micropython.viper
def isqrt(n: int) -> int:
    """The integer square root of `n` (below 2**30: a squared length of gravity, 1/1024 g).

    Viper, because Newton's steps from n itself take a dozen divisions, four times a second."""
    if n <= 0:
        return 0
    x = n
    y = (x + 1) >> 1
    while y < x:
        x = y
        y = (x + n // x) >> 1
    return x


@micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
def cos1024(ax, ay, az, bx, by, bz):
    """Cosine of the angle between two vectors, times 1024 (0 for a null vector)."""
    norm = isqrt(ax * ax + ay * ay + az * az) * isqrt(bx * bx + by * by + bz * bz)
    if norm == 0:
        return 0
    # dot * 1024 // norm, in steps of 32, so that no product outgrows a small int (on a 32-bit
    # MCU dot * 1024 of 1 g vectors is above 2**30: an int object, allocated)
    dot = ax * bx + ay * by + az * bz
    q = dot // norm
    r = (dot - q * norm) * 32
    q2 = r // norm
    return q * 1024 + q2 * 32 + (r - q2 * norm) * 32 // norm


def _cos1024(deg):
    return int(math.cos(math.radians(deg)) * 1024)


class Posture:
    def __init__(self, s):
        margin = s["posture_margin_deg"]
        sit = s["sit_tilt_deg"]
        lie = s["lie_tilt_deg"]
        self._cos_sit_in = _cos1024(sit + margin)  # standing -> sitting beyond this tilt
        self._cos_sit_out = _cos1024(sit - margin)  # sitting -> standing within this tilt
        self._cos_lie_in = _cos1024(lie + margin)
        self._cos_lie_out = _cos1024(lie - margin)
        self._cos_low_in = _cos1024(s["sit_low_deg"] + margin)  # the same, after a sit-down transition
        self._cos_low_out = _cos1024(s["sit_low_deg"] - margin)
        self._cos_moved = _cos1024(5)
        self._hold = s["posture_hold_s"]
        self._still_mg = s["still_mg"]
        self._off_body_s = s["off_body_s"]
        self._learn_s = s["upright_learn_s"]
        u = s["upright_mg"]
        self.calibrated = u[0] != 0 or u[1] != 0 or u[2] != 0
        self._ux = u[0] * 1024 // 1000
        self._uy = u[1] * 1024 // 1000
        self._uz = u[2] * 1024 // 1000
        self._sx0 = self._ux  # the direction last saved
        self._sy0 = self._uy
        self._sz0 = self._uz
        self.dirty = False  # the upright direction changed and wants saving
        self._refine = s["upright_refine_shift"]
        self._learn_n = 0
        self._lx = 0  # the sum of the first walks, then the refining mean with `_refine` extra bits
        self._ly = 0
        self._lz = 0
        if self.calibrated:
            self._start_refining()
        self._still_n = 0
        self._sx = 0
        self._sy = 0
        self._sz = 0
        self.state = UNKNOWN
        self._cand = UNKNOWN
        self._cand_n = 0
        self._seat = UNKNOWN  # SITTING or STANDING as the last believed transition or walk left the wearer, LYING in bed
        self._tilts = array("h", [1024] * _BEFORE_S)  # cos of the tilt in the last seconds (a ring)
        self._tilt_at = 0
        self._tilting = False  # the trunk's tilt moved in the last second
        self._since_lying = _BEFORE_S  # seconds since the trunk was last near horizontal
        self._lying_n = 0  # seconds the trunk has been near horizontal (up to `_bed_s`)
        self._bed_s = s["lie_sit_s"]
        self._shift = 0  # the last transition, believed once the tilt agrees with it (within `_settle` s)
        self._shift_before = 1024
        self._shift_n = 0
        self._settle = s["shift_settle_s"]
        self._settled = 0  # still seconds out of bed (up to `_hold`)
        self._burst_mg = s["burst_mg"]

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def second(self, g, walking, motion_mg, shift=0):
        """Decide the state from this second's gravity `g` (1/1024 g), walking flag, motion and
        sit-down or stand-up transition (`shift`: sitstand.DOWN, UP or 0)."""
        gx = g[0]
        gy = g[1]
        gz = g[2]
        cos = cos1024(gx, gy, gz, self._ux, self._uy, self._uz) if self.calibrated else 1024
        if cos <= self._cos_lie_in:
            walking = False  # nobody walks lying down: that was rolling over in bed
            self._since_lying = 0
            if self._lying_n < self._bed_s:
                self._lying_n += 1
            else:
                self._seat = LYING  # getting up from bed passes through sitting
                self._settled = 0
        else:
            self._lying_n = 0
            if self._since_lying < _BEFORE_S:
                self._since_lying += 1
        at = self._tilt_at + 1
        if at == _BEFORE_S:
            at = 0
        before = self._tilts[at]  # the oldest in the ring
        d = cos - self._tilts[self._tilt_at]
        self._tilting = d > _TILTING or -d > _TILTING
        self._tilts[at] = cos
        self._tilt_at = at
        if walking:
            self._seat = STANDING
            self._shift_n = 0
            self._learn(gx, gy, gz)
            self._still_n = 0
            cand = WALKING
        else:
            if shift and self._since_lying >= _BEFORE_S:
                self._shift = shift
                self._shift_before = before
                self._shift_n = self._settle
            if self._shift_n:
                self._shift_n -= 1
                before = self._shift_before
                if self._shift < 0 and cos <= before:
                    self._seat = SITTING
                    self._shift_n = 0
                elif self._shift > 0 and cos >= before:
                    self._seat = STANDING
                    self._shift_n = 0
            if self._seat == LYING and cos > self._cos_lie_in:
                self._out_of_bed(motion_mg)
            self._track_still(gx, gy, gz, motion_mg)
            if self._still_n >= self._off_body_s:
                cand = OFF_BODY
            elif not self.calibrated:
                cand = UNKNOWN
            else:
                cand = self._tilt_state(cos)
        if cand == self.state:
            self._cand_n = 0
        elif cand == WALKING:
            # the step counter has already waited for a run of regular steps
            self.state = WALKING
            self._cand_n = 0
        else:
            if cand != self._cand:
                self._cand = cand
                self._cand_n = 0
            self._cand_n += 1
            if self._cand_n >= self._hold:
                self.state = cand
                self._cand_n = 0
        return self.state

    def changing(self):
        """True while the trunk is still turning or a new state is being confirmed (it must
        hold `posture_hold_s`): lying down, the tilt takes a few seconds to tell."""
        return self._tilting or self._cand_n > 0

    def still_s(self):
        """Seconds the clip has been still (under `still_mg`, gravity unmoved) while not walking."""
        return self._still_n

    def _tilt_state(self, cos):
        state = self.state
        lying = cos <= (self._cos_lie_out if state == LYING else self._cos_lie_in)
        if lying:
            return LYING
        if self._seat == LYING:
            return SITTING  # up from bed, until a stand-up or a walk
        if self._seat == SITTING:
            sitting = cos <= (self._cos_low_out if state == SITTING else self._cos_low_in)
        else:
            sitting = cos <= (self._cos_sit_out if state == SITTING or state == LYING else self._cos_sit_in)
        return SITTING if sitting else STANDING

    def _out_of_bed(self, motion_mg):
        # Up from bed the wearer sits, however upright. Once settled, a burst of
        # movement may have been a stand-up the transition detector missed:
        # from then on the tilt decides.
        if motion_mg <= self._still_mg:
            if self._settled < self._hold:
                self._settled += 1
        elif motion_mg >= self._burst_mg and self._settled >= self._hold:
            self._seat = UNKNOWN

    def _track_still(self, gx, gy, gz, motion_mg):
        if (motion_mg <= self._still_mg and abs(gx - self._sx) <= _STILL_AXIS
                and abs(gy - self._sy) <= _STILL_AXIS and abs(gz - self._sz) <= _STILL_AXIS):
            self._still_n += 1
        else:
            self._still_n = 0
            self._sx = gx
            self._sy = gy
            self._sz = gz

    def _learn(self, gx, gy, gz):
        if not self.calibrated:
            self._lx += gx
            self._ly += gy
            self._lz += gz
            self._learn_n += 1
            if self._learn_n >= self._learn_s:
                n = self._learn_n
                self._ux = self._lx // n
                self._uy = self._ly // n
                self._uz = self._lz // n
                self._start_refining()
                self.calibrated = True
                self.dirty = True
            return
        # keep refining: an exponential mean over walking seconds, which also
        # outgrows a calibration spoiled by a few seconds taken for walking.
        # The mean is kept with `_refine` extra bits, so small differences count.
        k = self._refine
        self._lx += gx - (self._lx >> k)
        self._ly += gy - (self._ly >> k)
        self._lz += gz - (self._lz >> k)
        self._ux = self._lx >> k
        self._uy = self._ly >> k
        self._uz = self._lz >> k
        self._check_moved()

    def _start_refining(self):
        k = self._refine
        self._lx = self._ux << k
        self._ly = self._uy << k
        self._lz = self._uz << k

    def _check_moved(self):
        if cos1024(self._sx0, self._sy0, self._sz0, self._ux, self._uy, self._uz) < self._cos_moved:
            self.dirty = True

    def upright_mg(self):
        """The learned upright direction in mg, for the settings file."""
        self._sx0 = self._ux
        self._sy0 = self._uy
        self._sz0 = self._uz
        self.dirty = False
        return (self._ux * 1000 // 1024, self._uy * 1000 // 1024, self._uz * 1000 // 1024)
