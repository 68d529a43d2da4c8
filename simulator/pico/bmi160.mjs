// A Bosch BMI160 (a breakout on GP4/GP5, INT1 on GP6) on the emulated Pico's I2C bus.
//
// The same chip as simulator/chips/bmi160_model.py, seen from the bus (BMI160 datasheet
// BST-BMI160-DS000): CHIP_ID, PMU_STATUS, DATA (ACC_X..ACC_Z), INT_STATUS[0], FIFO_LENGTH,
// FIFO_DATA, ACC_CONF, ACC_RANGE, FIFO_CONFIG[0..1], INT_EN[0..1], INT_OUT_CTRL, INT_LATCH,
// INT_MAP[0..1], INT_MOTION[0..1] and CMD (softreset, fifo_flush, int_reset, acc_set_pmu_mode).
// Only the headerless, accelerometer-only FIFO: 6-byte frames, x, y, z little-endian (the stream
// the host prepared, at the range the driver is expected to set), in 1024 bytes that, once full,
// drop their oldest frame. A frame leaves the FIFO once its last byte is read, so a burst that
// breaks off mid-frame gets the frame again next time; reading past the last frame gives 0x80.
// INT1 is the OR of the FIFO watermark (at least fifo_water_mark x 4 bytes) and any-motion, where
// enabled, mapped and output. Low power mode (acc_us, acc_bwp 000): one sample at acc_odr.
// Any-motion: a slope between successive samples over int_anym_th x 64 counts on an enabled axis
// for int_anym_dur + 1 samples in a row; latched (INT_LATCH 1111) until int_reset. Trace time,
// the pin's own sampling, the bus and its faults are stream_chip.mjs's.
//
// tests/test_bmi160_models.py drives this model (through chip_bus.mjs) and the Python one with
// the same transfers and compares every answer.

import { StreamChip } from './stream_chip.mjs';

const CHIP_ID = 0x00;
const PMU_STATUS = 0x03;
const DATA_ACC_X = 0x12;
const INT_STATUS_0 = 0x1c;
const FIFO_LENGTH = 0x22;
const FIFO_DATA = 0x24;
const ACC_CONF = 0x40;
const ACC_RANGE = 0x41;
const FIFO_CONFIG_0 = 0x46;
const FIFO_CONFIG_1 = 0x47;
const INT_EN_0 = 0x50;
const INT_EN_1 = 0x51;
const INT_OUT_CTRL = 0x53;
const INT_LATCH = 0x54;
const INT_MAP_0 = 0x55;
const INT_MAP_1 = 0x56;
const INT_MOTION_0 = 0x5f;
const INT_MOTION_1 = 0x60;
const CMD = 0x7e;
const READ_ONLY = new Set([CHIP_ID, PMU_STATUS, INT_STATUS_0, FIFO_LENGTH, FIFO_LENGTH + 1, FIFO_DATA]);

const RATES = { 6: 25, 7: 50, 8: 100, 9: 200, 10: 400, 11: 800, 12: 1600 }; // acc_odr -> Hz
const LOW_POWER_MHZ = { 4: 6250, 5: 12500, 6: 25000, 7: 50000 }; // acc_odr in low power mode -> mHz
const RANGES = { 0x03: 0, 0x05: 1, 0x08: 2, 0x0c: 3 }; // acc_range -> 2, 4, 8, 16 g as a full-scale index
const FRAME = 6;
const FIFO_SIZE = 1024;
const OVER_READ = 0x80;
const ACC_NORMAL = 0x10; // PMU_STATUS.acc_pmu_status 01
const ACC_LOW_POWER = 0x20; // PMU_STATUS.acc_pmu_status 10
const ANYM = 0x04; // INT_STATUS[0].anym_int, INT_MAP[0].int1_anymotion
const FWM = 0x40; // INT_EN[1].int_fwm_en, INT_MAP[1].int1_fwm
const FIFO_ACC_EN = 0x40;
const FIFO_OTHERS = 0xb0; // fifo_gyr_en, fifo_mag_en, fifo_header_en
const INT1_OUTPUT_EN = 0x08;
const INT1_LVL = 0x02;

