// An MPU-6050 (a GY-521 breakout) on the emulated Pico's I2C bus.
//
// The same chip as simulator/chips/mpu6050_model.py, seen from the bus: it
// serves the registers a driver touches (Register Map rev. 4.2: WHO_AM_I,
// PWR_MGMT_1 DEVICE_RESET and SLEEP, SMPLRT_DIV, CONFIG, ACCEL_CONFIG,
// FIFO_EN, USER_CTRL FIFO_EN and FIFO_RESET, INT_STATUS FIFO_OFLOW_INT
// cleared on read, FIFO_COUNTH/L, FIFO_R_W), one register address per
// transfer, auto-incrementing except at FIFO_R_W. Its stream is the
// accelerometer's big-endian counts at the range the driver is expected to
// set; trace time, the INT pin's own sampling, the bus and its faults are
// stream_chip.mjs's.
//
// Low-power accelerometer cycle and motion detection as in the Python model
// (PWR_MGMT_1 CYCLE, PWR_MGMT_2 LP_WAKE_CTRL, MOT_THR, MOT_DUR, INT_ENABLE,
// INT_PIN_CFG): in a cycle the chip takes one sample at LP_WAKE_CTRL's rate;
// motion sets MOT_INT. The INT pin is INT_STATUS & INT_ENABLE, held until
// INT_STATUS is read.
//
// tests/test_mpu6050_models.py drives this model (through chip_bus.mjs) and
// the Python one with the same transfers and compares every answer.

import { StreamChip } from './stream_chip.mjs';

const SMPLRT_DIV = 0x19;
const CONFIG = 0x1a;
const ACCEL_CONFIG = 0x1c;
const FIFO_EN = 0x23;
const INT_STATUS = 0x3a;
const ACCEL_XOUT_H = 0x3b;
const USER_CTRL = 0x6a;
const PWR_MGMT_1 = 0x6b;
const PWR_MGMT_2 = 0x6c;
const MOT_THR = 0x1f;
const MOT_DUR = 0x20;
const INT_PIN_CFG = 0x37;
const INT_ENABLE = 0x38;
const MODE_REGS = new Set([SMPLRT_DIV, CONFIG, PWR_MGMT_1, PWR_MGMT_2]);
const FIFO_COUNTH = 0x72;
const FIFO_COUNTL = 0x73;
const FIFO_R_W = 0x74;
const WHO_AM_I = 0x75;
const READ_ONLY = new Set([WHO_AM_I, INT_STATUS, FIFO_COUNTH, FIFO_COUNTL, FIFO_R_W]);

const SLEEP = 0x40;
const DEVICE_RESET = 0x80;
const USER_FIFO_EN = 0x40;
const FIFO_RESET = 0x04;
const ACCEL_FIFO_EN = 0x08;
const FIFO_OFLOW_INT = 0x10;
const DATA_RDY_INT = 0x01;
const MOT_INT = 0x40;
const INT_SOURCES = 0x51; // MOT_INT, FIFO_OFLOW_INT, DATA_RDY_INT
const CYCLE = 0x20;
const LP_WAKE_MHZ = [1250, 5000, 20000, 40000];
const FIFO_SIZE = 1024;
const FRAME = 6;

export class MPU6050 extends StreamChip {
  constructor(clock, cfg, emit) {
    super(clock, cfg, emit, FRAME);
    this.STREAM_REG = FIFO_R_W;
    this.regs = new Uint8Array(128);
    this.fifo = new Uint8Array(FIFO_SIZE);
    this.prev = [0, 0, 0]; // the sample before, for motion detection
    this.reset();
  }

  reset() {
    this.regs.fill(0);
    this.regs[PWR_MGMT_1] = SLEEP;
    this.regs[WHO_AM_I] = 0x68;
    this.clearFifo();
    this.lastRead = 0;
    this.overMs = 0;
    this.hasPrev = false;
  }

  cycleMhz() {
    return (this.regs[PWR_MGMT_1] & (CYCLE | SLEEP)) === CYCLE ? LP_WAKE_MHZ[this.regs[PWR_MGMT_2] >> 6] : 0;
  }

  mode() {
    if (!this.awake()) return 'sleep';
    const cycle = this.cycleMhz();
    if (cycle) return `low power ${cycle / 1000} Hz`;
    return `normal ${this.outputRate()} Hz, gyro ${(this.regs[PWR_MGMT_2] & 7) === 7 ? 'off' : 'on'}`;
  }

  intLevel() {
    const regs = this.regs;
    return !!(regs[INT_STATUS] & regs[INT_ENABLE] & INT_SOURCES) !== !!(regs[INT_PIN_CFG] & 0x80);
  }

  intArmed() {
    return !!(this.regs[INT_ENABLE] & INT_SOURCES);
  }

