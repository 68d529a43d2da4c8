# What the FIFO drivers share: the error they raise, register access through
# preallocated buffers, one memoryview per burst length, naming the chip
# that answers when it is not the one the board description promised, and
# going on after a failed transfer.
#
# A NACK or a timeout costs the transfer it broke, not the FIFO: `recover`
# checks that the chip still answers as itself and still holds every
# register `init` wrote (read back), then lets the driver put its FIFO back
# on a frame boundary (`_resync`: a burst that broke off may have taken part
# of a frame). Only a chip that lost its configuration (a reset, a
# brown-out) is initialised again, and an overflowed FIFO is reset by
# `read`; the loop also re-initialises a chip that gave no samples for
# imu_stall_ms, answering or not (clip.py).

from micropython import const

_MAX_POLLS = const(1000)
_SPAN = const(8)  # configuration registers this close together are read back in one transfer

# WHO_AM_I register -> {value: chip}, for every family this firmware knows.
KNOWN = (
    (0x75, {0x68: "MPU-6050", 0x70: "MPU-6500", 0x19: "MPU-6886", 0x71: "MPU-9250"}),
    (0x0F, {0x6C: "LSM6DSOX", 0x69: "LSM6DS3", 0x6A: "LSM6DSL", 0x6B: "LSM6DSR"}),
    (0x00, {0x05: "QMI8658", 0xD1: "BMI160", 0x24: "BMI270"}),
)


class IMUError(OSError):
    pass


def identify(i2c, addr):
    """What answers at `addr`, found by each family's WHO_AM_I register, as words for an error."""
    b = bytearray(1)
    for reg, chips in KNOWN:
        try:
            i2c.readfrom_mem_into(addr, reg, b)
        except OSError:
            return "no chip answering"
        if b[0] in chips:
            return "%s (WHO_AM_I 0x%02x)" % (chips[b[0]], b[0])
    return "an unknown chip"


