// A QST QMI8658 (the Waveshare RP2040-LCD-1.28's, on I2C1, INT1 on GP23) on the emulated Pico's bus.
//
// The same chip as simulator/chips/qmi8658_model.py, seen from the bus (QMI8658A datasheet rev. A,
// QST 13-52-25): WHO_AM_I, CTRL1 (ADDR_AI, BE, INT1_EN, FIFO_INT_SEL), CTRL2 (aFS, aODR), CTRL7
// (aEN), the CTRL9 handshake on STATUSINT.CmdDone (CTRL_CMD_ACK, _RST_FIFO, _REQ_FIFO,
// _WRITE_WOM_SETTING from CAL1_L/CAL1_H), FIFO_WTM_TH, FIFO_CTRL, FIFO_SMPL_CNT, FIFO_STATUS,
// FIFO_DATA (in FIFO_RD_MODE only, 0 outside it and past the end), STATUS1 (WoM, cleared by
// reading it), AX_L..AZ_H, RESET and RST_RESULT. Accelerometer alone: 6-byte samples (the stream
// the host prepared little-endian, at the range the driver is expected to set; swapped where
// CTRL1.BE asks), in a FIFO of 16..128 samples: stream mode overwrites the oldest and flags the
// overflow, FIFO mode stops. Without ADDR_AI a burst stays on its register; one that starts at
// FIFO_DATA reads the FIFO throughout. INT1 is the FIFO watermark (mapped by FIFO_INT_SEL; its
// level latched while FIFO_RD_MODE lasts) or, in Wake on Motion, the WoM line, which each slope
// over the threshold (mg) between successive low-power samples toggles, after the blanking
// samples. Trace time, the pin's own sampling, the bus and its faults are stream_chip.mjs's.
//
// tests/test_qmi8658_models.py drives this model (through chip_bus.mjs) and the Python one with
// the same transfers and compares every answer.

import { StreamChip } from './stream_chip.mjs';

const WHO_AM_I = 0x00;
const CTRL1 = 0x02;
const CTRL2 = 0x03;
const CTRL7 = 0x08;
const CTRL9 = 0x0a;
const CAL1_L = 0x0b;
const CAL1_H = 0x0c;
const FIFO_WTM_TH = 0x13;
const FIFO_CTRL = 0x14;
const FIFO_SMPL_CNT = 0x15;
const FIFO_STATUS = 0x16;
const FIFO_DATA = 0x17;
const STATUSINT = 0x2d;
const STATUS1 = 0x2f;
const AX_L = 0x35;
const RST_RESULT = 0x4d;
const RESET = 0x60;
const READ_ONLY = new Set([WHO_AM_I, FIFO_SMPL_CNT, FIFO_STATUS, FIFO_DATA, STATUSINT, STATUS1, RST_RESULT]);
const MODE_REGS = new Set([CTRL2, CTRL7, RESET]);

const RATES = { 3: 1000, 4: 500, 5: 250, 6: 125, 7: 62, 8: 31 }; // aODR -> Hz, accelerometer only
const LOW_POWER_MHZ = { 12: 128000, 13: 21000, 14: 11000, 15: 3000 }; // low-power aODR -> mHz
const CMD_ACK = 0x00;
const CMD_RST_FIFO = 0x04;
const CMD_REQ_FIFO = 0x05;
const CMD_WOM = 0x08;
const ADDR_AI = 0x40;
const BE = 0x20;
const INT1_EN = 0x08;
const FIFO_INT_SEL = 0x04;
const WOM = 0x04;
const CMD_DONE = 0x80;
const RD_MODE = 0x80;
const BYPASS = 0;
const FIFO_MODE = 1;
const FRAME = 6;

export class QMI8658 extends StreamChip {
  constructor(clock, cfg, emit) {
    super(clock, cfg, emit, FRAME);
    this.STREAM_REG = FIFO_DATA;
    this.regs = new Uint8Array(128);
    this.fifo = new Uint8Array(128 * FRAME);
    this.acc = [0, 0, 0]; // AX..AZ: the last sample, kept through a reset
    this.prev = [0, 0, 0]; // the sample before, for Wake on Motion's slope
    this.burstAt = -1; // the register the present read burst began at
    this.reset();
  }

