# Register-level model of the Bosch BMI160, fed from a trace.
#
# Follows the BMI160 datasheet (BST-BMI160-DS000) for what a driver touches:
# CHIP_ID, PMU_STATUS (acc_pmu_status), DATA (ACC_X..ACC_Z, little-endian),
# FIFO_LENGTH (fifo_byte_counter), FIFO_DATA, ACC_CONF (acc_odr), ACC_RANGE,
# FIFO_CONFIG[1] and CMD (softreset, fifo_flush, acc_set_pmu_mode). Only the
# headerless FIFO with the accelerometer alone is modelled: 6-byte frames
# in a 1024-byte FIFO that, once full, drops its oldest frames. A frame
# leaves the FIFO once its last byte is read, so a burst that breaks off
# mid-frame gets the frame again next time; reading past the last frame
# gives 0x80. The FIFO watermark interrupt on INT1 (INT_EN[1].int_fwm_en,
# INT_MAP[1].int1_fwm, INT_OUT_CTRL.int1_output_en and int1_lvl) is high
# while the FIFO holds at least fifo_water_mark x 4 bytes. After a reset the accelerometer is suspended until CMD sets
# it to normal mode.
#
# Low power mode (CMD acc_set_pmu_mode 10, datasheet 2.4.1.2): with
# ACC_CONF.acc_us set, the chip wakes at acc_odr (6.25 to 50 Hz here) for
# one sample (acc_bwp 000: none averaged), which goes to the data registers
# and, if enabled, the FIFO. Any-motion (2.6.1): the slope between
# successive samples over int_anym_th x (range / 512) on an axis enabled
# in INT_EN[0], for int_anym_dur + 1 samples in a row, sets
# INT_STATUS[0].anym_int; latched (INT_LATCH 1111) it holds until CMD
# int_reset, else it follows each sample. INT1 (int_pin()) is the OR of the
# mapped sources. `motion_edges` counts any-motion's rising edges.

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

CHIP_ID = 0x00
PMU_STATUS = 0x03
DATA_ACC_X = 0x12
INT_STATUS_0 = 0x1C
FIFO_LENGTH = 0x22
FIFO_DATA = 0x24
ACC_CONF = 0x40
ACC_RANGE = 0x41
FIFO_CONFIG_0 = 0x46
FIFO_CONFIG_1 = 0x47
INT_EN_0 = 0x50
INT_EN_1 = 0x51
INT_OUT_CTRL = 0x53
INT_LATCH = 0x54
INT_MAP_0 = 0x55
INT_MAP_1 = 0x56
INT_MOTION_0 = 0x5F
INT_MOTION_1 = 0x60
CMD = 0x7E

_RATES = {6: 25, 7: 50, 8: 100, 9: 200, 10: 400, 11: 800, 12: 1600}  # acc_odr -> Hz (12.5 Hz and below cut)
_LOW_POWER_MHZ = {4: 6250, 5: 12500, 6: 25000, 7: 50000}  # acc_odr in low power mode -> mHz (others not modelled)
_RANGES = {0x03: 0, 0x05: 1, 0x08: 2, 0x0C: 3}  # acc_range -> full scale 2, 4, 8, 16 g as a shift of the 2 g count
_FRAME = 6
_FIFO_BYTES = 1024
_OVER_READ = 0x80
_ACC_NORMAL = 0x10  # PMU_STATUS.acc_pmu_status 01
_ACC_LOW_POWER = 0x20  # PMU_STATUS.acc_pmu_status 10
_ANYM = 0x04  # INT_STATUS[0].anym_int, INT_MAP[0].int1_anymotion
_FIFO_ACC_EN = 0x40
_FIFO_OTHERS = 0xB0  # fifo_gyr_en, fifo_mag_en, fifo_header_en
_READ_ONLY = (CHIP_ID, PMU_STATUS, INT_STATUS_0, FIFO_LENGTH, FIFO_LENGTH + 1, FIFO_DATA)