export class BMI160 extends StreamChip {
  constructor(clock, cfg, emit) {
    super(clock, cfg, emit, FRAME);
    this.STREAM_REG = FIFO_DATA;
    this.regs = new Uint8Array(128);
    this.fifo = new Uint8Array(FIFO_SIZE);
    this.prev = [0, 0, 0]; // the sample before, for any-motion's slope
    this.acc = [0, 0, 0];
    this.data = new Uint8Array(6); // DATA's ACC_X..ACC_Z: the last sample, kept through a reset
    this.reset();
  }

  reset() {
    const regs = this.regs;
    regs.fill(0);
    regs[CHIP_ID] = 0xd1;
    regs[ACC_CONF] = 0x28; // 100 Hz, normal filter
    regs[ACC_RANGE] = 0x03; // 2 g
    regs[0x45] = 0x88; // FIFO_DOWNS
    regs[FIFO_CONFIG_0] = 0x80;
    regs[FIFO_CONFIG_1] = 0x10; // header on, no sensor in the FIFO
    regs[INT_MOTION_1] = 0x14;
    this.clearFifo();
    this.hasPrev = false;
    this.over = 0; // samples in a row with a slope over the threshold
  }

  clearFifo() {
    this.fr = 0;
    this.count = 0;
    this.k = 0; // byte of the oldest frame the burst has reached
  }

  pmu() {
    return this.regs[PMU_STATUS] & 0x30;
  }

  awake() {
    const code = this.regs[ACC_CONF] & 0x0f;
    const pmu = this.pmu();
    return (pmu === ACC_NORMAL && code in RATES) || (pmu === ACC_LOW_POWER && code in LOW_POWER_MHZ);
  }

  cycleMhz() {
    if (this.pmu() !== ACC_LOW_POWER) return 0;
    const conf = this.regs[ACC_CONF];
    if (!(conf & 0x80) || conf & 0x70) {
      this.fail(`the BMI160 model's low power mode wants acc_us 1 and acc_bwp 000, not ACC_CONF 0x${conf.toString(16)}`);
    }
    return LOW_POWER_MHZ[conf & 0x0f] || 0;
  }

  outputRate() {
    return RATES[this.regs[ACC_CONF] & 0x0f];
  }

  mode() {
    if (!this.awake()) return 'suspend';
    const cycle = this.cycleMhz();
    return cycle ? `low power ${cycle / 1000} Hz` : `normal ${this.outputRate()} Hz`;
  }

  watermarkOn() {
    return !!(this.regs[INT_EN_1] & FWM && this.regs[INT_MAP_1] & FWM);
  }

  anymotionOn() {
    return !!(this.regs[INT_EN_0] & 0x07 && this.regs[INT_MAP_0] & ANYM);
  }

  intArmed() {
    return !!(this.regs[INT_OUT_CTRL] & INT1_OUTPUT_EN) && (this.watermarkOn() || this.anymotionOn());
  }

  intLevel() {
    const regs = this.regs;
    if (!(regs[INT_OUT_CTRL] & INT1_OUTPUT_EN)) return false;
    const level = (this.watermarkOn() && this.count >= regs[FIFO_CONFIG_0] * 4)
      || (this.anymotionOn() && !!(regs[INT_STATUS_0] & ANYM));
    return level === !!(regs[INT_OUT_CTRL] & INT1_LVL);
  }

  fifoOn() {
    const cfg = this.regs[FIFO_CONFIG_1];
    if (cfg & FIFO_ACC_EN && cfg & FIFO_OTHERS) this.fail('the BMI160 model has only the headerless accelerometer-only FIFO');
    return !!(cfg & FIFO_ACC_EN);
  }

  fifoCount() {
    return this.count;
  }

  check() {
    const rate = this.outputRate();
    if (rate !== this.cfg.rate_hz) this.fail(`trace prepared at ${this.cfg.rate_hz} Hz, the BMI160 set to ${rate} Hz`);
  }

