# Bosch BMI160 accelerometer driver, FIFO based.
#
# Register names follow the BMI160 datasheet (BST-BMI160-DS000) and Bosch's
# BMI160_SensorAPI (bmi160_defs.h); imu/README.md gives the source of each
# fact. No configuration file is needed (unlike the BMI270). Only the
# accelerometer runs, in normal mode (the gyroscope stays suspended); the
# FIFO is headerless with only the accelerometer in it, so a frame is the
# 6 data bytes, x, y, z little-endian. The byte counter is updated per
# whole frame read or written: a burst that breaks off mid-frame gets that
# frame again next time. A full FIFO drops its oldest frames, unflagged in
# headerless mode: a FIFO with no room for another frame is taken to have
# overflowed, flushed (CMD fifo_flush) and counted.
#
# While the wearer is still, low_power() puts the accelerometer in its low
# power mode (CMD acc_set_pmu_mode 10: duty-cycled between suspend and a
# normal-mode measurement, with undersampling, datasheet 2.4.1.2) at a low
# output rate, the FIFO stopped, and its any-motion interrupt (a slope
# between successive samples over int_anym_th on any axis) latched on
# INT1. In low power mode two writes must be 450 us apart (datasheet
# 3.2.1), so every write comes before the mode command, and full_rate()
# waits for normal mode before it writes.

from micropython import const

from imu.fifo import FifoDriver, IMUError, at_or_above, register_byte

_CHIP_ID = const(0x00)  # CHIP_ID
_PMU_STATUS = const(0x03)  # PMU_STATUS: acc_pmu_status[5:4], gyr_pmu_status[3:2], mag_pmu_status[1:0]
_DATA_ACC_X = const(0x12)  # DATA_14 .. DATA_19: ACC_X, ACC_Y, ACC_Z, low byte first
_INT_STATUS_0 = const(0x1C)  # INT_STATUS[0]: anym_int bit 2
_FIFO_LENGTH = const(0x22)  # FIFO_LENGTH: fifo_byte_counter[10:0], 0x22 low byte first
_FIFO_DATA = const(0x24)  # FIFO_DATA
_ACC_CONF = const(0x40)  # ACC_CONF: acc_us bit 7, acc_bwp[6:4], acc_odr[3:0]
_ACC_RANGE = const(0x41)  # ACC_RANGE: acc_range[3:0]
_FIFO_CONFIG_1 = const(0x47)  # FIFO_CONFIG[1]: fifo_gyr_en 7, fifo_acc_en 6, fifo_mag_en 5, fifo_header_en 4
_FIFO_CONFIG_0 = const(0x46)  # FIFO_CONFIG[0]: fifo_water_mark, in 4-byte units
_INT_EN_0 = const(0x50)  # INT_EN[0]: int_anymo_x_en, _y_en, _z_en bits 0-2
_INT_EN_1 = const(0x51)  # INT_EN[1]: int_fwm_en bit 6
_INT_OUT_CTRL = const(0x53)  # INT_OUT_CTRL: int1_output_en bit 3, int1_od bit 2, int1_lvl bit 1
_INT_LATCH = const(0x54)  # INT_LATCH: int_latch[3:0], 1111 latched
_INT_MAP_0 = const(0x55)  # INT_MAP[0]: int1_anymotion bit 2
_INT_MAP_1 = const(0x56)  # INT_MAP[1]: int1_fwm bit 6
_INT_MOTION_0 = const(0x5F)  # INT_MOTION[0]: int_anym_dur[1:0], slope samples over the threshold less one
_INT_MOTION_1 = const(0x60)  # INT_MOTION[1]: int_anym_th, range / 512 per LSB (3.91 mg at 2 g)
_CMD = const(0x7E)  # CMD

_SOFTRESET = const(0xB6)  # CMD softreset
_FIFO_FLUSH = const(0xB0)  # CMD fifo_flush
_INT_RESET = const(0xB1)  # CMD int_reset: latched interrupts and INT1 cleared
_ACC_NORMAL = const(0x11)  # CMD acc_set_pmu_mode: normal
_ACC_LOW_POWER = const(0x12)  # CMD acc_set_pmu_mode: low power
_ACC_PMU_NORMAL = const(0x10)  # PMU_STATUS: accelerometer normal, gyroscope and magnetometer suspended
_ACC_PMU = const(0x30)  # PMU_STATUS.acc_pmu_status
_ACC_US = const(0x80)  # ACC_CONF.acc_us: undersampling, for low power mode (acc_bwp 000: no averaging)
_ANYMOTION_XYZ = const(0x07)  # INT_EN[0]
_INT1_ANYMOTION = const(0x04)  # INT_MAP[0].int1_anymotion, INT_STATUS[0].anym_int
_LATCHED = const(0x0F)  # INT_LATCH.int_latch
_FIFO_ACC_EN = const(0x40)  # FIFO_CONFIG[1].fifo_acc_en, fifo_header_en 0: headerless
_ACC_BWP_NORMAL = const(0x20)  # ACC_CONF.acc_bwp 010: normal filter, acc_us 0
_FWM = const(0x40)  # int_fwm_en in INT_EN[1], int1_fwm in INT_MAP[1]
_INT1_PUSH_PULL_HIGH = const(0x0A)  # INT_OUT_CTRL: INT1 output enabled, push-pull, active high

_RANGE = {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C}  # acc_range for each range in g


