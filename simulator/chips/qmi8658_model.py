# Register-level model of the QST QMI8658, fed from a trace.
#
# Follows the QMI8658A datasheet rev. A for what a driver touches:
# WHO_AM_I, CTRL1 (ADDR_AI, BE: big-endian by default), CTRL2 (aFS, aODR;
# accelerometer-only rates), CTRL7 (aEN), the CTRL9 command handshake
# (STATUSINT.CmdDone, CTRL_CMD_ACK) with CTRL_CMD_RST_FIFO and
# CTRL_CMD_REQ_FIFO, FIFO_CTRL (FIFO_RD_MODE, FIFO_SIZE 16..128 samples,
# FIFO_MODE bypass/FIFO/stream), FIFO_SMPL_CNT and FIFO_STATUS (count of
# 2-byte words, FIFO_FULL, FIFO_OVFLOW, FIFO_NOT_EMPTY), FIFO_DATA (only
# in FIFO_RD_MODE), AX_L..AZ_H, RESET and RST_RESULT (0x80 once a reset is
# done). Stream mode overwrites the oldest sample when full and flags the
# overflow; FIFO mode stops.
#
# INT1 (CTRL1 INT1_EN) carries the FIFO watermark where CTRL1.FIFO_INT_SEL
# maps it there (8.5): high while the FIFO holds FIFO_WTM_TH samples or
# more (FIFO_STATUS.FIFO_WTM), its level kept through FIFO_RD_MODE until
# the host leaves it. Low-power rates (aODR 12..15: 128, 21, 11, 3 Hz):
# one sample at that rate. Wake on Motion (12), set by CTRL9
# CTRL_CMD_WRITE_WOM_SETTING from CAL1_L (threshold, mg; 0: off) and
# CAL1_H (pin and initial value [7:6], blanking samples [5:0]): no data
# out (data registers and FIFO keep what they had); a slope between
# successive samples over the threshold on an axis sets STATUS1.WoM and
# toggles the WoM line; reading STATUS1 clears both. `motion_edges`
# counts the WoM events.

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

WHO_AM_I = 0x00
CTRL1 = 0x02
CTRL2 = 0x03
CTRL7 = 0x08
CTRL8 = 0x09
CTRL9 = 0x0A
CAL1_L = 0x0B
CAL1_H = 0x0C
FIFO_WTM_TH = 0x13
FIFO_CTRL = 0x14
FIFO_SMPL_CNT = 0x15
FIFO_STATUS = 0x16
FIFO_DATA = 0x17
STATUSINT = 0x2D
STATUS1 = 0x2F
AX_L = 0x35
RST_RESULT = 0x4D
RESET = 0x60

_RATES = {3: 1000, 4: 500, 5: 250, 6: 125, 7: 62, 8: 31}  # aODR -> Hz, accelerometer only (62.5, 31.25 cut)
_LOW_POWER_MHZ = {12: 128000, 13: 21000, 14: 11000, 15: 3000}  # low-power aODR -> mHz
_CMD_ACK = 0x00
_CMD_RST_FIFO = 0x04
_CMD_REQ_FIFO = 0x05
_CMD_WOM = 0x08
_INT1_EN = 0x08
_FIFO_INT_SEL = 0x04
_WOM = 0x04
_CMD_DONE = 0x80
_RD_MODE = 0x80
_BYPASS = 0
_FIFO = 1
_SAMPLE = 6
_READ_ONLY = (WHO_AM_I, FIFO_SMPL_CNT, FIFO_STATUS, FIFO_DATA, STATUSINT, STATUS1, RST_RESULT)


