"""What the tests of an IMU modelled twice share (tests/test_*_models.py): its Python model (simulator/chips/,
the unix port's and CPython's) and the emulated Pico's (simulator/pico/*.mjs) fed the same trace and the same
register transfers at the same times, their answers compared read by read."""

from simulator import replay, trace as tracemod, tracegen
from simulator.pico import chip_bus, emulator


class ModelPair:
    """Both models of `chip` as board `board_name` carries it, at full-scale index `range_index`, playing a
    minute and a half of walking and sitting; `work`: a folder for the stream and the scripts."""

    def __init__(self, chip, board_name, range_index, work):
        g = tracegen.generate([("walk", 45), ("sit", 45)], rate_hz=50, seed=3)
        job = replay.prepare(tracemod.Trace("<generated>", g.t, g.acc, g.gyro), work, board_name=board_name)
        self.chip, self.range_index, self.work = chip, range_index, work
        self.rate_hz = job["stream_rate_hz"]
        self.stream = job["stream"]
        self.fifo = work / "fifo.bin"
        self.fifo.write_bytes(emulator.fifo_bytes(self.stream, range_index, chip))

    def answers(self, ops):
        """Both models' answers to `ops` ([t_us, "w" | "r" | "p", reg, value or n]), alike read by read (asserted);
        the answers and the ops that were answered."""
        py = chip_bus.python_answers(self.chip, self.stream, self.rate_hz, ops)
        js = chip_bus.js_answers(self.chip, self.fifo, self.rate_hz, self.range_index, ops, self.work)
        asked = [op for op in ops if op[1] != "w"]
        assert len(py) == len(js) == len(asked)
        for op, a, b in zip(asked, py, js):
            assert a == b, f"at {op[0]} us, {op[1]} {op[3]} bytes from 0x{op[2]:02x}"
        return py, asked