class BMI160(FifoDriver):
    CHIP = "BMI160"
    WHO_AM_I_REG = _CHIP_ID
    WHO_AM_I = 0xD1
    FIFO_SIZE = 1024
    FIFO_SAMPLES = 1024 // 6
    RATES = (25, 50, 100, 200)  # acc_odr codes 6..9 (100 / 2^(8 - code) Hz)
    LOW_POWER_HZ = (6, 12, 25, 50)  # low power mode's acc_odr codes 4..7 (6.25, 12.5, 25, 50 Hz)
    LOW_POWER_CYCLE = True
    DATA_REG = _DATA_ACC_X

    def __init__(self, i2c, addr=0x68, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._watermark = 0  # FIFO_CONFIG[0] while the watermark drives INT1
        i = at_or_above(self.RATES, rate_hz)
        self.rate_hz = self.RATES[i]
        self._odr = 6 + i
        self._range = _RANGE[range_g]
        self.lsb_per_g = 16384 * 2 // range_g
        self.init()

    def _setup(self):
        self._write_reg(_CMD, _SOFTRESET)
        self._wait(_CHIP_ID, 0xFF, self.WHO_AM_I, "come out of reset")  # it may NACK meanwhile
        self._set(_ACC_CONF, _ACC_BWP_NORMAL | self._odr)
        self._set(_ACC_RANGE, self._range)
        self._set(_FIFO_CONFIG_1, _FIFO_ACC_EN)
        self._write_reg(_CMD, _ACC_NORMAL)
        self._wait(_PMU_STATUS, 0xFF, _ACC_PMU_NORMAL, "start its accelerometer")
        self._config.append((_PMU_STATUS, _ACC_PMU_NORMAL))  # a reset puts it back in suspend
        if self._watermark:
            self._set(_FIFO_CONFIG_0, self._watermark)
            self._set(_INT_OUT_CTRL, _INT1_PUSH_PULL_HIGH)
            self._set(_INT_EN_1, _FWM)
            self._set(_INT_MAP_1, _FWM)

    def wake_on_watermark(self, samples):
        """INT1 high while the FIFO holds `samples` (made even: the watermark counts 4-byte words) or more."""
        samples += samples & 1
        self._watermark = samples * 6 // 4
        self.init()
        self.wake_ms = samples * 1000 // self.rate_hz
        return self.wake_ms

    def low_power(self, wake_hz, motion_mg, motion_ms):
        """While the wearer is still: low power mode at the rate at or above `wake_hz` (LOW_POWER_HZ), the FIFO
        stopped and emptied, any-motion (a slope over `motion_mg` for `motion_ms`, in whole samples) latched on
        INT1 until full_rate(). Hz set."""
        i = at_or_above(self.LOW_POWER_HZ, wake_hz)
        hz = self.LOW_POWER_HZ[i]
        th = (motion_mg * self.lsb_per_g + 32000) // 64000  # rounded, in LSBs of range / 512: 64 counts
        dur = motion_ms * hz // 1000  # samples beyond the first
        self._write_reg(_INT_MOTION_0, 3 if dur > 3 else dur)
        self._write_reg(_INT_MOTION_1, register_byte(th))
        self._write_reg(_INT_LATCH, _LATCHED)
        self._write_reg(_INT_OUT_CTRL, _INT1_PUSH_PULL_HIGH)
        self._write_reg(_INT_MAP_0, _INT1_ANYMOTION)
        self._write_reg(_FIFO_CONFIG_1, 0)  # stopped, then emptied: a sample after the last read is stale
        self.reset_fifo()
        self._write_reg(_CMD, _INT_RESET)  # an old motion must not wake it at once
        self._write_reg(_INT_EN_0, _ANYMOTION_XYZ)
        self._write_reg(_ACC_CONF, _ACC_US | (4 + i))
        self._write_reg(_CMD, _ACC_LOW_POWER)
        return hz

    def moved(self):
        """Whether any-motion fired since low_power() (latched: full_rate() clears it and INT1)."""
        return bool(self._read_reg(_INT_STATUS_0) & _INT1_ANYMOTION)

    def full_rate(self):
        """Back from low_power(): normal mode at the output data rate into an emptied FIFO, any-motion off."""
        self._write_reg(_CMD, _ACC_NORMAL)
        self._wait(_PMU_STATUS, _ACC_PMU, _ACC_PMU_NORMAL, "leave low power mode")
        self._write_reg(_ACC_CONF, _ACC_BWP_NORMAL | self._odr)
        self._write_reg(_INT_EN_0, 0)
        self._write_reg(_CMD, _INT_RESET)
        self._write_reg(_FIFO_CONFIG_1, _FIFO_ACC_EN)
        self.reset_fifo()

    def reset_fifo(self):
        self._write_reg(_CMD, _FIFO_FLUSH)

    def read(self, out):
        """Move up to max_batch samples from the FIFO into `out` (x, y, z counts); how many."""
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_LENGTH, b2)
        count = ((b2[1] & 0x07) << 8) | b2[0]
        if count > self.FIFO_SIZE - 6:  # no room for another frame: the oldest are being dropped
            self.reset_fifo()
            self.overflows += 1
            return 0
        if count % 6:
            raise IMUError("BMI160 FIFO holds %d bytes, not whole 6-byte frames" % count)
        n = count // 6
        if n > self.max_batch:
            n = self.max_batch
        if n == 0:
            return 0
        f = self._fifo
        self.i2c.readfrom_mem_into(self.addr, _FIFO_DATA, self._views[n - 1])
        j = 0
        end = n * 6
        while j < end:
            v = f[j] | (f[j + 1] << 8)
            out[j >> 1] = v - ((v & 0x8000) << 1)
            j += 2
        return n
