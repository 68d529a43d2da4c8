# ST LSM6DSOX and LSM6DS3 accelerometer drivers, FIFO based.
#
# Register names follow the LSM6DSOX datasheet (DS12814) and the LSM6DS3
# datasheet (DocID026899), and ST's own drivers (lsm6dsox_reg.h,
# lsm6ds3_reg.h); imu/README.md gives the source of each fact. The two
# share CTRL1_XL..CTRL3_C, the output data rates and the full-scale codes,
# but not the FIFO:
#   LSM6DSOX  words of a TAG byte and 6 data bytes, read from
#             FIFO_DATA_OUT_TAG on (the address wraps from 7Eh back to
#             78h); a word leaves the FIFO once its last byte is read;
#             DIFF_FIFO counts words (512 at most).
#   LSM6DS3   16-bit words with no tag, read from FIFO_DATA_OUT_L/H; with
#             only the accelerometer batched they run x, y, z, x, ...;
#             FIFO_PATTERN says which comes next; DIFF_FIFO counts words
#             (4096 at most, 8 KiB).
# Data are little-endian. Only the accelerometer runs (the gyroscope stays
# powered down); the FIFO is in continuous mode, and an overrun (oldest
# data overwritten) is handled by emptying it and counting.

from micropython import const

from imu.fifo import FifoDriver, IMUError, at_or_above

_FIFO_CTRL3 = const(0x09)  # LSM6DSOX FIFO_CTRL3: BDR_GY[7:4], BDR_XL[3:0]
_FIFO_CTRL4 = const(0x0A)  # LSM6DSOX FIFO_CTRL4: FIFO_MODE[2:0]
_DS3_FIFO_CTRL3 = const(0x08)  # LSM6DS3 FIFO_CTRL3: DEC_FIFO_GYRO[5:3], DEC_FIFO_XL[2:0]
_DS3_FIFO_CTRL5 = const(0x0A)  # LSM6DS3 FIFO_CTRL5: ODR_FIFO[6:3], FIFO_MODE[2:0]
_WHO_AM_I = const(0x0F)  # WHO_AM_I
_CTRL1_XL = const(0x10)  # CTRL1_XL: ODR_XL[7:4], FS_XL[3:2]
_CTRL2_G = const(0x11)  # CTRL2_G: ODR_G[7:4] (0: gyroscope powered down)
_CTRL3_C = const(0x12)  # CTRL3_C: BDU, IF_INC, SW_RESET
_FIFO_STATUS1 = const(0x3A)  # FIFO_STATUS1: DIFF_FIFO[7:0]; FIFO_STATUS2 (3Bh) follows
_DS3_FIFO_DATA_OUT_L = const(0x3E)  # LSM6DS3 FIFO_DATA_OUT_L, FIFO_DATA_OUT_H (3Fh)
_FIFO_DATA_OUT_TAG = const(0x78)  # LSM6DSOX FIFO_DATA_OUT_TAG, then FIFO_DATA_OUT_X_L .. Z_H (79h..7Eh)

_SW_RESET = const(0x01)  # CTRL3_C.SW_RESET, clears itself
_IF_INC = const(0x04)  # CTRL3_C.IF_INC: register address auto-increment
_BDU = const(0x40)  # CTRL3_C.BDU: block data update
_FIFO_MODE_BYPASS = const(0)  # FIFO_MODE 000: bypass, the FIFO empties
_FIFO_MODE_CONTINUOUS = const(6)  # FIFO_MODE 110: continuous (stream), oldest data overwritten when full
_FIFO_OVR_IA = const(0x40)  # FIFO_STATUS2.FIFO_OVR_IA (LSM6DS3: FIFO_OVER_RUN)
_FIFO_OVR_LATCHED = const(0x08)  # FIFO_STATUS2.OVER_RUN_LATCHED, LSM6DSOX
_TAG_XL = const(0x02)  # FIFO_DATA_OUT_TAG.TAG_SENSOR[7:3]: accelerometer, not compressed
_DEC_NONE = const(1)  # DEC_FIFO_XL 001: accelerometer in the FIFO, not decimated

_FS_XL = {2: 0, 4: 2, 8: 3, 16: 1}  # FS_XL[1:0] for each range in g


