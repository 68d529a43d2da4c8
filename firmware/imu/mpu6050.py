# InvenSense MPU-6050 accelerometer driver, FIFO based.
#
# Register names and bits follow the MPU-6000/MPU-6050 Register Map and
# Descriptions (RM-MPU-6000A-00 rev. 4.2); imu/README.md gives the source
# of each. Only the accelerometer goes into the FIFO (the algorithms need
# no gyro); the gyro is put in standby, which saves about 3 mA. Samples are
# drained in bursts into a preallocated buffer and handed on as raw signed
# counts, x, y, z interleaved; `lsb_per_g` gives the scale.

import micropython
from micropython import const

from imu.fifo import FifoDriver, IMUError, at_or_above, register_byte

_SMPLRT_DIV = const(0x19)  # SMPLRT_DIV: sample rate = gyroscope output rate / (1 + SMPLRT_DIV)
_CONFIG = const(0x1A)  # CONFIG: DLPF_CFG[2:0]
_ACCEL_CONFIG = const(0x1C)  # ACCEL_CONFIG: AFS_SEL[4:3]
_MOT_THR = const(0x1F)  # MOT_THR: motion threshold, 2 mg per LSB
_MOT_DUR = const(0x20)  # MOT_DUR: motion duration, 1 ms per LSB
_FIFO_EN = const(0x23)  # FIFO_EN
_INT_PIN_CFG = const(0x37)  # INT_PIN_CFG: INT_LEVEL 7, INT_OPEN 6, LATCH_INT_EN 5, INT_RD_CLEAR 4
_INT_ENABLE = const(0x38)  # INT_ENABLE: MOT_EN 6, FIFO_OFLOW_EN 4, DATA_RDY_EN 0
_INT_STATUS = const(0x3A)  # INT_STATUS, cleared when read
_USER_CTRL = const(0x6A)  # USER_CTRL
_PWR_MGMT_1 = const(0x6B)  # PWR_MGMT_1: DEVICE_RESET, SLEEP, CLKSEL[2:0]
_PWR_MGMT_2 = const(0x6C)  # PWR_MGMT_2: STBY_XA .. STBY_ZG
_FIFO_COUNTH = const(0x72)  # FIFO_COUNT_H, FIFO_COUNT_L: bytes in the FIFO (read high first)
_FIFO_R_W = const(0x74)  # FIFO_R_W: each byte read leaves the FIFO
_WHO_AM_I = const(0x75)  # WHO_AM_I
_ACCEL_XOUT_H = const(0x3B)  # ACCEL_XOUT_H .. ACCEL_ZOUT_L: the last sample, big-endian

_ACCEL_FIFO_EN = const(0x08)  # FIFO_EN.ACCEL_FIFO_EN
_USER_FIFO_EN = const(0x40)  # USER_CTRL.FIFO_EN
_FIFO_RESET = const(0x04)  # USER_CTRL.FIFO_RESET, given while USER_CTRL.FIFO_EN is 0
_DEVICE_RESET = const(0x80)  # PWR_MGMT_1.DEVICE_RESET, clears itself
_STBY_XYZG = const(0x07)  # PWR_MGMT_2.STBY_XG | STBY_YG | STBY_ZG
_FIFO_OFLOW_INT = const(0x10)  # INT_STATUS.FIFO_OFLOW_INT
_MOT = const(0x40)  # INT_ENABLE.MOT_EN, INT_STATUS.MOT_INT
_LATCH_INT_EN = const(0x20)  # INT_PIN_CFG: INT held high until INT_STATUS is read
_CYCLE_ACCEL_ONLY = const(0x28)  # PWR_MGMT_1: CYCLE, TEMP_DIS, SLEEP 0
LP_WAKE_HZ = (1, 5, 20, 40)  # PWR_MGMT_2.LP_WAKE_CTRL 0..3 (the first is 1.25 Hz)

