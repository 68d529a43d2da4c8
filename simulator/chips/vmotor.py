# Virtual vibration motor: records every switch with its time.


class VirtualMotor:
    def __init__(self, clock):
        self._clock = clock
        self._on = 0
        self.pulses = []  # [start_ms, duration_ms]

    def value(self, v):
        v = 1 if v else 0
        if v == self._on:
            return
        now = self._clock.ticks_ms()
        if v:
            self.pulses.append([now, 0])
        else:
            self.pulses[-1][1] = now - self.pulses[-1][0]
        self._on = v
