# Register-level model of the InvenSense MPU-6050, fed from a trace.
#
# Follows the Register Map rev. 4.2 for what a driver touches: WHO_AM_I,
# PWR_MGMT_1 (DEVICE_RESET, SLEEP), PWR_MGMT_2 standby bits, SMPLRT_DIV and
# CONFIG (output data rate), ACCEL_CONFIG and GYRO_CONFIG (full scale),
# FIFO_EN, USER_CTRL (FIFO_EN, FIFO_RESET), INT_STATUS (FIFO_OFLOW_INT,
# cleared on read), FIFO_COUNTH/L, FIFO_R_W and the sensor data registers.
# Registers hold big-endian words; the FIFO is 1024 bytes and, once full,
# drops its oldest bytes, losing frame alignment as the chip does; each
# byte read from FIFO_R_W leaves it, and an empty FIFO repeats the last
# byte read (register 116). Sampling the stream is stream_sensor.py's.
#
# Low-power accelerometer mode (PWR_MGMT_1 CYCLE with SLEEP 0, product
# specification PS-MPU-6000A 4.6 and register map 4.28-4.29): the chip
# wakes at LP_WAKE_CTRL's rate (1.25, 5, 20, 40 Hz) for a single sample,
# which goes to the data registers and, as any sample, to the FIFO.
# Motion detection (register map 4.5-4.6, 4.15-4.16): a sample whose
# high-passed value exceeds MOT_THR (2 mg per LSB) on any axis for MOT_DUR
# ms sets INT_STATUS.MOT_INT. The model's high-pass filter is the
# difference from the previous sample (the chip's DHPF, ACCEL_HPF, is a
# first-order filter or a hold: the model is the hold renewed each sample,
# whether or not the motion interrupt is enabled).
# The INT pin (int_pin()) is the OR of INT_STATUS and INT_ENABLE, as with
# LATCH_INT_EN set (held until INT_STATUS is read); INT_PIN_CFG.INT_LEVEL
# makes it active low. `motion_edges` counts its rising edges.

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

SMPLRT_DIV = 0x19
CONFIG = 0x1A
GYRO_CONFIG = 0x1B
ACCEL_CONFIG = 0x1C
MOT_THR = 0x1F
MOT_DUR = 0x20
FIFO_EN = 0x23
INT_PIN_CFG = 0x37
INT_ENABLE = 0x38
INT_STATUS = 0x3A
ACCEL_XOUT_H = 0x3B
USER_CTRL = 0x6A
PWR_MGMT_1 = 0x6B
PWR_MGMT_2 = 0x6C
FIFO_COUNTH = 0x72
FIFO_COUNTL = 0x73
FIFO_R_W = 0x74
WHO_AM_I = 0x75

_FIFO_OFLOW_INT = 0x10
_DATA_RDY_INT = 0x01
_MOT_INT = 0x40
_INT_SOURCES = 0x51  # MOT_INT, FIFO_OFLOW_INT, DATA_RDY_INT in INT_STATUS and INT_ENABLE
_CYCLE = 0x20  # PWR_MGMT_1.CYCLE
_LP_WAKE_MHZ = (1250, 5000, 20000, 40000)  # PWR_MGMT_2.LP_WAKE_CTRL[7:6]
_READ_ONLY = (WHO_AM_I, INT_STATUS, FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W)


