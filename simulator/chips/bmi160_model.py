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

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

CHIP_ID = 0x00
PMU_STATUS = 0x03
DATA_ACC_X = 0x12
FIFO_LENGTH = 0x22
FIFO_DATA = 0x24
ACC_CONF = 0x40
ACC_RANGE = 0x41
FIFO_CONFIG_0 = 0x46
FIFO_CONFIG_1 = 0x47
INT_EN_1 = 0x51
INT_OUT_CTRL = 0x53
INT_MAP_1 = 0x56
CMD = 0x7E

_RATES = {6: 25, 7: 50, 8: 100, 9: 200, 10: 400, 11: 800, 12: 1600}  # acc_odr -> Hz (12.5 Hz and below cut)
_RANGES = {0x03: 0, 0x05: 1, 0x08: 2, 0x0C: 3}  # acc_range -> full scale 2, 4, 8, 16 g as a shift of the 2 g count
_FRAME = 6
_FIFO_BYTES = 1024
_OVER_READ = 0x80
_ACC_NORMAL = 0x10  # PMU_STATUS.acc_pmu_status 01
_FIFO_ACC_EN = 0x40
_FIFO_OTHERS = 0xB0  # fifo_gyr_en, fifo_mag_en, fifo_header_en
_READ_ONLY = (CHIP_ID, PMU_STATUS, FIFO_LENGTH, FIFO_LENGTH + 1, FIFO_DATA)


class BMI160Model(StreamSensor):
    NAME = "BMI160"
    WHO_AM_I_VALUE = 0xD1
    MODE_REGS = (ACC_CONF, CMD)

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._acc = array("h", bytes(6))
        self.fifo = ByteFifo(_FIFO_BYTES)
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[CHIP_ID] = self.WHO_AM_I_VALUE
        regs[ACC_CONF] = 0x28  # acc_odr 100 Hz, acc_bwp normal
        regs[ACC_RANGE] = 0x03  # 2 g
        regs[0x45] = 0x88  # FIFO_DOWNS
        regs[0x46] = 0x80  # FIFO_CONFIG[0]: watermark
        regs[FIFO_CONFIG_1] = 0x10  # fifo_header_en, no sensor in the FIFO
        self.fifo.clear()

    def fifo_count(self):
        return self.fifo.count

    def int1(self):
        """INT1's level now (True: high): the FIFO watermark, where it is enabled, mapped and output."""
        self._advance()
        regs = self.regs
        if not (regs[INT_EN_1] & 0x40 and regs[INT_MAP_1] & 0x40 and regs[INT_OUT_CTRL] & 0x08):
            return False
        active_high = bool(regs[INT_OUT_CTRL] & 0x02)
        return (self.fifo.count >= regs[FIFO_CONFIG_0] * 4) == active_high

    def awake(self):
        return self.regs[PMU_STATUS] & 0x30 == _ACC_NORMAL and (self.regs[ACC_CONF] & 0x0F) in _RATES

    def output_rate(self):
        return _RATES[self.regs[ACC_CONF] & 0x0F]

    def _sample(self, chunk, f):
        code = self.regs[ACC_RANGE] & 0x0F
        if code not in _RANGES:
            raise ValueError("BMI160 acc_range 0x%x is reserved" % code)
        shift = _RANGES[code]
        acc = self._acc
        acc[0] = counts(chunk[f], shift)
        acc[1] = counts(chunk[f + 1], shift)
        acc[2] = counts(chunk[f + 2], shift)
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
        elif value & 0xFC == 0x10:  # acc_set_pmu_mode: 00 suspend, 01 normal, 10 low power
            regs[PMU_STATUS] = (regs[PMU_STATUS] & 0xCF) | ((value & 0x03) << 4)
