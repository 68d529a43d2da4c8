# QST QMI8658 accelerometer driver, FIFO based.
#
# Register names follow the QMI8658A datasheet rev. A, QST's own driver
# (qmi8658.c) and SensorLib (SensorQMI8658.hpp); imu/README.md gives the
# source of each fact. The accelerometer runs alone (CTRL7 aEN), so its
# output data rates are the nominal ones; the FIFO (stream mode, 128
# samples) holds 6-byte little-endian samples. FIFO_SMPL_CNT and
# FIFO_STATUS[1:0] count 2-byte words. Reading takes the CTRL9 handshake
# (on STATUSINT, CTRL8 bit 7): command CTRL_CMD_REQ_FIFO, wait for
# STATUSINT.CmdDone, acknowledge with CTRL_CMD_ACK and wait for CmdDone to
# clear, burst-read FIFO_DATA, then clear FIFO_CTRL.FIFO_RD_MODE. An
# overflow (oldest samples overwritten) is handled by resetting the FIFO
# (CTRL_CMD_RST_FIFO) and counting it.
#
# With wake_on_watermark(), INT1 (CTRL1 INT1_EN, FIFO_INT_SEL) is high
# while the FIFO holds FIFO_WTM_TH samples or more (datasheet 8.5). While
# the wearer is still, low_power() puts it in Wake on Motion (datasheet
# 12): the accelerometer alone at a low-power rate, no data out, INT1
# toggled by each slope over the threshold until STATUS1 is read. Its
# rest gives no samples to look at (REST_SAMPLES): the clip rests it only
# off the body. WoM is set and left with the accelerometer off, and left
# by the configuration a reset would need (12.6), so full_rate() does that.

from micropython import const

from imu.fifo import FifoDriver, IMUError, at_or_above, register_byte

_WHO_AM_I = const(0x00)  # WHO_AM_I
_CTRL1 = const(0x02)  # CTRL1: ADDR_AI bit 6, BE bit 5 (0: little-endian), INT1_EN bit 3, FIFO_INT_SEL bit 2
_CTRL2 = const(0x03)  # CTRL2: aFS[6:4], aODR[3:0]
_CTRL7 = const(0x08)  # CTRL7: aEN bit 0
_CTRL8 = const(0x09)  # CTRL8: CTRL9_HandShake_Type bit 7 (1: STATUSINT.bit7, not INT1)
_CTRL9 = const(0x0A)  # CTRL9: command register
_CAL1_L = const(0x0B)  # CAL1_L: WoM threshold, mg (0: WoM off)
_CAL1_H = const(0x0C)  # CAL1_H: WoM interrupt pin and initial value [7:6], blanking samples [5:0]
_FIFO_WTM_TH = const(0x13)  # FIFO_WTM_TH: samples that raise the FIFO watermark interrupt (0: off)
_FIFO_CTRL = const(0x14)  # FIFO_CTRL: FIFO_RD_MODE bit 7, FIFO_SIZE[3:2], FIFO_MODE[1:0]
_FIFO_SMPL_CNT = const(0x15)  # FIFO_SMPL_CNT, then FIFO_STATUS (16h): fifo_smpl_cnt_msb[1:0], flags
_FIFO_DATA = const(0x17)  # FIFO_DATA, read in FIFO_RD_MODE only
_STATUSINT = const(0x2D)  # STATUSINT: CmdDone bit 7
_STATUS1 = const(0x2F)  # STATUS1: WoM bit 2, cleared (and the WoM line reset) by reading it
_RST_RESULT = const(0x4D)  # reads 0x80 once a soft reset has finished
_RESET = const(0x60)  # RESET: soft reset when 0xB0 is written

