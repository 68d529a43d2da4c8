"""The worn chip's wait gives up at once, saying why, on a chip that cannot finish its trace (no node needed)."""

import pytest

from simulator.pico import emulator, faults


class Chip:
    """Answers like emulator.Pico: no wait ever sees the stream finish; the stats of each look."""

    def __init__(self, looks):
        self.looks = iter(looks)

    def next_event(self, kind, timeout, where=None):
        return None

    def stats(self):
        return next(self.looks)

    def describe(self, st):
        return f"stream {st['stream']}"


def look(t_s, produced, samples=1000):
    return {"emulated_us": int(t_s * 1e6), "boots": 1, "idle_waits": 0,
            "stream": {"samples": samples, "produced": produced, "read": produced}}


def test_a_stopped_clock_is_given_up_at_once():
    chip = Chip([look(10, 500), look(10, 500)])
    with pytest.raises(emulator.PicoError, match="clock stopped at 10.0 s"):
        faults._wait_played(chip, 3600)


def test_a_played_trace_whose_fifo_is_not_drained_is_given_up_after_a_minute_of_its_time():
    seen = []
    chip = Chip([look(10, 800), look(20, 1000), look(50, 1000), look(81, 1000)])
    with pytest.raises(emulator.PicoError, match="not drained its FIFO"):
        faults._wait_played(chip, 3600, progress=seen.append)
    assert len(seen) == 3  # the looks before the last, each given to progress


def test_a_chip_that_keeps_going_is_waited_for():
    chip = Chip([look(t, min(1000, 100 * t)) for t in range(1, 8)] + [look(8, 1000), look(8, 1000)])
    with pytest.raises(emulator.PicoError, match="clock stopped at 8.0 s"):  # only when it stops, not before
        faults._wait_played(chip, 3600)
