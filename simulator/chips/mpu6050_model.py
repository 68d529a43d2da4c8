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

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

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

_FIFO_OFLOW_INT = 0x10
_DATA_RDY_INT = 0x01
_READ_ONLY = (WHO_AM_I, INT_STATUS, FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W)


class MPU6050Model(StreamSensor):
    NAME = "MPU-6050"
    WHO_AM_I_VALUE = 0x68
    FIFO_SIZE = 1024
    TEMP_25C = -3920  # TEMP_OUT at 25 degC: (25 - 36.53) * 340
    TEMP_IN_ACCEL_FRAME = False  # MPU-6886: TEMP_OUT follows the accelerometer in the FIFO

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._last = array("h", bytes(14))  # data registers, as counts
        self.fifo = ByteFifo(self.FIFO_SIZE)
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[PWR_MGMT_1] = 0x40  # SLEEP
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        self.fifo.clear()
        self._last_read = 0

    def fifo_count(self):
        return self.fifo.count

    def awake(self):
        return not self.regs[PWR_MGMT_1] & 0x40

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