_GYRO_RATE = const(1000)  # gyroscope output rate with the DLPF on (DLPF_CFG 1..6), Hz

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
    LOW_POWER_CYCLE = True
    DATA_REG = _ACCEL_XOUT_H
    DATA_BIG_ENDIAN = True
    rate_for = staticmethod(output_rate)

    def __init__(self, i2c, addr=0x68, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._div = _divider(rate_hz)
        self.rate_hz = output_rate(rate_hz)
        self._afs = (2, 4, 8, 16).index(range_g)
        self.lsb_per_g = 16384 >> self._afs
        self.init()

    def _filters(self):
        self._set(_CONFIG, dlpf_for(DLPF, self.rate_hz))

    def _setup(self):
        self._write_reg(_PWR_MGMT_1, _DEVICE_RESET)
        self._wait(_PWR_MGMT_1, _DEVICE_RESET, 0, "come out of reset")
        self._set(_PWR_MGMT_1, 0)  # awake (SLEEP 0), internal oscillator (CLKSEL 0)
        self._set(_PWR_MGMT_2, _STBY_XYZG)
        self._filters()
        self._set(_SMPLRT_DIV, self._div)
        self._set(_ACCEL_CONFIG, self._afs << 3)
        self._set(_FIFO_EN, _ACCEL_FIFO_EN)
        self._set(_USER_CTRL, _USER_FIFO_EN)

    def low_power(self, wake_hz, motion_mg, motion_ms):
        """While the wearer is still: the low-power accelerometer cycle (product specification 4.6) at the
        LP_WAKE_CTRL rate at or above `wake_hz`, with the motion interrupt (over `motion_mg` for `motion_ms`)
        held on INT until INT_STATUS is read. The FIFO stops, emptied; full_rate() starts it again. Hz set."""
        code = at_or_above(LP_WAKE_HZ, wake_hz)
        self._write_reg(_MOT_THR, register_byte(motion_mg // 2))
        self._write_reg(_MOT_DUR, motion_ms)
        self._write_reg(_INT_PIN_CFG, _LATCH_INT_EN)
        self._write_reg(_USER_CTRL, _FIFO_RESET)  # stopped and emptied: a sample after the last read is stale
        self._read_reg(_INT_STATUS)  # an old motion flag must not wake it at once
        self._write_reg(_INT_ENABLE, _MOT)
        self._write_reg(_PWR_MGMT_2, (code << 6) | _STBY_XYZG)
        self._write_reg(_PWR_MGMT_1, _CYCLE_ACCEL_ONLY)
        return LP_WAKE_HZ[code]

    def moved(self):
        """Whether the motion interrupt fired since the last look (reading INT_STATUS clears it and INT)."""
        return bool(self._read_reg(_INT_STATUS) & _MOT)

    def full_rate(self):
        """Back from low_power(): sampling at the output data rate into an emptied FIFO, the interrupt off."""
        self._write_reg(_INT_ENABLE, 0)
        self._write_reg(_PWR_MGMT_1, 0)
        self._write_reg(_PWR_MGMT_2, _STBY_XYZG)
        self.reset_fifo()

    def reset_fifo(self):
        self._write_reg(_USER_CTRL, _FIFO_RESET)
        self._write_reg(_USER_CTRL, _USER_FIFO_EN)

    def _resync(self):
        """A burst that broke off took part of a frame: drop the rest of it, byte by byte."""
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_COUNTH, b2)
        left = ((b2[0] << 8) | b2[1]) % self.FRAME
        if left:
            self.resyncs += 1
        while left:
            self._read_reg(_FIFO_R_W)
            left -= 1

    @micropython.native  # its frame on the C stack: as bytecode, one this size is allocated on the heap per call
    def read(self, out):
        """Move up to max_batch samples from the FIFO into `out` (x, y, z counts).

        Returns how many samples were read. An overflowed FIFO has lost
        samples and its frame alignment: it is reset and counted. A count
        that is not whole frames (not after a broken burst: recover has
        re-aligned those) means the frame is not what the table says.
        """
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_COUNTH, b2)
        count = (b2[0] << 8) | b2[1]
        frame = self.FRAME
        # full: overflowed if FIFO_OFLOW_INT says so (reading clears it) or the frames no longer fit
        if count > self.FIFO_SIZE - frame and (self._read_reg(_INT_STATUS) & _FIFO_OFLOW_INT or count % frame):
            self.reset_fifo()
            self.overflows += 1
            return 0
        if count % frame:
            raise IMUError("%s FIFO holds %d bytes, not whole %d-byte frames" % (self.CHIP, count, frame))
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