class MPU6050Model(StreamSensor):
    NAME = "MPU-6050"
    WHO_AM_I_VALUE = 0x68
    FIFO_SIZE = 1024
    TEMP_25C = -3920  # TEMP_OUT at 25 degC: (25 - 36.53) * 340
    TEMP_IN_ACCEL_FRAME = False  # MPU-6886: TEMP_OUT follows the accelerometer in the FIFO
    MODE_REGS = (SMPLRT_DIV, CONFIG, PWR_MGMT_1, PWR_MGMT_2)
    LP_WAKE_CTRL = True  # the MPU-6500 family sets its low-power rate elsewhere (LP_ACCEL_ODR), not modelled

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._last = array("h", bytes(14))  # data registers, as counts
        self._prev = array("h", bytes(6))  # the sample before, for motion detection
        self.fifo = ByteFifo(self.FIFO_SIZE)
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[PWR_MGMT_1] = 0x40  # SLEEP
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        self.fifo.clear()
        self._last_read = 0
        self._over_ms = 0  # how long the motion has been over MOT_THR
        self._has_prev = False
        self.motion_edges = getattr(self, "motion_edges", 0)

    def fifo_count(self):
        return self.fifo.count

    def awake(self):
        return not self.regs[PWR_MGMT_1] & 0x40

    def cycle_mhz(self):
        regs = self.regs
        if regs[PWR_MGMT_1] & (_CYCLE | 0x40) != _CYCLE:
            return 0
        if not self.LP_WAKE_CTRL:
            raise ValueError("the %s model has no low-power cycle" % self.NAME)
        return _LP_WAKE_MHZ[regs[PWR_MGMT_2] >> 6]

    def mode(self):
        if not self.awake():
            return "sleep"
        cycle = self.cycle_mhz()
        if cycle:
            return "low power %g Hz" % (cycle / 1000)
        gyro = "gyro on" if self.regs[PWR_MGMT_2] & 0x07 != 0x07 else "gyro off"
        return "normal %d Hz, %s" % (self.output_rate(), gyro)

    def int_armed(self):
        """Whether an interrupt is enabled (the pin may rise), without sampling the trace."""
        return bool(self.regs[INT_ENABLE] & _INT_SOURCES)

    def int_pin(self):
        """The INT pin's level now (True: high)."""
        self._advance()
        regs = self.regs
        active = bool(regs[INT_STATUS] & regs[INT_ENABLE] & _INT_SOURCES)
        return active != bool(regs[INT_PIN_CFG] & 0x80)

    def _motion(self, last, afs):
        """Motion detection on the sample just taken (last[0..2] and the one before). The hold is renewed by
        every sample; MOT_INT is set only while the motion interrupt is enabled (MOT_EN)."""
        regs = self.regs
        prev = self._prev
        thr = regs[MOT_THR] * 2 * (16384 >> afs) // 1000  # 2 mg per LSB, in counts
        over = False
        for k in range(3):
            if self._has_prev and abs(last[k] - prev[k]) > thr:
                over = True
            prev[k] = last[k]
        self._has_prev = True
        if not regs[INT_ENABLE] & _MOT_INT:
            self._over_ms = 0
            return
        cycle = self.cycle_mhz()
        period_ms = 1000000 // cycle if cycle else 1000 // self.output_rate()
        self._over_ms = self._over_ms + period_ms if over else 0
        if over and self._over_ms >= regs[MOT_DUR]:
            if not regs[INT_STATUS] & _MOT_INT:
                self.motion_edges += 1
            regs[INT_STATUS] |= _MOT_INT

    def output_rate(self):
        dlpf = self.regs[CONFIG] & 7
        gyro_rate = 8000 if dlpf == 0 or dlpf == 7 else 1000
        return gyro_rate // (1 + self.regs[SMPLRT_DIV])

    def _sample(self, chunk, f):
        regs = self.regs
        afs = (regs[ACCEL_CONFIG] >> 3) & 3
        fs = (regs[GYRO_CONFIG] >> 3) & 3
        stby = regs[PWR_MGMT_2]
        last = self._last
        # ACCEL_XOUT..ZOUT, TEMP_OUT, GYRO_XOUT..ZOUT in register order
        last[0] = 0 if stby & 0x20 else counts(chunk[f], afs)
        last[1] = 0 if stby & 0x10 else counts(chunk[f + 1], afs)
        last[2] = 0 if stby & 0x08 else counts(chunk[f + 2], afs)
        last[3] = self.TEMP_25C
        last[4] = 0 if stby & 0x04 else counts(chunk[f + 3], fs)
        last[5] = 0 if stby & 0x02 else counts(chunk[f + 4], fs)
        last[6] = 0 if stby & 0x01 else counts(chunk[f + 5], fs)
        regs[INT_STATUS] |= _DATA_RDY_INT
        self._motion(last, afs)
        fifo_en = regs[FIFO_EN] if regs[USER_CTRL] & 0x40 else 0
        if fifo_en & 0x08:
            self._push(last[0])
            self._push(last[1])
            self._push(last[2])
            if self.TEMP_IN_ACCEL_FRAME:
                self._push(last[3])
        if fifo_en & 0x80:
            self._push(last[3])
        if fifo_en & 0x40:
            self._push(last[4])
        if fifo_en & 0x20:
            self._push(last[5])
        if fifo_en & 0x10:
            self._push(last[6])

    def _push(self, word):
        fifo = self.fifo
        if fifo.count > self.FIFO_SIZE - 2:
            fifo.drop(fifo.count - (self.FIFO_SIZE - 2))  # full: the oldest bytes are overwritten
            self.regs[INT_STATUS] |= _FIFO_OFLOW_INT
        fifo.put2(word >> 8, word)

    # -- the bus side --------------------------------------------------------

    def read(self, reg, buf):
        self._advance()
        regs = self.regs
        n = len(buf)
        if reg == FIFO_R_W:
            i = self.fifo.take_into(buf, 0, n)
            if i:
                self._last_read = buf[i - 1]
            while i < n:
                buf[i] = self._last_read  # an empty FIFO repeats the last byte read
                i += 1
            return
        count = self.fifo.count
        i = 0
        while i < n:
            a = reg + i
            if FIFO_COUNTH <= a <= FIFO_COUNTL:
                buf[i] = count >> 8 if a == FIFO_COUNTH else count & 0xFF
            elif ACCEL_XOUT_H <= a < ACCEL_XOUT_H + 14:
                word = self._last[(a - ACCEL_XOUT_H) >> 1]
                buf[i] = (word >> 8) & 0xFF if not (a - ACCEL_XOUT_H) & 1 else word & 0xFF
            else:
                buf[i] = regs[a & 0x7F]
            i += 1
        if reg <= INT_STATUS < reg + n:
            regs[INT_STATUS] = 0

    def _write_reg(self, reg, value):
        self._advance()
        if reg == PWR_MGMT_1 and value & 0x80:
            self._reset()  # DEVICE_RESET: all registers to defaults; the bit clears itself
            return
        if reg == USER_CTRL and value & 0x04:
            self.fifo.clear()  # FIFO_RESET clears itself
            value &= ~0x04
        if reg in _READ_ONLY:
            return  # read-only, or writes to the FIFO that no driver makes
        self.regs[reg] = value
