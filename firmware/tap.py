# Double tap on the clip: pure logic, integer math, no allocation per sample.
#
# A knock on the case is a jolt of a few g lasting a few ms: between two
# samples the acceleration jumps on some axis by more than `tap_mg`. One
# knock may span a couple of samples; a double tap is two knocks
# `tap_gap_min_ms`..`tap_gap_max_ms` apart with quiet for `tap_quiet_ms`
# before the first and after the second, so that footsteps, bumps and
# rattles (which come in longer runs) are not taken for one.


class TapDetector:
    def __init__(self, rate_hz, lsb_per_g, s):
        self._jump = s["tap_mg"] * lsb_per_g // 1000
        self._knock = rate_hz * 40 // 1000 + 1  # samples one knock may last
        self._gap_min = rate_hz * s["tap_gap_min_ms"] // 1000
        self._gap_max = rate_hz * s["tap_gap_max_ms"] // 1000
        self._quiet = rate_hz * s["tap_quiet_ms"] // 1000
        self._px = 0
        self._py = 0
        self._pz = 0
        self._since = 0  # samples since the last jump (saturates at `_quiet` + `_gap_max`)
        self._limit = self._quiet + self._gap_max
        self._taps = 0  # knocks so far in the current candidate

    def pending(self):
        """True from a first knock until it has turned out to be a double tap or not."""
        return self._taps > 0

    def update(self, x, y, z):
        """Feed one sample; True once a double tap is complete."""
        dx = x - self._px
        dy = y - self._py
        dz = z - self._pz
        self._px = x
        self._py = y
        self._pz = z
        jump = self._jump
        since = self._since
        if dx > jump or -dx > jump or dy > jump or -dy > jump or dz > jump or -dz > jump:
            if since > self._knock:  # a new knock, not the tail of the last one
                taps = self._taps
                if taps == 1 and self._gap_min <= since <= self._gap_max:
                    self._taps = 2
                elif since >= self._quiet:
                    self._taps = 1
                else:
                    self._taps = 0
            self._since = 0
            return False
        if since < self._limit:
            since += 1
            self._since = since
        if self._taps == 2 and since == self._quiet:
            self._taps = 0
            return True
        if self._taps == 1 and since > self._gap_max:
            self._taps = 0
        return False
