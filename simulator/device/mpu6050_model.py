# Register-level model of the InvenSense MPU-6050, fed from a trace.
#
# Follows the Register Map rev. 4.2 for what a driver touches: WHO_AM_I,
# PWR_MGMT_1 (DEVICE_RESET, SLEEP), PWR_MGMT_2 standby bits, SMPLRT_DIV and
# CONFIG (output data rate), ACCEL_CONFIG and GYRO_CONFIG (full scale),
# FIFO_EN, USER_CTRL (FIFO_EN, FIFO_RESET), INT_STATUS (FIFO_OFLOW_INT,
# cleared on read), FIFO_COUNTH/L, FIFO_R_W and the sensor data registers.
# Registers hold big-endian words; the FIFO is 1024 bytes and, once full,
# drops its oldest bytes, losing frame alignment as the chip does.
#
# The trace comes as a stream of int32 frames, ax ay az in 1/262144 g and
# gx gy gz in 1/2096 deg/s (16 times the finest resolution of each), already
# at the output data rate; the model quantises them to the configured range.
# Time comes from the virtual clock: sample k appears at (k + 1) / rate.

from array import array

SMPLRT_DIV = 0x19
CONFIG = 0x1A
GYRO_CONFIG = 0x1B
ACCEL_CONFIG = 0x1C
FIFO_EN = 0x23
INT_STATUS = 0x3A
ACCEL_XOUT_H = 0x3B
USER_CTRL = 0x6A
PWR_MGMT_1 = 0x6B
PWR_MGMT_2 = 0x6C
FIFO_COUNTH = 0x72
FIFO_COUNTL = 0x73
FIFO_R_W = 0x74
WHO_AM_I = 0x75

FIFO_SIZE = 1024
_FIFO_OFLOW_INT = 0x10
_DATA_RDY_INT = 0x01
_TEMP_25C = -3920  # TEMP_OUT at 25 degC: (25 - 36.53) * 340
_CHUNK = 512  # frames read from the stream at a time
_EXTRA_BITS = 4  # the stream is 16 times finer than the finest LSB, so rounding happens once


