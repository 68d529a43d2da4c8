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

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

WHO_AM_I = 0x00
CTRL1 = 0x02
CTRL2 = 0x03
CTRL7 = 0x08
CTRL9 = 0x0A
FIFO_CTRL = 0x14
FIFO_SMPL_CNT = 0x15
FIFO_STATUS = 0x16
FIFO_DATA = 0x17
STATUSINT = 0x2D
AX_L = 0x35
RST_RESULT = 0x4D
RESET = 0x60

_RATES = {3: 1000, 4: 500, 5: 250, 6: 125, 7: 62, 8: 31}  # aODR -> Hz, accelerometer only (62.5, 31.25 cut)
_CMD_ACK = 0x00
_CMD_RST_FIFO = 0x04
_CMD_REQ_FIFO = 0x05
_CMD_DONE = 0x80
_RD_MODE = 0x80
_BYPASS = 0
_FIFO = 1
_SAMPLE = 6
_READ_ONLY = (WHO_AM_I, FIFO_SMPL_CNT, FIFO_STATUS, FIFO_DATA, STATUSINT, RST_RESULT)


class QMI8658Model(StreamSensor):
    NAME = "QMI8658"
    WHO_AM_I_VALUE = 0x05

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._acc = array("h", bytes(6))
        self.fifo = ByteFifo(128 * _SAMPLE)
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        regs[CTRL1] = 0x20  # BE: big-endian
        regs[RST_RESULT] = 0x80  # the reset is done (at once, here)
        self._clear_fifo()

    def _clear_fifo(self):
        self.fifo.clear()
        self.overflow = False

    def fifo_count(self):
        return self.fifo.count

    def _capacity(self):
        return (16 << ((self.regs[FIFO_CTRL] >> 2) & 3)) * _SAMPLE

    MODE_REGS = (CTRL2, CTRL7, RESET)

    def awake(self):
        return bool(self.regs[CTRL7] & 0x01) and (self.regs[CTRL2] & 0x0F) in _RATES

    def output_rate(self):
        return _RATES[self.regs[CTRL2] & 0x0F]

    def _big_endian(self):
        return self.regs[CTRL1] & 0x20

    def _sample(self, chunk, f):
        fs = (self.regs[CTRL2] >> 4) & 7
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
                buf[i] = ((0x80 if full else 0) | (0x20 if self.overflow else 0) | (0x10 if words else 0)
                          | ((words >> 8) & 3))
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
                    regs[FIFO_CTRL] |= _RD_MODE
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
