// An ST LSM6DSOX (the Arduino Nano RP2040 Connect's, on I2C0) on the emulated Pico's bus.
//
// The same chip as simulator/chips/lsm6dsox_model.py, seen from the bus (LSM6DSOX datasheet
// DS12814): WHO_AM_I, CTRL1_XL (ODR_XL, FS_XL), CTRL2_G, CTRL3_C (SW_RESET clears itself, IF_INC),
// OUTX_L_A..OUTZ_H_A (little-endian), FIFO_CTRL3 (BDR_XL, only at the accelerometer's own rate),
// FIFO_CTRL4 (FIFO_MODE: bypass empties it, FIFO mode stops when full, continuous overwrites the
// oldest and flags the overrun), FIFO_STATUS1/2 (DIFF_FIFO in words, FIFO_OVR_IA, FIFO_FULL_IA,
// FIFO_OVR_LATCHED cleared by reading FIFO_STATUS2) and the FIFO's 512 words of a TAG byte
// (TAG_SENSOR accelerometer, TAG_CNT, TAG_PARITY) and 6 data bytes, read from FIFO_DATA_OUT_TAG
// (an auto-incrementing read wraps from FIFO_DATA_OUT_Z_H back to the tag). A word leaves the
// FIFO once its last byte is read. The board routes no INT line to the RP2040, so none is
// modelled. Trace time, the bus and its faults are stream_chip.mjs's.
//
// tests/test_lsm6dsox_models.py drives this model (through chip_bus.mjs) and the Python one with
// the same transfers and compares every answer.

import { StreamChip } from './stream_chip.mjs';

const WHO_AM_I = 0x0f;
const FIFO_CTRL3 = 0x09;
const FIFO_CTRL4 = 0x0a;
const CTRL1_XL = 0x10;
const CTRL3_C = 0x12;
const OUTX_L_A = 0x28;
const FIFO_STATUS1 = 0x3a;
const FIFO_STATUS2 = 0x3b;
const FIFO_STATUS4 = 0x3d;
const FIFO_OUT = 0x78; // FIFO_DATA_OUT_TAG, then X_L .. Z_H
const READ_ONLY = new Set([WHO_AM_I, FIFO_STATUS1, FIFO_STATUS2, 0x3c, FIFO_STATUS4]);
const MODE_REGS = new Set([CTRL1_XL, 0x11, CTRL3_C]);

const RATES = [12, 26, 52, 104, 208, 416]; // ODR_XL codes 1..6 (12.5 Hz taken as 12)
const FS_INDEX = [0, 3, 1, 2]; // FS_XL code -> 2, 16, 4, 8 g as a full-scale index
const IF_INC = 0x04;
const BYPASS = 0;
const FIFO_MODE = 1;
const WORD = 7;
const FIFO_BYTES = 512 * WORD;
const TAG_XL = 0x02;

export class LSM6DSOX extends StreamChip {
  constructor(clock, cfg, emit) {
    super(clock, cfg, emit, 6);
    this.regs = new Uint8Array(128);
    this.fifo = new Uint8Array(FIFO_BYTES);
    this.acc = [0, 0, 0]; // OUTX..OUTZ: the last sample, kept through a reset
    this.reset();
  }

  reset() {
    this.regs.fill(0);
    this.regs[WHO_AM_I] = 0x6c;
    this.regs[CTRL3_C] = IF_INC;
    this.clearFifo();
    this.latched = false;
    this.tagCnt = 0;
  }

  clearFifo() {
    this.fr = 0;
    this.count = 0;
    this.overrun = false;
  }

  odr() {
    return this.regs[CTRL1_XL] >> 4;
  }

  awake() {
    return this.odr() > 0 && this.odr() <= RATES.length;
  }

  cycleMhz() {
    return 0;
  }

  mode() {
    return this.awake() ? `normal ${RATES[this.odr() - 1]} Hz` : 'sleep';
  }

  intArmed() {
    return false;
  }

  intLevel() {
    return false;
  }

  fifoMode() {
    return this.regs[FIFO_CTRL4] & 7;
  }

  fifoOn() {
    return this.fifoMode() !== BYPASS && (this.regs[FIFO_CTRL3] & 0x0f) !== 0;
  }

