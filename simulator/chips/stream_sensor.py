# What the register-level IMU models share: sampling a trace stream in
# virtual time, quantising it to the chip's counts, and a FIFO of bytes.
#
# The stream is int32 frames, ax ay az in 1/262144 g and gx gy gz in
# 1/2096 deg/s (16 times the finest resolution of each chip modelled),
# already at the output data rate; models quantise them to the configured
# range. Sample k appears at (k + 1) / rate on the virtual clock. A model
# subclass says when it is awake, what rate it is set to, what one sample
# does to its registers and FIFO (`_sample`), and what a register read
# (`read`) and write (`_write_reg`) do.

from array import array

_CHUNK = 512  # frames read from the stream at a time
_EXTRA_BITS = 4  # the stream is 16 times finer than the finest LSB, so rounding happens once


def counts(value, fs_sel):
    """A stream value as the chip's counts at full-scale index `fs_sel` (0: finest): rounded, saturating."""
    shift = fs_sel + _EXTRA_BITS
    c = (value + (1 << (shift - 1))) >> shift
    if c > 32767:
        return 32767
    if c < -32768:
        return -32768
    return c


class ByteFifo:
    """A chip's FIFO: a ring of bytes; what to do when full is the model's business."""

    def __init__(self, size):
        self.size = size
        self._buf = bytearray(size)
        self.clear()

    def clear(self):
        self._r = 0
        self.count = 0

    def peek(self, i):
        """Byte `i` from the oldest, left in the FIFO."""
        return self._buf[(self._r + i) % self.size]

    def drop(self, n):
        """Forget the `n` oldest bytes."""
        self._r = (self._r + n) % self.size
        self.count -= n

    def put(self, b):
        self._buf[(self._r + self.count) % self.size] = b & 0xFF
        self.count += 1

    def put2(self, a, b):
        """put(a), then put(b): a word in one call (most of a model's time goes to its FIFO bytes)."""
        size = self.size
        w = (self._r + self.count) % size
        self._buf[w] = a & 0xFF
        self._buf[w + 1 if w + 1 < size else 0] = b & 0xFF
        self.count += 2

    def take_into(self, buf, start, n):
        """Move up to `n` bytes into buf[start:]; how many there were."""
        take = n if n <= self.count else self.count
        src = self._buf
        r = self._r
        end = start + take
        i = start
        while i < end:  # up to the end of the ring, then from its start
            stop = i + self.size - r if i + self.size - r < end else end
            while i < stop:
                buf[i] = src[r]
                r += 1
                i += 1
            if r == self.size:
                r = 0
        self._r = r
        self.count -= take
        return take


class StreamSensor:
    NAME = "?"
    MODE_REGS = ()  # the registers whose writes may change the power mode or rate (the ledger looks then)

    def __init__(self, clock, stream_path, stream_rate_hz):
        self._clock = clock
        self._stream = open(stream_path, "rb")
        self.stream_rate_hz = stream_rate_hz
        self._chunk = array("i", bytes(4 * 6 * _CHUNK))
        self._chunk_n = 0  # frames in the chunk
        self._chunk_i = 0  # next frame in the chunk
        self.exhausted = False  # every frame of the stream has been sampled
        self.produced = 0  # samples the sensor has taken since power-on
        self.regs = bytearray(128)  # the register file, by address
        self.ledger = {}  # the chip's mode (see mode()) -> microseconds spent in it
        self._ledger_mode = None  # the mode now, named again after every register write
        self._since_us = 0

    def _clear_regs(self):
        """Every register to 0, as a reset begins (the model then sets those reset to other values)."""
        regs = self.regs
        for i in range(len(regs)):
            regs[i] = 0
        return regs

    def close(self):
        self._stream.close()

    # what a chip model provides
    def awake(self):
        raise NotImplementedError

    def output_rate(self):
        raise NotImplementedError

    def _sample(self, chunk, f):
        """Take stream frame chunk[f:f + 6] as the chip's next sample."""
        raise NotImplementedError

    def fifo_count(self):
        raise NotImplementedError

    def mode(self):
        """The power mode and output rate, as the ledger names it."""
        return "normal %d Hz" % self.output_rate() if self.awake() else "sleep"

    def cycle_mhz(self):
        """Where the chip wakes on its own to take single samples (a low-power cycle): that rate, mHz; else 0."""
        return 0

    def _account(self, now_us):
        """Charge the time since the last mode change to the mode the chip was in (only on a register write
        and when asked: a read allocates nothing, on MicroPython too)."""
        if self._ledger_mode is None:
            self._ledger_mode = self.mode()
            self._since_us = now_us
        self.ledger[self._ledger_mode] = self.ledger.get(self._ledger_mode, 0) + now_us - self._since_us
        self._since_us = now_us

    def ledger_s(self):
        """Seconds in each mode so far."""
        self._account(self._clock.ticks_us())
        return {k: v / 1e6 for k, v in self.ledger.items()}

    def _write_reg(self, reg, value):
        """What writing `value` to register `reg` does."""
        raise NotImplementedError

    def write(self, reg, buf):
        """The bus side of a write: the bytes go to consecutive registers."""
        i = 0
        while i < len(buf):
            self._write_reg(reg + i, buf[i])
            i += 1
        if reg in self.MODE_REGS or self._ledger_mode is None:
            self._advance()
            self._account(self._clock.ticks_us())
            self._ledger_mode = self.mode()

    def _next_frame(self):
        """Index of the next stream frame in the chunk, or -1 at the end."""
        if self._chunk_i >= self._chunk_n:
            n = self._stream.readinto(self._chunk)
            self._chunk_n = (n or 0) // 24
            self._chunk_i = 0
            if self._chunk_n == 0:
                self.exhausted = True
                return -1
        i = self._chunk_i
        self._chunk_i = i + 1
        return i * 6

    def _advance(self):
        """Sample the trace up to now; asleep, the chip lets the world go by unseen."""
        due = self._clock.ticks_us() * self.stream_rate_hz // 1000000
        if due <= self.produced or self.exhausted:
            return
        awake = self.awake()
        cycle = self.cycle_mhz() if awake else 0
        if awake and not cycle and self.output_rate() != self.stream_rate_hz:
            raise ValueError("trace prepared at %d Hz, %s set to %d Hz"
                             % (self.stream_rate_hz, self.NAME, self.output_rate()))
        per = self.stream_rate_hz * 1000
        chunk = self._chunk
        while self.produced < due:
            f = self._next_frame()
            if f < 0:
                return
            p = self.produced
            self.produced = p + 1
            # in a low-power cycle the chip wakes for one sample at its own rate: the frame nearest each wake
            if awake and (not cycle or (p + 1) * cycle // per > p * cycle // per):
                self._sample(chunk, f)

    def finished(self):
        """True once the whole trace has been sampled and the FIFO drained."""
        self._advance()
        return self.exhausted and self.fifo_count() == 0