  reset() {
    const regs = this.regs;
    regs.fill(0);
    regs[WHO_AM_I] = 0x05;
    regs[CTRL1] = BE;
    regs[RST_RESULT] = 0x80; // the reset is done (at once, here)
    this.clearFifo();
    this.womTh = 0; // mg; 0: Wake on Motion off
    this.womPin = 0; // 0: INT1, 1: INT2
    this.womInitial = false;
    this.womLine = false;
    this.blank = 0; // samples still to ignore after WoM started
    this.hasPrev = false;
    this.rdLevel = false; // the watermark's level as FIFO_RD_MODE began
  }

  clearFifo() {
    this.fr = 0;
    this.count = 0;
    this.overflow = false;
  }

  capacity() {
    return (16 << ((this.regs[FIFO_CTRL] >> 2) & 3)) * FRAME;
  }

  awake() {
    const code = this.regs[CTRL2] & 0x0f;
    return !!(this.regs[CTRL7] & 0x01) && (code in RATES || code in LOW_POWER_MHZ);
  }

  cycleMhz() {
    return LOW_POWER_MHZ[this.regs[CTRL2] & 0x0f] || 0;
  }

  mode() {
    if (!this.awake()) return 'sleep';
    const cycle = this.cycleMhz();
    if (!cycle) return `normal ${RATES[this.regs[CTRL2] & 0x0f]} Hz`;
    return `${this.womTh ? 'wake on motion' : 'low power'} ${cycle / 1000} Hz`;
  }

  watermarkLevel() {
    const wtm = this.regs[FIFO_WTM_TH];
    return !!wtm && this.count >= wtm * FRAME;
  }

  intArmed() {
    const regs = this.regs;
    if (!(regs[CTRL1] & INT1_EN)) return false;
    if (this.womTh) return this.womPin === 0;
    return !!(regs[CTRL1] & FIFO_INT_SEL && regs[FIFO_WTM_TH]);
  }

  intLevel() {
    const regs = this.regs;
    if (!(regs[CTRL1] & INT1_EN)) return false;
    if (this.womTh) return this.womPin === 0 && this.womLine;
    if (!(regs[CTRL1] & FIFO_INT_SEL)) return false;
    return regs[FIFO_CTRL] & RD_MODE ? this.rdLevel : this.watermarkLevel();
  }

  fifoOn() {
    return !this.womTh && (this.regs[FIFO_CTRL] & 3) !== BYPASS;
  }

  fifoCount() {
    return this.count;
  }

  check() {
    const rate = RATES[this.regs[CTRL2] & 0x0f];
    if (rate !== this.cfg.rate_hz) this.fail(`trace prepared at ${this.cfg.rate_hz} Hz, the QMI8658 set to ${rate} Hz`);
  }

  take(s) {
    const regs = this.regs;
    const fs = (regs[CTRL2] >> 4) & 7;
    if (fs !== this.cfg.afs_sel) {
      this.fail(`trace prepared at full-scale index ${this.cfg.afs_sel}; the driver set CTRL2 0x${regs[CTRL2].toString(16)}`);
    }
    if (this.womTh) {
      this.wakeOnMotion(s, fs);
      return;
    }
    for (let a = 0; a < 3; a++) this.acc[a] = word(s, a);
    const mode = regs[FIFO_CTRL] & 3;
    if (mode === BYPASS) return;
    if (this.count + FRAME > this.capacity()) {
      if (mode === FIFO_MODE) return; // FIFO mode: full, collecting stops
      this.fr = (this.fr + FRAME) % this.fifo.length; // stream mode: the oldest sample is overwritten
      this.count -= FRAME;
      this.overflow = true;
    }
    const swap = regs[CTRL1] & BE ? 1 : 0;
    for (let i = 0; i < FRAME; i++) this.fifo[(this.fr + this.count + i) % this.fifo.length] = s[i ^ swap];
    this.count += FRAME;
  }

  wakeOnMotion(s, fs) {
    // one WoM sample: no data out; a slope over the threshold (mg) on an axis is an event
    const lim = this.womTh * (16384 >> fs); // mg x counts per g, against 1000 x the slope
    let event = false;
    for (let a = 0; a < 3; a++) {
      const c = word(s, a);
      if (this.hasPrev && Math.abs(c - this.prev[a]) * 1000 > lim) event = true;
      this.prev[a] = c;
    }
    this.hasPrev = true;
    if (this.blank) {
      this.blank -= 1;
      return;
    }
    if (event) {
      this.regs[STATUS1] |= WOM;
      this.womLine = !this.womLine; // each event toggles the line
      this.motionEdges += 1;
    }
  }

