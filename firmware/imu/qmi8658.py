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

from micropython import const

from imu.fifo import FifoDriver, IMUError, at_or_above

_WHO_AM_I = const(0x00)  # WHO_AM_I
_CTRL1 = const(0x02)  # CTRL1: ADDR_AI bit 6, BE bit 5 (0: little-endian)
_CTRL2 = const(0x03)  # CTRL2: aFS[6:4], aODR[3:0]
_CTRL7 = const(0x08)  # CTRL7: aEN bit 0
_CTRL8 = const(0x09)  # CTRL8: CTRL9_HandShake_Type bit 7 (1: STATUSINT.bit7, not INT1)
_CTRL9 = const(0x0A)  # CTRL9: command register
_FIFO_CTRL = const(0x14)  # FIFO_CTRL: FIFO_RD_MODE bit 7, FIFO_SIZE[3:2], FIFO_MODE[1:0]
_FIFO_SMPL_CNT = const(0x15)  # FIFO_SMPL_CNT, then FIFO_STATUS (16h): fifo_smpl_cnt_msb[1:0], flags
_FIFO_DATA = const(0x17)  # FIFO_DATA, read in FIFO_RD_MODE only
_STATUSINT = const(0x2D)  # STATUSINT: CmdDone bit 7
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

_FS = {2: 0, 4: 1, 8: 2, 16: 3}  # aFS[2:0]


class QMI8658(FifoDriver):
    CHIP = "QMI8658"
    WHO_AM_I_REG = _WHO_AM_I
    WHO_AM_I = 0x05
    FIFO_SAMPLES = 128
    RATES = (125, 250, 500, 1000)  # accelerometer-only aODR codes 6, 5, 4, 3

    def __init__(self, i2c, addr=0x6B, rate_hz=50, range_g=4, max_batch=32):
        super().__init__(i2c, addr, max_batch)
        i = at_or_above(self.RATES, rate_hz)
        self.rate_hz = self.RATES[i]
        self._odr = 6 - i
        self._fs = _FS[range_g]
        self.lsb_per_g = 16384 * 2 // range_g
        self.init()

    def _setup(self):
        self._write_reg(_RESET, _RESET_VALUE)
        self._wait(_RST_RESULT, 0xFF, _RESET_DONE, "finish its reset")
        self._set(_CTRL1, _ADDR_AI)  # little-endian, auto-increment
        self._set(_CTRL2, (self._fs << 4) | self._odr)
        self._set(_CTRL7, _A_EN)  # accelerometer only
        self._set(_CTRL8, _HANDSHAKE_STATUSINT)  # the CTRL9 handshake is polled on STATUSINT, as QST's driver sets it
        self._set(_FIFO_CTRL, _FIFO_SIZE_128 | _FIFO_MODE_STREAM)

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