class MPU6050Model:
    WHO_AM_I_VALUE = 0x68

    def __init__(self, clock, stream_path, stream_rate_hz):
        self._clock = clock
        self._stream = open(stream_path, "rb")
        self.stream_rate_hz = stream_rate_hz
        self._chunk = array("i", bytes(4 * 6 * _CHUNK))
        self._chunk_n = 0  # frames in the chunk
        self._chunk_i = 0  # next frame in the chunk
        self.exhausted = False  # every frame of the stream has been sampled
        self.produced = 0  # samples the sensor has taken since power-on
        self._last = array("h", bytes(14))  # data registers, as counts
        self._fifo = bytearray(FIFO_SIZE)
        self.regs = bytearray(128)
        self._reset()

    def _reset(self):
        regs = self.regs
        for i in range(len(regs)):
            regs[i] = 0
        regs[PWR_MGMT_1] = 0x40  # SLEEP
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        self._clear_fifo()

    def _clear_fifo(self):
        self._r = 0
        self._count = 0

    def close(self):
        self._stream.close()

    # -- time and sampling -------------------------------------------------

    def output_rate(self):
        dlpf = self.regs[CONFIG] & 7
        gyro_rate = 8000 if dlpf == 0 or dlpf == 7 else 1000
        return gyro_rate // (1 + self.regs[SMPLRT_DIV])

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
        regs = self.regs
        due = self._clock.ticks_us() * self.stream_rate_hz // 1000000
        if due <= self.produced or self.exhausted:
            return
        awake = not regs[PWR_MGMT_1] & 0x40
        if awake and self.output_rate() != self.stream_rate_hz:
            raise ValueError("trace prepared at %d Hz, MPU-6050 set to %d Hz"
                             % (self.stream_rate_hz, self.output_rate()))
        fifo_en = regs[FIFO_EN] if regs[USER_CTRL] & 0x40 else 0
        afs = (regs[ACCEL_CONFIG] >> 3) & 3
        fs = (regs[GYRO_CONFIG] >> 3) & 3
        stby = regs[PWR_MGMT_2]
        last = self._last
        chunk = self._chunk
        while self.produced < due:
            f = self._next_frame()
            if f < 0:
                return
            self.produced += 1
            if not awake:
                continue
            # ACCEL_XOUT..ZOUT, TEMP_OUT, GYRO_XOUT..ZOUT in register order
            last[0] = 0 if stby & 0x20 else counts(chunk[f], afs)
            last[1] = 0 if stby & 0x10 else counts(chunk[f + 1], afs)
            last[2] = 0 if stby & 0x08 else counts(chunk[f + 2], afs)
            last[3] = _TEMP_25C
            last[4] = 0 if stby & 0x04 else counts(chunk[f + 3], fs)
            last[5] = 0 if stby & 0x02 else counts(chunk[f + 4], fs)
            last[6] = 0 if stby & 0x01 else counts(chunk[f + 5], fs)
            regs[INT_STATUS] |= _DATA_RDY_INT
            if fifo_en & 0x08:
                self._push(last[0])
                self._push(last[1])
                self._push(last[2])
            if fifo_en & 0x80:
                self._push(last[3])
            if fifo_en & 0x40:
                self._push(last[4])
            if fifo_en & 0x20:
                self._push(last[5])
            if fifo_en & 0x10:
                self._push(last[6])

    def _push(self, word):
        fifo = self._fifo
        if self._count > FIFO_SIZE - 2:
            # full: the oldest bytes are overwritten
            drop = self._count - (FIFO_SIZE - 2)
            self._r = (self._r + drop) % FIFO_SIZE
            self._count -= drop
            self.regs[INT_STATUS] |= _FIFO_OFLOW_INT
        w = (self._r + self._count) % FIFO_SIZE
        fifo[w] = (word >> 8) & 0xFF
        fifo[(w + 1) % FIFO_SIZE] = word & 0xFF
        self._count += 2

    def finished(self):
        """True once the whole trace has been sampled and the FIFO drained."""
        self._advance()
        return self.exhausted and self._count == 0

    # -- the bus side --------------------------------------------------------

    def read(self, reg, buf):
        self._advance()
        regs = self.regs
        n = len(buf)
        if reg == FIFO_R_W:
            fifo = self._fifo
            r = self._r
            take = n if n <= self._count else self._count
            i = 0
            while i < take:
                buf[i] = fifo[r]
                r = (r + 1) % FIFO_SIZE
                i += 1
            while i < n:
                buf[i] = 0xFF  # reading an empty FIFO
                i += 1
            self._r = r
            self._count -= take
            return
        i = 0
        while i < n:
            a = reg + i
            if FIFO_COUNTH <= a <= FIFO_COUNTL:
                buf[i] = self._count >> 8 if a == FIFO_COUNTH else self._count & 0xFF
            elif ACCEL_XOUT_H <= a < ACCEL_XOUT_H + 14:
                word = self._last[(a - ACCEL_XOUT_H) >> 1]
                buf[i] = (word >> 8) & 0xFF if not (a - ACCEL_XOUT_H) & 1 else word & 0xFF
            else:
                buf[i] = regs[a & 0x7F]
            i += 1
        if reg <= INT_STATUS < reg + n:
            regs[INT_STATUS] = 0

    def write(self, reg, buf):
        i = 0
        while i < len(buf):
            self._write_reg(reg + i, buf[i])
            i += 1

    def _write_reg(self, reg, value):
        self._advance()
        if reg == PWR_MGMT_1 and value & 0x80:
            self._reset()  # DEVICE_RESET: all registers to defaults; the bit clears itself
            return
        if reg == USER_CTRL and value & 0x04:
            self._clear_fifo()  # FIFO_RESET clears itself
            value &= ~0x04
        if reg in (WHO_AM_I, INT_STATUS, FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W):
            return  # read-only, or writes to the FIFO that no driver makes
        self.regs[reg] = value


def counts(value, fs_sel):
    """A stream value as the chip's counts at full-scale setting `fs_sel`: rounded, saturating."""
    shift = fs_sel + _EXTRA_BITS
    c = (value + (1 << (shift - 1))) >> shift
    if c > 32767:
        return 32767
    if c < -32768:
        return -32768
    return c
