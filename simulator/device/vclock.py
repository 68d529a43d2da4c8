# Virtual clock: time moves only when the firmware sleeps.
#
# Same interface as the board's clock (MicroPython's time module plus
# minute_of_day), in whole microseconds so that both interpreters agree.


class VirtualClock:
    def __init__(self, start_minute=-1):
        self.us = 0
        self._start_minute = start_minute  # wall clock at t=0, -1: not set

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

    def minute_of_day(self):
        if self._start_minute < 0:
            return -1
        return (self._start_minute + self.us // 60000000) % 1440