  // -- registers ------------------------------------------------------------

  begin() {
    this.burstAt = -1;
  }

  nextReg(reg) {
    if (reg === FIFO_DATA && this.burstAt === FIFO_DATA) return reg;
    return this.regs[CTRL1] & ADDR_AI ? (reg + 1) & 0x7f : reg;
  }

  readReg(reg) {
    this.advance();
    if (this.burstAt < 0) this.burstAt = reg;
    const regs = this.regs;
    const words = this.count >> 1;
    let v;
    if (reg === FIFO_DATA && this.burstAt === FIFO_DATA) {
      v = 0; // outside FIFO_RD_MODE, or past the end
      if (regs[FIFO_CTRL] & RD_MODE && this.count) {
        v = this.fifo[this.fr];
        this.fr = (this.fr + 1) % this.fifo.length;
        this.count -= 1;
        this.readBytes += 1;
      }
    } else if (reg === FIFO_SMPL_CNT) {
      v = words & 0xff;
    } else if (reg === FIFO_STATUS) {
      const full = this.count + FRAME > this.capacity();
      v = (full ? 0x80 : 0) | (this.watermarkLevel() ? 0x40 : 0) | (this.overflow ? 0x20 : 0)
        | (words ? 0x10 : 0) | ((words >> 8) & 3);
    } else if (reg === STATUS1) {
      v = regs[STATUS1];
      regs[STATUS1] &= ~WOM; // read: the WoM event cleared, its line back to the initial value
      this.womLine = this.womInitial;
      this.updatePin();
    } else if (reg >= AX_L && reg < AX_L + 6) {
      const w = this.acc[(reg - AX_L) >> 1];
      const high = ((reg - AX_L) & 1) !== (regs[CTRL1] & BE ? 1 : 0);
      v = high ? (w >> 8) & 0xff : w & 0xff;
    } else {
      v = regs[reg & 0x7f];
    }
    return v;
  }

  writeReg(reg, value) {
    this.advance();
    this.write(reg, value);
    if (MODE_REGS.has(reg) || (reg === CTRL9 && value === CMD_WOM) || this.ledgerMode === null) this.account();
    if (reg === FIFO_CTRL && value & 3) this.start();
    this.updatePin();
  }

  write(reg, value) {
    const regs = this.regs;
    if (reg === RESET) {
      if (value === 0xb0) this.reset();
      return;
    }
    if (reg === CTRL9) {
      if (value === CMD_ACK) {
        regs[STATUSINT] &= ~CMD_DONE;
      } else {
        if (value === CMD_RST_FIFO) {
          this.clearFifo();
        } else if (value === CMD_REQ_FIFO) {
          this.rdLevel = this.watermarkLevel();
          regs[FIFO_CTRL] |= RD_MODE;
        } else if (value === CMD_WOM) {
          this.setWom();
        }
        regs[STATUSINT] |= CMD_DONE;
      }
      regs[CTRL9] = value;
      return;
    }
    if (reg === FIFO_CTRL && regs[FIFO_CTRL] & RD_MODE && !(value & RD_MODE)) this.overflow = false; // the FIFO read
    if (READ_ONLY.has(reg)) return;
    regs[reg] = value;
    if ((regs[FIFO_CTRL] & 3) === BYPASS) this.clearFifo();
  }

  setWom() {
    // CTRL_CMD_WRITE_WOM_SETTING: CAL1_L the threshold (0: WoM off), CAL1_H the pin, initial value, blanking
    const regs = this.regs;
    this.account(); // the time so far to the mode it was in
    this.womTh = regs[CAL1_L];
    const sel = regs[CAL1_H] >> 6;
    this.womPin = sel & 1;
    this.womInitial = !!(sel & 2);
    this.womLine = this.womInitial;
    this.blank = regs[CAL1_H] & 0x3f;
    this.hasPrev = false;
    regs[STATUS1] &= ~WOM;
  }
}

function word(s, a) {
  // axis a of a little-endian frame, signed
  const v = s[2 * a] | (s[2 * a + 1] << 8);
  return v & 0x8000 ? v - 0x10000 : v;
}
