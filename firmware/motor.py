# Vibration patterns that never block the sample loop.
#
# A pattern is a tuple of durations in ms: on, off, on, ... (a nudge's and
# the step goal's are settings). The loop calls `update()` each time round
# and sleeps no longer than it returns. Each change is timed from the
# scheduled time of the previous one, so a late loop does not stretch the
# pattern. A new pattern started while one plays replaces it.


class Vibrator:
    def __init__(self, pin, clock):
        self._pin = pin
        self._clock = clock
        self._pattern = ()
        self._i = -1
        self._t = 0
        pin.value(0)

    def start(self, pattern):
        self._pattern = pattern
        self._i = 0
        self._t = self._clock.ticks_ms()
        self._pin.value(1)

    def playing(self):
        return self._i >= 0

    def update(self):
        """Advance the pattern; ms until the next change, or -1 when idle."""
        clock = self._clock
        pattern = self._pattern
        now = clock.ticks_ms()
        while self._i >= 0:
            left = pattern[self._i] - clock.ticks_diff(now, self._t)
            if left > 0:
                return left
            self._t = clock.ticks_add(self._t, pattern[self._i])
            self._i += 1
            if self._i >= len(pattern):
                self._i = -1
                self._pin.value(0)
            else:
                self._pin.value(1 - (self._i & 1))
        return -1
