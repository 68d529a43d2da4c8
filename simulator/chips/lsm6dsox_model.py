# Register-level models of the ST LSM6DSOX and LSM6DS3, fed from a trace.
#
# Follow the datasheets (LSM6DSOX DS12814, LSM6DS3 DocID026899) for what a
# driver touches: WHO_AM_I, CTRL1_XL (ODR_XL, FS_XL), CTRL2_G, CTRL3_C
# (SW_RESET clears itself, IF_INC), OUTX_L_A..OUTZ_H_A (little-endian) and
# the FIFO:
#   LSM6DSOX  FIFO_CTRL3 BDR_XL, FIFO_CTRL4 FIFO_MODE; 512 words of
#             TAG (TAG_SENSOR, TAG_CNT, TAG_PARITY) + 6 data bytes, read
#             from FIFO_DATA_OUT_TAG (the address rolls over from
#             FIFO_DATA_OUT_Z_H back to the tag); FIFO_STATUS1/2 with
#             DIFF_FIFO in words, FIFO_OVR_IA, FIFO_FULL_IA and
#             FIFO_OVR_LATCHED (cleared when FIFO_STATUS2 is read).
#   LSM6DS3   FIFO_CTRL3 DEC_FIFO_XL, FIFO_CTRL5 ODR_FIFO and FIFO_MODE;
#             4096 16-bit words read from FIFO_DATA_OUT_L/H (the address
#             rolls over from _H back to _L, unless BURST_WRAPS is off);
#             FIFO_STATUS1/2 with DIFF_FIFO in words, FIFO_OVER_RUN,
#             FIFO_FULL, FIFO_EMPTY; FIFO_STATUS3/4 FIFO_PATTERN (which
#             word of x, y, z the next read gives).
# The FIFO output registers show the oldest word; it leaves the FIFO when
# its last byte is read, so a burst that breaks off takes whole words.
# Bypass mode empties the FIFO; FIFO mode stops when full; continuous mode
# overwrites the oldest sample and flags the overrun. Only batching at the
# accelerometer's own rate is modelled.

from array import array

from stream_sensor import ByteFifo, StreamSensor, counts

WHO_AM_I = 0x0F
CTRL1_XL = 0x10
CTRL2_G = 0x11
CTRL3_C = 0x12
OUTX_L_A = 0x28
FIFO_STATUS1 = 0x3A
FIFO_STATUS2 = 0x3B
FIFO_STATUS3 = 0x3C
FIFO_STATUS4 = 0x3D

RATES = (12, 26, 52, 104, 208, 416)  # ODR codes 1..6, Hz (12.5 Hz is taken as 12)
_FS_SHIFT = (0, 3, 1, 2)  # FS_XL code -> full scale 2, 16, 4, 8 g as a shift of the 2 g count
_CTRL3_C_DEFAULT = 0x04  # IF_INC
_MODE_BYPASS = 0
_MODE_FIFO = 1
_MODE_CONTINUOUS = 6
_READ_ONLY = (WHO_AM_I, FIFO_STATUS1, FIFO_STATUS2, FIFO_STATUS3, FIFO_STATUS4)


class _LSM6Model(StreamSensor):
    WHO_AM_I_VALUE = 0
    SAMPLE = 6  # FIFO bytes one accelerometer sample takes
    WORD = 0  # bytes of a FIFO word, the unit that leaves the FIFO
    FIFO_BYTES = 0
    FIFO_OUT = 0  # first FIFO output register

    def __init__(self, clock, stream_path, stream_rate_hz):
        super().__init__(clock, stream_path, stream_rate_hz)
        self._acc = array("h", bytes(6))
        self.fifo = ByteFifo(self.FIFO_BYTES)
        self._frame = bytearray(self.SAMPLE)
        self._reset()

    def _reset(self):
        regs = self._clear_regs()
        regs[WHO_AM_I] = self.WHO_AM_I_VALUE
        regs[CTRL3_C] = _CTRL3_C_DEFAULT
        self._clear_fifo()
        self._latched = False

    def _clear_fifo(self):
        self.fifo.clear()
        self.overrun = False
        self._popped = 0  # words read since the FIFO was last emptied

    def fifo_count(self):
        return self.fifo.count

    def _odr(self):
        return self.regs[CTRL1_XL] >> 4

    MODE_REGS = (CTRL1_XL, CTRL2_G, CTRL3_C)

    def awake(self):
        return 0 < self._odr() <= len(RATES)

    def output_rate(self):
        return RATES[self._odr() - 1]

    # what each chip's FIFO adds
    def _mode(self):
        raise NotImplementedError

    def _batch_code(self):
        raise NotImplementedError

    def _frame_into(self, frame, acc):
        raise NotImplementedError

    def _status(self, reg):
        raise NotImplementedError

    def _next(self, a):
        """The address an auto-incrementing read goes on to after `a`."""
        return self.FIFO_OUT if a == self.FIFO_OUT + self.WORD - 1 else a + 1

    def _sample(self, chunk, f):
        shift = _FS_SHIFT[(self.regs[CTRL1_XL] >> 2) & 3]
        acc = self._acc
        acc[0] = counts(chunk[f], shift)
        acc[1] = counts(chunk[f + 1], shift)
        acc[2] = counts(chunk[f + 2], shift)
        mode = self._mode()
        batch = self._batch_code()
        if mode == _MODE_BYPASS or batch == 0:
            return
        if batch != self._odr():
            raise ValueError("%s model batches only at the accelerometer's rate" % self.NAME)
        fifo = self.fifo
        if fifo.count + self.SAMPLE > self.FIFO_BYTES:
            if mode == _MODE_FIFO:
                return  # FIFO mode: full, collecting stops
            fifo.drop(self.SAMPLE)  # continuous: the oldest sample is overwritten
            self.overrun = True
            self._latched = True
        frame = self._frame
        self._frame_into(frame, acc)
        for b in frame:
            fifo.put(b)

    # -- the bus side --------------------------------------------------------

    def read(self, reg, buf):
        self._advance()
        n = len(buf)
        inc = self.regs[CTRL3_C] & 0x04
        a = reg
        i = 0
        while i < n:
            if self.FIFO_OUT <= a < self.FIFO_OUT + self.WORD:
                buf[i] = self._fifo_byte(a - self.FIFO_OUT)
            elif OUTX_L_A <= a < OUTX_L_A + 6:
                w = self._acc[(a - OUTX_L_A) >> 1]
                buf[i] = (w >> 8) & 0xFF if (a - OUTX_L_A) & 1 else w & 0xFF
            elif FIFO_STATUS1 <= a <= FIFO_STATUS4:
                buf[i] = self._status(a)
            else:
                buf[i] = self.regs[a & 0x7F]
            i += 1
            if inc:
                a = self._next(a)

    def _fifo_byte(self, k):
        """Byte k of the oldest FIFO word (0 when empty); reading its last byte takes the word out."""
        fifo = self.fifo
        if fifo.count < self.WORD:
            return 0
        b = fifo.peek(k)
        if k == self.WORD - 1:
            fifo.drop(self.WORD)
            self._popped += 1
            self.overrun = False
        return b

    def _write_reg(self, reg, value):
        self._advance()
        if reg == CTRL3_C and value & 0x01:
            self._reset()  # SW_RESET: registers to defaults; the bit clears itself
            return
        if reg in _READ_ONLY:
            return
        self.regs[reg] = value
        if self._mode() == _MODE_BYPASS:
            self._clear_fifo()