  take(s) {
    const regs = this.regs;
    const range = RANGES[regs[ACC_RANGE] & 0x0f];
    if (range !== this.cfg.afs_sel) {
      this.fail(`trace prepared at full-scale index ${this.cfg.afs_sel}; the driver set ACC_RANGE 0x${regs[ACC_RANGE].toString(16)}`);
    }
    this.data.set(s);
    for (let a = 0; a < 3; a++) {
      const v = s[2 * a] | (s[2 * a + 1] << 8);
      this.acc[a] = v & 0x8000 ? v - 0x10000 : v;
    }
    this.anymotion();
    if (!this.fifoOn()) return;
    if (this.count + FRAME > FIFO_SIZE) this.drop(); // full: the oldest frame is discarded
    for (let i = 0; i < FRAME; i++) this.fifo[(this.fr + this.count + i) % FIFO_SIZE] = s[i];
    this.count += FRAME;
  }

  anymotion() {
    // the slope is taken on every sample, as the chip does, enabled or not
    const regs = this.regs;
    const thr = regs[INT_MOTION_1] << 6; // range / 512 per LSB: 64 counts at every range
    const axes = regs[INT_EN_0] & 0x07;
    let over = false;
    for (let a = 0; a < 3; a++) {
      if (this.hasPrev && axes & (1 << a) && Math.abs(this.acc[a] - this.prev[a]) > thr) over = true;
      this.prev[a] = this.acc[a];
    }
    this.hasPrev = true;
    if (!axes) {
      this.over = 0;
      return;
    }
    this.over = over ? this.over + 1 : 0;
    const fired = this.over >= (regs[INT_MOTION_0] & 0x03) + 1;
    if (fired && !(regs[INT_STATUS_0] & ANYM)) this.motionEdges += 1;
    if (fired) regs[INT_STATUS_0] |= ANYM;
    else if ((regs[INT_LATCH] & 0x0f) !== 0x0f) regs[INT_STATUS_0] &= ~ANYM;
  }

  drop() {
    this.fr = (this.fr + FRAME) % FIFO_SIZE;
    this.count -= FRAME;
    this.k = 0;
  }

  // -- registers ------------------------------------------------------------

  begin() {
    // a new transfer: a frame part-read by the last burst is read again from its first byte
    this.k = 0;
    this.lengthLatched = -1;
  }

  readFifo() {
    if (this.count < FRAME) return OVER_READ;
    const b = this.fifo[(this.fr + this.k) % FIFO_SIZE];
    this.readBytes += 1;
    this.k += 1;
    if (this.k === FRAME) {
      this.drop();
      this.updatePin();
    }
    return b;
  }

  readReg(reg) {
    this.advance();
    if (reg === FIFO_DATA) return this.readFifo();
    if (reg === FIFO_LENGTH || reg === FIFO_LENGTH + 1) {
      // the byte counter as the burst found it
      if (this.lengthLatched < 0) this.lengthLatched = this.count;
      return reg === FIFO_LENGTH ? this.lengthLatched & 0xff : (this.lengthLatched >> 8) & 0x07;
    }
    if (reg >= DATA_ACC_X && reg < DATA_ACC_X + 6) return this.data[reg - DATA_ACC_X];
    return this.regs[reg & 0x7f];
  }

  writeReg(reg, value) {
    this.advance();
    if (reg === CMD) {
      this.command(value);
    } else if (!READ_ONLY.has(reg) && !(reg >= DATA_ACC_X && reg < DATA_ACC_X + 6)) {
      this.regs[reg] = value;
    }
    if (reg === ACC_CONF || reg === CMD || this.ledgerMode === null) this.account();
    if (reg === FIFO_CONFIG_1 && value & FIFO_ACC_EN) this.start();
    this.updatePin();
  }

  command(value) {
    const regs = this.regs;
    if (value === 0xb6) {
      this.reset(); // softreset
    } else if (value === 0xb0) {
      this.clearFifo(); // fifo_flush
    } else if (value === 0xb1) {
      regs[INT_STATUS_0] = 0; // int_reset: latched interrupts cleared
      this.over = 0;
    } else if ((value & 0xfc) === 0x10) {
      regs[PMU_STATUS] = (regs[PMU_STATUS] & 0xcf) | ((value & 0x03) << 4); // acc_set_pmu_mode
    }
  }
}