  fifoCount() {
    return this.count;
  }

  check() {
    const rate = RATES[this.odr() - 1];
    if (rate !== this.cfg.rate_hz) this.fail(`trace prepared at ${this.cfg.rate_hz} Hz, the LSM6DSOX set to ${rate} Hz`);
  }

  take(s) {
    const fs = FS_INDEX[(this.regs[CTRL1_XL] >> 2) & 3];
    if (fs !== this.cfg.afs_sel) {
      this.fail(`trace prepared at full-scale index ${this.cfg.afs_sel}; the driver set CTRL1_XL 0x${this.regs[CTRL1_XL].toString(16)}`);
    }
    for (let a = 0; a < 3; a++) {
      const v = s[2 * a] | (s[2 * a + 1] << 8);
      this.acc[a] = v & 0x8000 ? v - 0x10000 : v;
    }
    if (!this.fifoOn()) return;
    if ((this.regs[FIFO_CTRL3] & 0x0f) !== this.odr()) this.fail("the LSM6DSOX model batches only at the accelerometer's rate");
    if (this.count + WORD > FIFO_BYTES) {
      if (this.fifoMode() === FIFO_MODE) return; // FIFO mode: full, collecting stops
      this.fr = (this.fr + WORD) % FIFO_BYTES; // continuous: the oldest word is overwritten
      this.count -= WORD;
      this.overrun = true;
      this.latched = true;
    }
    let tag = (TAG_XL << 3) | (this.tagCnt << 1);
    this.tagCnt = (this.tagCnt + 1) & 3;
    let ones = 0;
    for (let t = tag; t; t >>= 1) ones += t & 1;
    tag |= ones & 1; // TAG_PARITY: the byte's parity even
    const w = (this.fr + this.count) % FIFO_BYTES;
    this.fifo[w] = tag;
    for (let i = 0; i < 6; i++) this.fifo[(w + 1 + i) % FIFO_BYTES] = s[i];
    this.count += WORD;
  }

  // -- registers ------------------------------------------------------------

  nextReg(reg) {
    if (!(this.regs[CTRL3_C] & IF_INC)) return reg;
    return reg === FIFO_OUT + WORD - 1 ? FIFO_OUT : (reg + 1) & 0x7f;
  }

  fifoByte(k) {
    // byte k of the oldest word (0 when empty); reading its last byte takes the word out
    if (this.count < WORD) return 0;
    const b = this.fifo[(this.fr + k) % FIFO_BYTES];
    if (k) this.readBytes += 1;
    if (k === WORD - 1) {
      this.fr = (this.fr + WORD) % FIFO_BYTES;
      this.count -= WORD;
      this.overrun = false;
    }
    return b;
  }

  status(reg) {
    const words = Math.floor(this.count / WORD);
    if (reg === FIFO_STATUS1) return words & 0xff;
    if (reg !== FIFO_STATUS2) return 0;
    const full = this.count + WORD > FIFO_BYTES;
    const s = (words >> 8) | (this.overrun ? 0x40 : 0) | (full ? 0x20 : 0) | (this.latched ? 0x08 : 0);
    this.latched = false;
    return s;
  }

  readReg(reg) {
    this.advance();
    if (reg >= FIFO_OUT && reg < FIFO_OUT + WORD) return this.fifoByte(reg - FIFO_OUT);
    if (reg >= OUTX_L_A && reg < OUTX_L_A + 6) {
      const w = this.acc[(reg - OUTX_L_A) >> 1];
      return (reg - OUTX_L_A) & 1 ? (w >> 8) & 0xff : w & 0xff;
    }
    if (reg >= FIFO_STATUS1 && reg <= FIFO_STATUS4) return this.status(reg);
    return this.regs[reg & 0x7f];
  }

  writeReg(reg, value) {
    this.advance();
    if (reg === CTRL3_C && value & 0x01) {
      this.reset(); // SW_RESET: registers to defaults; the bit clears itself
    } else if (!READ_ONLY.has(reg)) {
      this.regs[reg] = value;
      if (this.fifoMode() === BYPASS) this.clearFifo();
    }
    if (MODE_REGS.has(reg) || this.ledgerMode === null) this.account();
    if (reg === FIFO_CTRL4 && value & 7) this.start();
  }
}