class FifoDriver:
    CHIP = "?"
    WHO_AM_I_REG = 0
    WHO_AM_I = 0
    FRAME = 6  # FIFO bytes per accelerometer sample
    FIFO_SAMPLES = 0  # accelerometer samples the FIFO holds
    RATES = ()  # the output data rates the chip offers, ascending, Hz
    LOW_POWER_CYCLE = False  # low_power(), moved(), full_rate(): a cycle that samples alone and raises INT on motion
    DATA_REG = 0  # the first of the accelerometer's data registers (x, y, z words: the last sample), for accel_into
    DATA_BIG_ENDIAN = False

    @classmethod
    def rate_for(cls, rate_hz):
        """The output data rate the chip gives for `rate_hz`: the first at or above it (the last if none)."""
        return cls.RATES[at_or_above(cls.RATES, rate_hz)]

    def __init__(self, i2c, addr, max_batch):
        self.i2c = i2c
        self.addr = addr
        self.max_batch = max_batch
        self.overflows = 0
        self.wake_ms = 0  # ms between the FIFO watermark interrupts that wake the MCU (0: none, the loop polls)
        self.resyncs = 0  # times the FIFO was put back on a frame boundary after a broken burst
        self._config = []  # (register, value) as init left them: what recover reads back
        self._b1 = bytearray(1)
        self._b2 = bytearray(2)
        self._b6 = bytearray(6)
        span = memoryview(bytearray(_SPAN))
        self._span = [span[:k] for k in range(1, _SPAN + 1)]
        self._fifo = bytearray(self.FRAME * max_batch)
        mv = memoryview(self._fifo)
        # One view per burst length, made once: a read allocates nothing.
        self._views = [mv[: self.FRAME * k] for k in range(1, max_batch + 1)]

    def wake_on_watermark(self, samples):
        """Raise the chip's interrupt line while its FIFO holds `samples` or more; ms between wakes.

        0 where the chip has no FIFO watermark interrupt (the MPU-6050 and
        MPU-6500 have data-ready, FIFO overflow and motion only): the loop polls."""
        return 0

    def accel_into(self, g):
        """The last sample taken (in the low-power cycle too), from the data registers, into `g`: 1/1024 g per axis."""
        b = self._b6
        self.i2c.readfrom_mem_into(self.addr, self.DATA_REG, b)
        big = self.DATA_BIG_ENDIAN
        i = 0
        while i < 6:
            v = (b[i] << 8) | b[i + 1] if big else b[i] | (b[i + 1] << 8)
            g[i >> 1] = (v - 65536 if v & 0x8000 else v) * 1024 // self.lsb_per_g
            i += 2

    def fifo_ms(self):
        """How long the FIFO takes to fill at the output data rate, ms."""
        return self.FIFO_SAMPLES * 1000 // self.rate_hz

    def _read_reg(self, reg):
        self.i2c.readfrom_mem_into(self.addr, reg, self._b1)
        return self._b1[0]

    def _write_reg(self, reg, value):
        self._b1[0] = value
        self.i2c.writeto_mem(self.addr, reg, self._b1)

    def _set(self, reg, value):
        """Write a configuration register; recover reads it back."""
        self._write_reg(reg, value)
        self._config.append((reg, value))

    def _configured(self):
        """Whether every configuration register still reads what init wrote (nearby ones in one read:
        the fewer transfers, the likelier the check gets through a noisy bus)."""
        cfg = self._config
        i = 0
        while i < len(cfg):
            start = cfg[i][0]
            j = i + 1
            while j < len(cfg) and cfg[j][0] - start < _SPAN:
                j += 1
            buf = self._span[cfg[j - 1][0] - start]
            self.i2c.readfrom_mem_into(self.addr, start, buf)
            while i < j:
                if buf[cfg[i][0] - start] != cfg[i][1]:
                    return False
                i += 1
        return True

    def _verify(self):
        """End of init: the chip took every write (a write lost on a glitchy bus shows here)."""
        if not self._configured():
            raise IMUError("%s did not keep its configuration" % self.CHIP)

    def init(self):
        """Check the chip, reset and configure it, check it kept the configuration, empty the FIFO."""
        self._check_chip()
        self._config = []
        self._setup()
        self._config.sort()
        self._verify()
        self.reset_fifo()

    def recover(self):
        """Go on after a failed transfer. True when the chip had to be initialised again.

        A chip that answers as itself with its configuration intact keeps its
        FIFO, put back on a frame boundary; one that lost its configuration
        is initialised. A chip that does not answer raises, to be tried again.
        """
        self._check_chip()
        self._resync()
        if not self._configured():
            self.init()
            return True
        return False

    def _resync(self):
        """Put the FIFO back on a frame boundary after a burst that may have broken off.

        Nothing to do where the chip hands out whole frames only (the default)."""

    def _check_chip(self):
        if self._read_reg(self.WHO_AM_I_REG) != self.WHO_AM_I:
            raise IMUError("expected %s (WHO_AM_I 0x%02x) at 0x%02x, found %s"
                           % (self.CHIP, self.WHO_AM_I, self.addr, identify(self.i2c, self.addr)))

    def _wait(self, reg, mask, value, what):
        """Poll `reg` until its `mask` bits read `value`; a chip busy resetting may NACK meanwhile."""
        tries = _MAX_POLLS
        while True:
            try:
                if self._read_reg(reg) & mask == value:
                    return
            except OSError:
                pass
            tries -= 1
            if not tries:
                raise IMUError("%s did not %s" % (self.CHIP, what))


def register_byte(v):
    """`v` held to 1..255: a motion threshold register's value (0 would take every sample for motion)."""
    return 1 if v < 1 else (255 if v > 255 else v)


def at_or_above(rates, rate_hz):
    """Index of the first of the ascending `rates` at or above `rate_hz` (the last if none)."""
    i = 0
    while i < len(rates) - 1 and rates[i] < rate_hz:
        i += 1
    return i