class BMI160Model(StreamSensor):
    NAME = "BMI160"
    WHO_AM_I_VALUE = 0xD1
    MODE_REGS = (ACC_CONF, CMD)

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._acc = array("h", bytes(6))
        self._prev = array("h", bytes(6))  # the sample before, for any-motion's slope
        self.fifo = ByteFifo(_FIFO_BYTES)
        self.motion_edges = 0
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[CHIP_ID] = self.WHO_AM_I_VALUE
        regs[ACC_CONF] = 0x28  # acc_odr 100 Hz, acc_bwp normal
        regs[ACC_RANGE] = 0x03  # 2 g
        regs[0x45] = 0x88  # FIFO_DOWNS
        regs[0x46] = 0x80  # FIFO_CONFIG[0]: watermark
        regs[FIFO_CONFIG_1] = 0x10  # fifo_header_en, no sensor in the FIFO
        regs[INT_MOTION_1] = 0x14  # int_anym_th
        self.fifo.clear()
        self._has_prev = False
        self._over = 0  # samples in a row with a slope over the threshold

    def fifo_count(self):
        return self.fifo.count

    def _watermark_on(self):
        regs = self.regs
        return bool(regs[INT_EN_1] & 0x40 and regs[INT_MAP_1] & 0x40)

    def _anymotion_on(self):
        regs = self.regs
        return bool(regs[INT_EN_0] & 0x07 and regs[INT_MAP_0] & _ANYM)

    def int_armed(self):
        """Whether INT1 may rise (an enabled, mapped source, the pin output on), without sampling the trace."""
        return bool(self.regs[INT_OUT_CTRL] & 0x08) and (self._watermark_on() or self._anymotion_on())

    def int_pin(self):
        """INT1's level now (True: high): the FIFO watermark and any-motion, where enabled, mapped and output."""
        self._advance()
        regs = self.regs
        if not regs[INT_OUT_CTRL] & 0x08:
            return False
        level = ((self._watermark_on() and self.fifo.count >= regs[FIFO_CONFIG_0] * 4)
                 or (self._anymotion_on() and bool(regs[INT_STATUS_0] & _ANYM)))
        return level == bool(regs[INT_OUT_CTRL] & 0x02)

    def awake(self):
        pmu = self.regs[PMU_STATUS] & 0x30
        code = self.regs[ACC_CONF] & 0x0F
        return (pmu == _ACC_NORMAL and code in _RATES) or (pmu == _ACC_LOW_POWER and code in _LOW_POWER_MHZ)

    def cycle_mhz(self):
        regs = self.regs
        if regs[PMU_STATUS] & 0x30 != _ACC_LOW_POWER:
            return 0
        if not regs[ACC_CONF] & 0x80 or regs[ACC_CONF] & 0x70:
            raise ValueError("the BMI160 model's low power mode wants acc_us 1 and acc_bwp 000, not ACC_CONF 0x%02x"
                             % regs[ACC_CONF])
        return _LOW_POWER_MHZ.get(regs[ACC_CONF] & 0x0F, 0)

    def mode(self):
        if not self.awake():
            return "suspend"
        cycle = self.cycle_mhz()
        return "low power %g Hz" % (cycle / 1000) if cycle else "normal %d Hz" % self.output_rate()

    def output_rate(self):
        return _RATES[self.regs[ACC_CONF] & 0x0F]

    def _anymotion(self, acc):
        """Any-motion on the sample just taken (acc[0..2] and the one before)."""
        regs = self.regs
        prev = self._prev
        thr = regs[INT_MOTION_1] << 6  # range / 512 per LSB: 64 counts at every range
        axes = regs[INT_EN_0] & 0x07
        over = False
        for k in range(3):
            if self._has_prev and axes & (1 << k) and abs(acc[k] - prev[k]) > thr:
                over = True
            prev[k] = acc[k]
        self._has_prev = True
        if not axes:
            self._over = 0
            return
        self._over = self._over + 1 if over else 0
        fired = self._over >= (regs[INT_MOTION_0] & 0x03) + 1
        if fired and not regs[INT_STATUS_0] & _ANYM:
            self.motion_edges += 1
        if fired:
            regs[INT_STATUS_0] |= _ANYM
        elif regs[INT_LATCH] & 0x0F != 0x0F:
            regs[INT_STATUS_0] &= ~_ANYM

    def _sample(self, chunk, f):
        code = self.regs[ACC_RANGE] & 0x0F
        if code not in _RANGES:
            raise ValueError("BMI160 acc_range 0x%x is reserved" % code)
        shift = _RANGES[code]
        acc = self._acc
        acc[0] = counts(chunk[f], shift)
        acc[1] = counts(chunk[f + 1], shift)
        acc[2] = counts(chunk[f + 2], shift)
        self._anymotion(acc)  # the slope is taken on every sample, as the chip does, enabled or not
        cfg = self.regs[FIFO_CONFIG_1]
        if not cfg & _FIFO_ACC_EN:
            return
        if cfg & _FIFO_OTHERS:
            raise ValueError("the BMI160 model has only the headerless accelerometer-only FIFO")
        fifo = self.fifo
        if fifo.count + _FRAME > _FIFO_BYTES:
            fifo.drop(_FRAME)  # full: the oldest frame is discarded
        for k in range(3):
            fifo.put(acc[k])
            fifo.put(acc[k] >> 8)

    # -- the bus side --------------------------------------------------------

    def read(self, reg, buf):
        self._advance()
        n = len(buf)
        if reg == FIFO_DATA:
            self._read_fifo(buf, n)
            return
        count = self.fifo.count
        i = 0
        while i < n:
            a = reg + i
            if a == FIFO_LENGTH:
                buf[i] = count & 0xFF
            elif a == FIFO_LENGTH + 1:
                buf[i] = (count >> 8) & 0x07
            elif DATA_ACC_X <= a < DATA_ACC_X + 6:
                w = self._acc[(a - DATA_ACC_X) >> 1]
                buf[i] = (w >> 8) & 0xFF if (a - DATA_ACC_X) & 1 else w & 0xFF
            else:
                buf[i] = self.regs[a & 0x7F]
            i += 1

    def _read_fifo(self, buf, n):
        """A burst from FIFO_DATA: whole frames leave; a part-read one stays for the next burst."""
        fifo = self.fifo
        k = 0  # byte of the oldest frame
        i = 0
        while i < n:
            if fifo.count >= _FRAME:
                buf[i] = fifo.peek(k)
                k += 1
                if k == _FRAME:
                    fifo.drop(_FRAME)
                    k = 0
            else:
                buf[i] = _OVER_READ
            i += 1

    def _write_reg(self, reg, value):
        self._advance()
        if reg == CMD:
            self._command(value)
            return
        if reg in _READ_ONLY or DATA_ACC_X <= reg < DATA_ACC_X + 6:
            return
        self.regs[reg] = value

    def _command(self, value):
        regs = self.regs
        if value == 0xB6:  # softreset
            self._reset()
        elif value == 0xB0:  # fifo_flush
            self.fifo.clear()
        elif value == 0xB1:  # int_reset: latched interrupts cleared
            regs[INT_STATUS_0] = 0
            self._over = 0
        elif value & 0xFC == 0x10:  # acc_set_pmu_mode: 00 suspend, 01 normal, 10 low power
            regs[PMU_STATUS] = (regs[PMU_STATUS] & 0xCF) | ((value & 0x03) << 4)