class LSM6DSOX(FifoDriver):
    CHIP = "LSM6DSOX"
    WHO_AM_I_REG = _WHO_AM_I
    WHO_AM_I = 0x6C
    FRAME = 7  # TAG, X_L, X_H, Y_L, Y_H, Z_L, Z_H
    FIFO_SAMPLES = 512
    RATES = (12, 26, 52, 104, 208, 416)  # ODR_XL codes 1..6 (12.5 Hz is listed as 12)

    def __init__(self, i2c, addr=0x6A, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._odr = 1 + at_or_above(self.RATES, rate_hz)
        self.rate_hz = self.RATES[self._odr - 1]
        self._fs = _FS_XL[range_g]
        self.lsb_per_g = 16384 * 2 // range_g
        self.init()

    def _setup(self):
        self._write_reg(_CTRL3_C, _SW_RESET)
        self._wait(_CTRL3_C, _SW_RESET, 0, "come out of reset")
        self._set(_CTRL3_C, _BDU | _IF_INC)
        self._set(_CTRL2_G, 0)  # gyroscope powered down
        self._set(_CTRL1_XL, (self._odr << 4) | (self._fs << 2))
        self._fifo_setup()

    def _fifo_setup(self):
        self._set(_FIFO_CTRL3, self._odr)  # BDR_XL: batch every accelerometer sample
        self._set(_FIFO_CTRL4, _FIFO_MODE_CONTINUOUS)

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
    _split = False  # one word per transaction: set once a burst is seen not to wrap from 3Fh to 3Eh

    def _fifo_setup(self):
        self._b4 = bytearray(4)
        self._burst_checked = False
        self._set(_DS3_FIFO_CTRL3, _DEC_NONE)  # accelerometer in the FIFO, gyroscope not
        self._set(_DS3_FIFO_CTRL5, (self._odr << 3) | _FIFO_MODE_CONTINUOUS)  # ODR_FIFO as ODR_XL

    def reset_fifo(self):
        self._write_reg(_DS3_FIFO_CTRL5, _FIFO_MODE_BYPASS)
        self._write_reg(_DS3_FIFO_CTRL5, (self._odr << 3) | _FIFO_MODE_CONTINUOUS)

    def _status(self):
        """FIFO_STATUS1..4: DIFF_FIFO, the flags, FIFO_PATTERN (0: the next word is a sample's x)."""
        self.i2c.readfrom_mem_into(self.addr, _FIFO_STATUS1, self._b4)
        return self._b4

    def _pattern(self):
        b4 = self._status()
        return ((b4[3] & 0x03) << 8) | b4[2]

    def _words(self):
        b4 = self._status()
        if b4[1] & _FIFO_OVR_IA:  # FIFO_OVER_RUN
            self.reset_fifo()
            self.overflows += 1
            return -1
        if b4[2] or b4[3] & 0x03:
            raise IMUError("LSM6DS3 FIFO_PATTERN %d: the next FIFO word is not a sample's x" % b4[2])
        return ((b4[1] & 0x0F) << 8) | b4[0]

    def _resync(self):
        """A burst that broke off took part of a sample: drop its other words."""
        left = (3 - self._pattern()) % 3
        if left:
            self.resyncs += 1
        while left:
            self.i2c.readfrom_mem_into(self.addr, _DS3_FIFO_DATA_OUT_L, self._b2)
            left -= 1

    def _read_words(self, n):
        """3n FIFO words, one FIFO_DATA_OUT_L/H pair per transaction, into the buffer."""
        f = self._fifo
        b2 = self._b2
        j = 0
        end = 6 * n
        while j < end:
            self.i2c.readfrom_mem_into(self.addr, _DS3_FIFO_DATA_OUT_L, b2)
            f[j] = b2[0]
            f[j + 1] = b2[1]
            j += 2

    def read(self, out):
        n = self._words() // 3
        if n <= 0:
            return 0
        if n > self.max_batch:
            n = self.max_batch
        if self._split:
            self._read_words(n)
        else:
            self.i2c.readfrom_mem_into(self.addr, _DS3_FIFO_DATA_OUT_L, self._views[n - 1])
            if not self._burst_checked:
                # Neither the datasheet nor ST's driver says that a long burst wraps from
                # FIFO_DATA_OUT_H back to _L; if it did not, FIFO_PATTERN shows it after the first.
                if self._pattern():
                    self._split = True
                    self._resync()
                    return 0
                self._burst_checked = True
        f = self._fifo
        j = 0
        end = n * 6
        while j < end:
            v = f[j] | (f[j + 1] << 8)
            out[j >> 1] = v - ((v & 0x8000) << 1)
            j += 2
        return n