  motion(s) {
    // |sample - previous| over MOT_THR (2 mg per LSB) on any axis, for MOT_DUR ms, sets MOT_INT
    const regs = this.regs;
    const afs = (regs[ACCEL_CONFIG] >> 3) & 3;
    const thr = Math.floor((regs[MOT_THR] * 2 * (16384 >> afs)) / 1000);
    let over = false;
    for (let a = 0; a < 3; a++) {
      let v = (s[2 * a] << 8) | s[2 * a + 1];
      if (v & 0x8000) v -= 0x10000;
      if (this.hasPrev && Math.abs(v - this.prev[a]) > thr) over = true;
      this.prev[a] = v;
    }
    this.hasPrev = true;
    if (!(regs[INT_ENABLE] & MOT_INT)) {
      this.overMs = 0; // the hold is renewed by every sample; MOT_INT is set only while it is enabled
      return;
    }
    const cycle = this.cycleMhz();
    const periodMs = cycle ? Math.floor(1e6 / cycle) : Math.floor(1000 / this.outputRate());
    this.overMs = over ? this.overMs + periodMs : 0;
    if (over && this.overMs >= regs[MOT_DUR]) {
      if (!(regs[INT_STATUS] & MOT_INT)) this.motionEdges += 1;
      regs[INT_STATUS] |= MOT_INT;
    }
  }

  clearFifo() {
    this.fr = 0;
    this.count = 0;
  }

  // -- sampling -------------------------------------------------------------

  awake() {
    return !(this.regs[PWR_MGMT_1] & SLEEP);
  }

  outputRate() {
    const dlpf = this.regs[CONFIG] & 7;
    const gyroRate = dlpf === 0 || dlpf === 7 ? 8000 : 1000;
    return Math.floor(gyroRate / (1 + this.regs[SMPLRT_DIV]));
  }

  fifoOn() {
    return !!(this.regs[USER_CTRL] & USER_FIFO_EN && this.regs[FIFO_EN] & ACCEL_FIFO_EN);
  }

  fifoCount() {
    return this.count;
  }

  take(s) {
    const regs = this.regs;
    regs.set(s, ACCEL_XOUT_H);
    regs[INT_STATUS] |= DATA_RDY_INT;
    this.motion(s);
    if (!this.fifoOn()) return;
    for (let w = 0; w < FRAME; w += 2) this.push(s[w], s[w + 1]);
  }

  check() {
    // the stream was made for one rate and range (while the FIFO or motion detection takes samples)
    if (!this.fifoOn() && !(this.regs[INT_ENABLE] & MOT_INT)) return;
    const rate = this.outputRate();
    const afs = (this.regs[ACCEL_CONFIG] >> 3) & 3;
    if (rate !== this.cfg.rate_hz || afs !== this.cfg.afs_sel) {
      this.fail(`trace prepared at ${this.cfg.rate_hz} Hz, AFS_SEL ${this.cfg.afs_sel}; ` +
        `the driver set ${rate} Hz, AFS_SEL ${afs}`);
    }
  }

  push(hi, lo) {
    if (this.count > FIFO_SIZE - 2) {
      // full: the oldest bytes are overwritten, frame alignment is lost, as on the chip
      const drop = this.count - (FIFO_SIZE - 2);
      this.fr = (this.fr + drop) % FIFO_SIZE;
      this.count -= drop;
      this.regs[INT_STATUS] |= FIFO_OFLOW_INT;
    }
    this.fifo[(this.fr + this.count) % FIFO_SIZE] = hi;
    this.fifo[(this.fr + this.count + 1) % FIFO_SIZE] = lo;
    this.count += 2;
  }

  popFifo() {
    if (!this.count) return this.lastRead; // an empty FIFO repeats the last byte read (register 116)
    const b = this.fifo[this.fr];
    this.lastRead = b;
    this.readBytes += 1;
    this.fr = (this.fr + 1) % FIFO_SIZE;
    this.count -= 1;
    return b;
  }

  // -- registers ------------------------------------------------------------

  readReg(reg) {
    this.advance();
    if (reg === FIFO_R_W) return this.popFifo();
    if (reg === FIFO_COUNTH) {
      this.latched = this.count;
      return this.count >> 8;
    }
    if (reg === FIFO_COUNTL) return (this.latched === undefined ? this.count : this.latched) & 0xff;
    const v = this.regs[reg & 0x7f];
    if (reg === INT_STATUS) {
      this.regs[INT_STATUS] = 0;
      this.updatePin();
    }
    return v;
  }

  writeReg(reg, value) {
    this.advance();
    if (reg === PWR_MGMT_1 && value & DEVICE_RESET) {
      this.reset(); // all registers to defaults; the bit clears itself
      this.account();
      this.updatePin();
      return;
    }
    if (reg === USER_CTRL && value & FIFO_RESET) {
      this.clearFifo();
      value &= ~FIFO_RESET;
    }
    if (READ_ONLY.has(reg)) return;
    this.regs[reg] = value;
    if (MODE_REGS.has(reg) || this.ledgerMode === null) this.account();
    if (reg === INT_ENABLE || reg === INT_PIN_CFG || MODE_REGS.has(reg)) this.updatePin();
    if (reg === USER_CTRL && value & USER_FIFO_EN) this.start();
  }
}
