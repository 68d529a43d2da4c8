# Virtual clock: time moves only when the firmware sleeps.
#
# Same interface as the board's clock (MicroPython's time module plus
# epoch), in whole microseconds so that both interpreters agree.


class VirtualClock:
    def __init__(self, start_epoch=-1):
        self.us = 0
        self.start_epoch = start_epoch  # local time at t=0, seconds since 1970; -1: not set
        self._line = None
        self._woke_us = -1  # when the last sleep ended
        self.line_held = 0  # sleeps a held INT pin did not cut short

    def watch(self, chip, rate_hz):
        """Sleeps end when `chip`'s INT pin rises (int_pin()), as its edge wakes a board's MCU, while the chip
        has an interrupt enabled (int_armed()); it is looked at each `rate_hz` sample time, when it may rise."""
        self._line = chip
        self._rate = rate_hz

    def ticks_ms(self):
        return self.us // 1000

    def ticks_us(self):
        return self.us

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, b):
        return a + b

    def sleep_ms(self, ms):
        """Sleep `ms`, or until the INT pin rises; at once if it is high and may have risen since the last
        sleep ended (time passed in the pass: a retry, a late bus). A pin high with no time passed since the
        last sleep ended is one the pass did not lower: held (shorted, or a latch nothing clears), as the
        board's clock (firmware/hardware.py) tells by its edges; the sleep lasts its time, counted."""
        end = self.us + ms * 1000
        line = self._line
        if line is None or not line.int_armed():
            self.us = end
            return
        if line.int_pin():
            if self.us != self._woke_us:
                self._woke_us = self.us
                return
            self.line_held += 1
            self.us = end
        rate = self._rate
        while not line.int_pin() and self.us < end:
            t = -(-(self.us * rate // 1000000 + 1) * 1000000 // rate)  # the next sample's time
            self.us = t if t < end else end
        self._woke_us = self.us

    def epoch(self):
        if self.start_epoch < 0:
            return -1
        return self.start_epoch + self.us // 1000000