class QMI8658Model(StreamSensor):
    NAME = "QMI8658"
    WHO_AM_I_VALUE = 0x05

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._acc = array("h", bytes(6))
        self._prev = array("h", bytes(6))  # the sample before, for Wake on Motion's slope
        self.fifo = ByteFifo(128 * _SAMPLE)
        self.motion_edges = 0
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        regs[CTRL1] = 0x20  # BE: big-endian
        regs[RST_RESULT] = 0x80  # the reset is done (at once, here)
        self._clear_fifo()
        self._wom_th = 0  # Wake on Motion's threshold, mg (0: off)
        self._wom_pin = 0  # 0: INT1, 1: INT2
        self._wom_initial = False
        self._wom_line = False
        self._blank = 0  # samples still to ignore after WoM started
        self._has_prev = False
        self._rd_level = False  # the watermark's level as FIFO_RD_MODE began

    def _clear_fifo(self):
        self.fifo.clear()
        self.overflow = False

    def fifo_count(self):
        return self.fifo.count

    def _capacity(self):
        return (16 << ((self.regs[FIFO_CTRL] >> 2) & 3)) * _SAMPLE

    MODE_REGS = (CTRL2, CTRL7, RESET)  # and the WoM command (_set_wom), not every CTRL9 write: FIFO reads use it

    def awake(self):
        code = self.regs[CTRL2] & 0x0F
        return bool(self.regs[CTRL7] & 0x01) and (code in _RATES or code in _LOW_POWER_MHZ)

    def output_rate(self):
        return _RATES[self.regs[CTRL2] & 0x0F]

    def cycle_mhz(self):
        return _LOW_POWER_MHZ.get(self.regs[CTRL2] & 0x0F, 0)

    def mode(self):
        if not self.awake():
            return "sleep"
        cycle = self.cycle_mhz()
        if not cycle:
            return "normal %d Hz" % self.output_rate()
        return "%s %g Hz" % ("wake on motion" if self._wom_th else "low power", cycle / 1000)

    def _watermark_level(self):
        wtm = self.regs[FIFO_WTM_TH]
        return bool(wtm) and self.fifo.count >= wtm * _SAMPLE

    def int_armed(self):
        """Whether INT1 may rise (its output on, and WoM or the FIFO watermark on it), without sampling."""
        regs = self.regs
        if not regs[CTRL1] & _INT1_EN:
            return False
        if self._wom_th:
            return self._wom_pin == 0
        return bool(regs[CTRL1] & _FIFO_INT_SEL and regs[FIFO_WTM_TH])

    def int_pin(self):
        """INT1's level now (True: high): the WoM line while WoM drives it, else the FIFO watermark mapped there."""
        self._advance()
        regs = self.regs
        if not regs[CTRL1] & _INT1_EN:
            return False
        if self._wom_th:
            return self._wom_line if self._wom_pin == 0 else False
        if not regs[CTRL1] & _FIFO_INT_SEL:
            return False
        return self._rd_level if regs[FIFO_CTRL] & _RD_MODE else self._watermark_level()

    def _big_endian(self):
        return self.regs[CTRL1] & 0x20

    def _sample(self, chunk, f):
        fs = (self.regs[CTRL2] >> 4) & 7
        if self._wom_th:
            self._wake_on_motion(chunk, f, fs)
            return
        acc = self._acc
        acc[0] = counts(chunk[f], fs)
        acc[1] = counts(chunk[f + 1], fs)
        acc[2] = counts(chunk[f + 2], fs)
        mode = self.regs[FIFO_CTRL] & 3
        if mode == _BYPASS:
            return
        fifo = self.fifo
        if fifo.count + _SAMPLE > self._capacity():
            if mode == _FIFO:
                return  # FIFO mode: full, collecting stops
            fifo.drop(_SAMPLE)  # stream mode: the oldest sample is overwritten
            self.overflow = True
        be = self._big_endian()
        for k in range(3):
            w = acc[k]
            fifo.put(w >> 8 if be else w)
            fifo.put(w if be else w >> 8)

    def _wake_on_motion(self, chunk, f, fs):
        """One WoM sample: no data out; a slope over the threshold (mg) on an axis is an event."""
        prev = self._prev
        lim = self._wom_th * (16384 >> fs)  # mg x counts per g: compared with 1000 x the slope
        event = False
        for k in range(3):
            c = counts(chunk[f + k], fs)
            if self._has_prev and abs(c - prev[k]) * 1000 > lim:
                event = True
            prev[k] = c
        self._has_prev = True
        if self._blank:
            self._blank -= 1
            return
        if event:
            self.regs[STATUS1] |= _WOM
            self._wom_line = not self._wom_line  # each event toggles the line
            self.motion_edges += 1

    # -- the bus side --------------------------------------------------------

    def read(self, reg, buf):
        self._advance()
        n = len(buf)
        if reg == FIFO_DATA:
            got = 0
            if self.regs[FIFO_CTRL] & _RD_MODE:
                got = self.fifo.take_into(buf, 0, n)
            while got < n:
                buf[got] = 0  # outside FIFO_RD_MODE, or past the end
                got += 1
            return
        i = 0
        while i < n:
            a = reg + i if self.regs[CTRL1] & 0x40 else reg
            words = self.fifo.count // 2
            if a == FIFO_SMPL_CNT:
                buf[i] = words & 0xFF
            elif a == FIFO_STATUS:
                full = self.fifo.count + _SAMPLE > self._capacity()
                buf[i] = ((0x80 if full else 0) | (0x40 if self._watermark_level() else 0)
                          | (0x20 if self.overflow else 0) | (0x10 if words else 0) | ((words >> 8) & 3))
            elif a == STATUS1:
                buf[i] = self.regs[STATUS1]
                self.regs[STATUS1] &= ~_WOM  # read: the WoM event cleared, its line back to the initial value
                self._wom_line = self._wom_initial
            elif AX_L <= a < AX_L + 6:
                w = self._acc[(a - AX_L) >> 1]
                high = ((a - AX_L) & 1) != bool(self._big_endian())
                buf[i] = (w >> 8) & 0xFF if high else w & 0xFF
            else:
                buf[i] = self.regs[a & 0x7F]
            i += 1

    def _write_reg(self, reg, value):
        self._advance()
        regs = self.regs
        if reg == RESET:
            if value == 0xB0:
                self._reset()
            return
        if reg == CTRL9:
            if value == _CMD_ACK:
                regs[STATUSINT] &= ~_CMD_DONE
            else:
                if value == _CMD_RST_FIFO:
                    self._clear_fifo()
                elif value == _CMD_REQ_FIFO:
                    self._rd_level = self._watermark_level()
                    regs[FIFO_CTRL] |= _RD_MODE
                elif value == _CMD_WOM:
                    self._set_wom()
                regs[STATUSINT] |= _CMD_DONE
            regs[CTRL9] = value
            return
        if reg == FIFO_CTRL and regs[FIFO_CTRL] & _RD_MODE and not value & _RD_MODE:
            self.overflow = False  # the host has read the FIFO
        if reg in _READ_ONLY:
            return
        regs[reg] = value
        if regs[FIFO_CTRL] & 3 == _BYPASS:
            self._clear_fifo()

    def _set_wom(self):
        """CTRL_CMD_WRITE_WOM_SETTING: CAL1_L the threshold (0: WoM off), CAL1_H the pin, initial value, blanking."""
        regs = self.regs
        self._account(self._clock.ticks_us())  # the time so far to the mode it was in
        self._wom_th = regs[CAL1_L]
        sel = regs[CAL1_H] >> 6
        self._wom_pin = sel & 1
        self._wom_initial = bool(sel & 2)
        self._wom_line = self._wom_initial
        self._blank = regs[CAL1_H] & 0x3F
        self._has_prev = False
        regs[STATUS1] &= ~_WOM
        self._ledger_mode = self.mode()
