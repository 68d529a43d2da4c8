# InvenSense MPU-6050 accelerometer driver, FIFO based.
#
# Register names and bits follow the MPU-6000/MPU-6050 Register Map and
# Descriptions, rev. 4.2. Only the accelerometer goes into the FIFO (the
# algorithms need no gyro); the gyro is put in standby, which saves about
# 3 mA. Samples are drained in bursts into a preallocated buffer and handed
# on as raw signed counts, x, y, z interleaved; `lsb_per_g` gives the scale.

import micropython
from micropython import const

from imu.fifo import FifoDriver

_SMPLRT_DIV = const(0x19)
_CONFIG = const(0x1A)
_ACCEL_CONFIG = const(0x1C)
_FIFO_EN = const(0x23)
_INT_STATUS = const(0x3A)
_USER_CTRL = const(0x6A)
_PWR_MGMT_1 = const(0x6B)
_PWR_MGMT_2 = const(0x6C)
_FIFO_COUNTH = const(0x72)
_FIFO_R_W = const(0x74)
_WHO_AM_I = const(0x75)

_ACCEL_FIFO_EN = const(0x08)
_USER_FIFO_EN = const(0x40)
_FIFO_RESET = const(0x04)
_DEVICE_RESET = const(0x80)
_STBY_XYZG = const(0x07)

_GYRO_RATE = const(1000)  # gyroscope output rate with the DLPF on, Hz

# DLPF_CFG by the largest accelerometer bandwidth (Hz) it gives.
DLPF = ((184, 1), (94, 2), (44, 3), (21, 4), (10, 5), (5, 6))


def output_rate(rate_hz):
    """The output data rate the chip can give nearest to `rate_hz` (at or above it)."""
    return _GYRO_RATE // (1 + _divider(rate_hz))


def _divider(rate_hz):
    div = _GYRO_RATE // rate_hz - 1
    return 0 if div < 0 else (255 if div > 255 else div)


def dlpf_for(table, rate_hz):
    """The filter setting whose bandwidth is the widest below half the output rate."""
    for bw, cfg in table:
        if 2 * bw <= rate_hz:
            return cfg
    return table[-1][1]


class MPU6050(FifoDriver):
    CHIP = "MPU-6050"
    WHO_AM_I_REG = _WHO_AM_I
    WHO_AM_I = 0x68
    FIFO_SIZE = 1024
    FIFO_SAMPLES = 1024 // 6
    rate_for = staticmethod(output_rate)

    def __init__(self, i2c, addr=0x68, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._div = _divider(rate_hz)
        self.rate_hz = output_rate(rate_hz)
        self._afs = (2, 4, 8, 16).index(range_g)
        self.lsb_per_g = 16384 >> self._afs
        self.init()

    def _filters(self):
        self._write_reg(_CONFIG, dlpf_for(DLPF, self.rate_hz))

    def init(self):
        """Check the chip, reset it and start filling the FIFO."""
        self._check_chip()
        self._write_reg(_PWR_MGMT_1, _DEVICE_RESET)
        self._wait(_PWR_MGMT_1, _DEVICE_RESET, 0, "come out of reset")
        self._write_reg(_PWR_MGMT_1, 0)  # awake, internal oscillator
        self._write_reg(_PWR_MGMT_2, _STBY_XYZG)
        self._filters()
        self._write_reg(_SMPLRT_DIV, self._div)
        self._write_reg(_ACCEL_CONFIG, self._afs << 3)
        self._write_reg(_FIFO_EN, _ACCEL_FIFO_EN)
        self.reset_fifo()

    def reset_fifo(self):
        self._write_reg(_USER_CTRL, _FIFO_RESET)
        self._write_reg(_USER_CTRL, _USER_FIFO_EN)

    @micropython.native  # its frame on the C stack: as bytecode, one this size is allocated on the heap per call
    def read(self, out):
        """Move up to max_batch samples from the FIFO into `out` (x, y, z counts).

        Returns how many samples were read. An overflowed FIFO has lost
        samples and its frame alignment: it is reset and counted.
        """
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_COUNTH, b2)
        count = (b2[0] << 8) | b2[1]
        frame = self.FRAME
        if count > self.FIFO_SIZE - frame:
            self._read_reg(_INT_STATUS)  # clears FIFO_OFLOW_INT
            self.reset_fifo()
            self.overflows += 1
            return 0
        n = count // frame
        if n > self.max_batch:
            n = self.max_batch
        if n == 0:
            return 0
        self.i2c.readfrom_mem_into(self.addr, _FIFO_R_W, self._views[n - 1])
        _decode(self._fifo, out, n, frame)
        return n


@micropython.viper
def _decode(fifo: ptr8, out: ptr16, n: int, frame: int):
    """The x, y, z counts of `n` frames of `fifo` into `out`: big-endian words, at the start of each
    frame (a longer frame carries the temperature after them). Viper, so that the loop over every
    sample runs as machine code."""
    j = 0
    k = 0
    end = n * frame
    while j < end:
        v = (fifo[j] << 8) | fifo[j + 1]
        out[k] = v - ((v & 0x8000) << 1)
        v = (fifo[j + 2] << 8) | fifo[j + 3]
        out[k + 1] = v - ((v & 0x8000) << 1)
        v = (fifo[j + 4] << 8) | fifo[j + 5]
        out[k + 2] = v - ((v & 0x8000) << 1)
        j += frame
        k += 3
