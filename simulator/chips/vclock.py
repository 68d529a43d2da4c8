# Virtual clock: time moves only when the firmware sleeps.
#
# Same interface as the board's clock (MicroPython's time module plus
# epoch), in whole microseconds so that both interpreters agree.


class VirtualClock:
    def __init__(self, start_epoch=-1):
        self.us = 0
        self.start_epoch = start_epoch  # local time at t=0, seconds since 1970; -1: not set

    def ticks_ms(self):
        return self.us // 1000

    def ticks_us(self):
        return self.us

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, b):
        return a + b

    def sleep_ms(self, ms):
        self.us += ms * 1000

    def epoch(self):
        if self.start_epoch < 0:
            return -1
        return self.start_epoch + self.us // 1000000
