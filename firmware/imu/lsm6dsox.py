# ST LSM6DSOX and LSM6DS3 accelerometer drivers, FIFO based.
#
# Register names follow the LSM6DSOX datasheet (DS12814) and the LSM6DS3
# datasheet (DocID026899). The two share CTRL1_XL..CTRL3_C, the output data
# rates and the full-scale codes, but not the FIFO:
#   LSM6DSOX  words of a TAG byte and 6 data bytes, read from
#             FIFO_DATA_OUT_TAG on; DIFF_FIFO counts words (512 at most).
#   LSM6DS3   16-bit words with no tag, read from FIFO_DATA_OUT_L; with
#             only the accelerometer batched they run x, y, z, x, ...;
#             DIFF_FIFO counts words (4096 at most, 8 KiB).
# Data are little-endian. Only the accelerometer runs (the gyroscope stays
# powered down); the FIFO is in continuous mode, and an overrun (oldest
# data overwritten) is handled by emptying it and counting.

from micropython import const

from imu.fifo import FifoDriver, at_or_above

_FIFO_CTRL3 = const(0x09)  # LSM6DSOX: BDR_GY[7:4], BDR_XL[3:0]
_FIFO_CTRL4 = const(0x0A)  # LSM6DSOX: FIFO_MODE[2:0]
_DS3_FIFO_CTRL3 = const(0x08)  # LSM6DS3: DEC_FIFO_GYRO[5:3], DEC_FIFO_XL[2:0]
_DS3_FIFO_CTRL5 = const(0x0A)  # LSM6DS3: ODR_FIFO[6:3], FIFO_MODE[2:0]
_WHO_AM_I = const(0x0F)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_FIFO_STATUS1 = const(0x3A)
_DS3_FIFO_DATA_OUT_L = const(0x3E)
_FIFO_DATA_OUT_TAG = const(0x78)

_SW_RESET = const(0x01)
_IF_INC = const(0x04)
_BDU = const(0x40)
_FIFO_MODE_BYPASS = const(0)
_FIFO_MODE_CONTINUOUS = const(6)
_FIFO_OVR_IA = const(0x40)  # FIFO_STATUS2 (both chips)
_FIFO_OVR_LATCHED = const(0x08)  # FIFO_STATUS2, LSM6DSOX
_TAG_XL = const(0x02)  # TAG_SENSOR[4:0], accelerometer not compressed
_DEC_NONE = const(1)

RATES = (12, 26, 52, 104, 208, 416)  # ODR codes 1..6 (12.5 Hz is listed as 12)
_FS_XL = {2: 0, 4: 2, 8: 3, 16: 1}  # FS_XL[1:0] for each range in g


def output_rate(rate_hz):
    return RATES[at_or_above(RATES, rate_hz)]


class LSM6DSOX(FifoDriver):
    CHIP = "LSM6DSOX"
    WHO_AM_I_REG = _WHO_AM_I
    WHO_AM_I = 0x6C
    FRAME = 7  # TAG, X_L, X_H, Y_L, Y_H, Z_L, Z_H
    FIFO_SAMPLES = 512
    rate_for = staticmethod(output_rate)

    def __init__(self, i2c, addr=0x6A, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._odr = 1 + at_or_above(RATES, rate_hz)
        self.rate_hz = RATES[self._odr - 1]
        self._fs = _FS_XL[range_g]
        self.lsb_per_g = 16384 * 2 // range_g
        self.init()

    def init(self):
        """Check the chip, reset it and start filling the FIFO."""
        self._check_chip()
        self._write_reg(_CTRL3_C, _SW_RESET)
        self._wait(_CTRL3_C, _SW_RESET, 0, "come out of reset")
        self._write_reg(_CTRL3_C, _BDU | _IF_INC)
        self._write_reg(_CTRL2_G, 0)  # gyroscope powered down
        self._write_reg(_CTRL1_XL, (self._odr << 4) | (self._fs << 2))
        self._fifo_setup()
        self.reset_fifo()

    def _fifo_setup(self):
        self._write_reg(_FIFO_CTRL3, self._odr)  # BDR_XL: batch every accelerometer sample

    def reset_fifo(self):
        self._write_reg(_FIFO_CTRL4, _FIFO_MODE_BYPASS)  # bypass empties the FIFO
        self._write_reg(_FIFO_CTRL4, _FIFO_MODE_CONTINUOUS)

    def _words(self):
        """Unread FIFO words, or -1 after an overrun (then the FIFO is reset and counted)."""
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_STATUS1, b2)  # FIFO_STATUS1, FIFO_STATUS2
        if b2[1] & (_FIFO_OVR_IA | _FIFO_OVR_LATCHED):
            self.reset_fifo()
            self.overflows += 1
            return -1
        return ((b2[1] & 0x03) << 8) | b2[0]

    def read(self, out):
        """Move up to max_batch samples from the FIFO into `out` (x, y, z counts); how many."""
        n = self._words()
        if n <= 0:
            return 0
        if n > self.max_batch:
            n = self.max_batch
        f = self._fifo
        self.i2c.readfrom_mem_into(self.addr, _FIFO_DATA_OUT_TAG, self._views[n - 1])
        j = 0
        k = 0
        end = n * 7
        while j < end:
            if f[j] >> 3 == _TAG_XL:  # other sensors' words are skipped
                v = f[j + 1] | (f[j + 2] << 8)
                out[k] = v - ((v & 0x8000) << 1)
                v = f[j + 3] | (f[j + 4] << 8)
                out[k + 1] = v - ((v & 0x8000) << 1)
                v = f[j + 5] | (f[j + 6] << 8)
                out[k + 2] = v - ((v & 0x8000) << 1)
                k += 3
            j += 7
        return k // 3


class LSM6DS3(LSM6DSOX):
    CHIP = "LSM6DS3"
    WHO_AM_I = 0x69
    FRAME = 6  # X_L, X_H, Y_L, Y_H, Z_L, Z_H as three FIFO words
    FIFO_SAMPLES = 4096 // 3

    def _fifo_setup(self):
        self._write_reg(_DS3_FIFO_CTRL3, _DEC_NONE)  # accelerometer in the FIFO, gyroscope not

    def reset_fifo(self):
        self._write_reg(_DS3_FIFO_CTRL5, _FIFO_MODE_BYPASS)
        self._write_reg(_DS3_FIFO_CTRL5, (self._odr << 3) | _FIFO_MODE_CONTINUOUS)

    def _words(self):
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_STATUS1, b2)
        if b2[1] & _FIFO_OVR_IA:  # FIFO_OVER_RUN
            self.reset_fifo()
            self.overflows += 1
            return -1
        return ((b2[1] & 0x0F) << 8) | b2[0]

    def read(self, out):
        n = self._words() // 3
        if n <= 0:
            return 0
        if n > self.max_batch:
            n = self.max_batch
        f = self._fifo
        self.i2c.readfrom_mem_into(self.addr, _DS3_FIFO_DATA_OUT_L, self._views[n - 1])
        j = 0
        end = n * 6
        while j < end:
            v = f[j] | (f[j + 1] << 8)
            out[j >> 1] = v - ((v & 0x8000) << 1)
            j += 2
        return n
