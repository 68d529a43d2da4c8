# Virtual clock: time moves only when the firmware sleeps.
#
# Same interface as the board's clock (MicroPython's time module plus
# epoch), in whole microseconds so that both interpreters agree.


class VirtualClock:
    def __init__(self, start_epoch=-1):
        self.us = 0
        self.start_epoch = start_epoch  # local time at t=0, seconds since 1970; -1: not set
        self._line = None

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
        end = self.us + ms * 1000
        line = self._line
        if line is None or not line.int_armed():
            self.us = end
            return
        rate = self._rate
        while not line.int_pin() and self.us < end:
            t = -(-(self.us * rate // 1000000 + 1) * 1000000 // rate)  # the next sample's time
            self.us = t if t < end else end

    def epoch(self):
        if self.start_epoch < 0:
            return -1
        return self.start_epoch + self.us // 1000000