_RESET_VALUE = const(0xB0)
_RESET_DONE = const(0x80)
_ADDR_AI = const(0x40)  # CTRL1.ADDR_AI: register address auto-increment
_A_EN = const(0x01)  # CTRL7.aEN
_HANDSHAKE_STATUSINT = const(0x80)  # CTRL8.CTRL9_HandShake_Type
_FIFO_RD_MODE = const(0x80)  # FIFO_CTRL.FIFO_RD_MODE
_FIFO_SIZE_128 = const(0x0C)  # FIFO_CTRL.FIFO_SIZE 11: 128 samples
_FIFO_MODE_STREAM = const(0x02)  # FIFO_CTRL.FIFO_MODE 10: stream, oldest samples overwritten when full
_FIFO_OVFLOW = const(0x20)  # FIFO_STATUS.FIFO_OVFLOW
_CMD_DONE = const(0x80)  # STATUSINT.CmdDone
_CTRL_CMD_ACK = const(0x00)
_CTRL_CMD_RST_FIFO = const(0x04)
_CTRL_CMD_REQ_FIFO = const(0x05)
_CTRL_CMD_WRITE_WOM_SETTING = const(0x08)
_INT1_FIFO = const(0x0C)  # CTRL1: INT1_EN, FIFO_INT_SEL (the FIFO interrupt on INT1)
_WOM_INT1_LOW = const(0x00)  # CAL1_H[7:6] 00: WoM on INT1, initial value 0 (each event toggles it)
_WOM = const(0x04)  # STATUS1.WoM
_WOM_BLANK = const(2)  # samples ignored after WoM starts (startup transients)

_FS = {2: 0, 4: 1, 8: 2, 16: 3}  # aFS[2:0]