class LSM6DSOXModel(_LSM6Model):
    NAME = "LSM6DSOX"
    WHO_AM_I_VALUE = 0x6C
    SAMPLE = 7
    WORD = 7
    FIFO_BYTES = 512 * 7
    FIFO_CTRL3 = 0x09
    FIFO_CTRL4 = 0x0A
    FIFO_OUT = 0x78  # FIFO_DATA_OUT_TAG, FIFO_DATA_OUT_X_L .. Z_H
    TAG_XL = 0x02

    def _reset(self):
        super()._reset()
        self._tag_cnt = 0

    def _mode(self):
        return self.regs[self.FIFO_CTRL4] & 7

    def _batch_code(self):
        return self.regs[self.FIFO_CTRL3] & 0x0F

    def _frame_into(self, frame, acc):
        tag = (self.TAG_XL << 3) | (self._tag_cnt << 1)
        self._tag_cnt = (self._tag_cnt + 1) & 3
        ones = 0
        t = tag
        while t:
            ones += t & 1
            t >>= 1
        frame[0] = tag | (ones & 1)  # TAG_PARITY makes the byte's parity even
        frame[1] = acc[0] & 0xFF
        frame[2] = (acc[0] >> 8) & 0xFF
        frame[3] = acc[1] & 0xFF
        frame[4] = (acc[1] >> 8) & 0xFF
        frame[5] = acc[2] & 0xFF
        frame[6] = (acc[2] >> 8) & 0xFF

    def _status(self, reg):
        words = self.fifo.count // 7
        if reg == FIFO_STATUS1:
            return words & 0xFF
        if reg != FIFO_STATUS2:
            return 0
        full = self.fifo.count + 7 > self.FIFO_BYTES
        s = (words >> 8) | (0x40 if self.overrun else 0) | (0x20 if full else 0) | (0x08 if self._latched else 0)
        self._latched = False
        return s


class LSM6DS3Model(_LSM6Model):
    NAME = "LSM6DS3"
    WHO_AM_I_VALUE = 0x69
    SAMPLE = 6
    WORD = 2
    FIFO_BYTES = 8192
    FIFO_CTRL3 = 0x08
    FIFO_CTRL5 = 0x0A
    FIFO_OUT = 0x3E  # FIFO_DATA_OUT_L, FIFO_DATA_OUT_H
    BURST_WRAPS = True  # an auto-incrementing read goes from FIFO_DATA_OUT_H back to _L

    def _mode(self):
        return self.regs[self.FIFO_CTRL5] & 7

    def _batch_code(self):
        if not self.regs[self.FIFO_CTRL3] & 7:  # DEC_FIFO_XL: accelerometer not in the FIFO
            return 0
        return (self.regs[self.FIFO_CTRL5] >> 3) & 0x0F  # ODR_FIFO

    def _next(self, a):
        return super()._next(a) if self.BURST_WRAPS else a + 1

    def _frame_into(self, frame, acc):
        k = 0
        while k < 3:
            frame[2 * k] = acc[k] & 0xFF
            frame[2 * k + 1] = (acc[k] >> 8) & 0xFF
            k += 1

    def _status(self, reg):
        words = self.fifo.count // 2
        if reg == FIFO_STATUS1:
            return words & 0xFF
        if reg == FIFO_STATUS3:
            return self._popped % 3  # FIFO_PATTERN[7:0]: x, y, z repeat with only the accelerometer batched
        if reg == FIFO_STATUS4:
            return 0
        full = self.fifo.count + 6 > self.FIFO_BYTES
        return ((words >> 8) & 0x0F) | (0x40 if self.overrun else 0) | (0x20 if full else 0) | (
            0x10 if words == 0 else 0)