class QMI8658(FifoDriver):
    CHIP = "QMI8658"
    WHO_AM_I_REG = _WHO_AM_I
    WHO_AM_I = 0x05
    FIFO_SAMPLES = 128
    RATES = (125, 250, 500, 1000)  # accelerometer-only aODR codes 6, 5, 4, 3
    LOW_POWER_HZ = (3, 11, 21, 128)  # low-power aODR codes 15, 14, 13, 12
    LOW_POWER_CYCLE = True
    REST_SAMPLES = False  # Wake on Motion puts out no data: no tilt to look at while it rests (no accel_into)

    def __init__(self, i2c, addr=0x6B, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        self._watermark = 0  # FIFO_WTM_TH while the watermark drives INT1
        i = at_or_above(self.RATES, rate_hz)
        self.rate_hz = self.RATES[i]
        self._odr = 6 - i
        self._fs = _FS[range_g]
        self.lsb_per_g = 16384 * 2 // range_g
        self.init()

    def _setup(self):
        self._write_reg(_RESET, _RESET_VALUE)
        self._wait(_RST_RESULT, 0xFF, _RESET_DONE, "finish its reset")
        self._set(_CTRL1, _ADDR_AI | (_INT1_FIFO if self._watermark else 0))  # little-endian, auto-increment
        self._set(_CTRL2, (self._fs << 4) | self._odr)
        self._set(_CTRL7, _A_EN)  # accelerometer only
        self._set(_CTRL8, _HANDSHAKE_STATUSINT)  # the CTRL9 handshake is polled on STATUSINT, as QST's driver sets it
        self._set(_FIFO_CTRL, _FIFO_SIZE_128 | _FIFO_MODE_STREAM)
        if self._watermark:
            self._set(_FIFO_WTM_TH, self._watermark)

    def wake_on_watermark(self, samples):
        """INT1 high while the FIFO holds `samples` (at most half of it) or more."""
        self._watermark = min(samples, self.FIFO_SAMPLES // 2)
        self.init()
        self.wake_ms = self._watermark * 1000 // self.rate_hz
        return self.wake_ms

    def _wom(self, threshold_mg, blank):
        """Wake on Motion's CTRL9 command, the accelerometer off (12.5, 12.6): threshold 0 leaves it."""
        self._write_reg(_CTRL7, 0)
        self._write_reg(_CAL1_L, threshold_mg)
        self._write_reg(_CAL1_H, _WOM_INT1_LOW | blank)
        self._command(_CTRL_CMD_WRITE_WOM_SETTING)

    def low_power(self, wake_hz, motion_mg, motion_ms):
        """While the wearer is still: Wake on Motion at the low-power rate at or above `wake_hz`
        (LOW_POWER_HZ), a slope over `motion_mg` (1 mg steps, at most 255) toggling INT1 (its output on);
        the FIFO off. `motion_ms` is not used: WoM has no duration. Hz set."""
        i = at_or_above(self.LOW_POWER_HZ, wake_hz)
        self._write_reg(_FIFO_CTRL, _FIFO_SIZE_128)  # bypass: no samples kept
        self._write_reg(_CTRL1, _ADDR_AI | _INT1_FIFO)
        self._wom(register_byte(motion_mg), _WOM_BLANK)
        self._write_reg(_CTRL2, (self._fs << 4) | (15 - i))
        self._read_reg(_STATUS1)  # an old event must not wake it at once
        self._write_reg(_CTRL7, _A_EN)
        return self.LOW_POWER_HZ[i]

    def moved(self):
        """Whether Wake on Motion saw a slope over the threshold (reading STATUS1 clears it and INT1)."""
        return bool(self._read_reg(_STATUS1) & _WOM)

    def full_rate(self):
        """Back from low_power(): WoM left, the configuration of init again, an emptied FIFO."""
        self._wom(0, 0)
        for reg, value in self._config:
            self._write_reg(reg, value)
        self.reset_fifo()

    def _command(self, cmd):
        """The CTRL9 handshake: issue `cmd`, wait until done, acknowledge, wait until the ack is seen."""
        self._write_reg(_CTRL9, cmd)
        self._cmd_done(_CMD_DONE)
        self._write_reg(_CTRL9, _CTRL_CMD_ACK)
        self._cmd_done(0)

    def _cmd_done(self, want):
        """Poll STATUSINT.CmdDone until it reads `want` (few locals: no heap frame on the read path)."""
        tries = 1000
        while self._read_reg(_STATUSINT) & _CMD_DONE != want:
            tries -= 1
            if not tries:
                raise IMUError("QMI8658 did not answer a CTRL9 command")

    def reset_fifo(self):
        self._command(_CTRL_CMD_RST_FIFO)

    def _resync(self):
        """A FIFO read that broke off leaves the chip in FIFO_RD_MODE, at a byte the datasheet gives
        no way to find: leave the mode and empty the FIFO."""
        if self._read_reg(_FIFO_CTRL) & _FIFO_RD_MODE:
            self._write_reg(_FIFO_CTRL, _FIFO_SIZE_128 | _FIFO_MODE_STREAM)
            self.reset_fifo()
            self.resyncs += 1

    def read(self, out):
        """Move up to max_batch samples from the FIFO into `out` (x, y, z counts); how many."""
        b2 = self._b2
        self.i2c.readfrom_mem_into(self.addr, _FIFO_SMPL_CNT, b2)  # FIFO_SMPL_CNT, FIFO_STATUS
        if b2[1] & _FIFO_OVFLOW:
            self.reset_fifo()
            self.overflows += 1
            return 0
        words = ((b2[1] & 0x03) << 8) | b2[0]
        if words % 3:
            raise IMUError("QMI8658 FIFO holds %d words, not whole 3-word samples" % words)
        n = words // 3
        if n > self.max_batch:
            n = self.max_batch
        if n == 0:
            return 0
        self._command(_CTRL_CMD_REQ_FIFO)
        f = self._fifo
        self.i2c.readfrom_mem_into(self.addr, _FIFO_DATA, self._views[n - 1])
        self._write_reg(_FIFO_CTRL, _FIFO_SIZE_128 | _FIFO_MODE_STREAM)  # FIFO_RD_MODE off
        j = 0
        end = n * 6
        while j < end:
            v = f[j] | (f[j + 1] << 8)
            out[j >> 1] = v - ((v & 0x8000) << 1)
            j += 2
        return n
