// An MPU-6050 (a GY-521 breakout) on the emulated Pico's I2C bus.
//
// The same chip as simulator/chips/mpu6050_model.py, seen from the bus: it
// serves the registers a driver touches (Register Map rev. 4.2: WHO_AM_I,
// PWR_MGMT_1 DEVICE_RESET and SLEEP, SMPLRT_DIV, CONFIG, ACCEL_CONFIG,
// FIFO_EN, USER_CTRL FIFO_EN and FIFO_RESET, INT_STATUS FIFO_OFLOW_INT
// cleared on read, FIFO_COUNTH/L, FIFO_R_W), one register address per
// transfer, auto-incrementing except at FIFO_R_W. What the samples are is not
// decided here: the host turned the trace into the FIFO's byte stream (the
// accelerometer's big-endian counts at the range the driver is expected to
// set, simulator/pico/emulator.py), and this model only queues those bytes.
//
// Trace time 0 is the moment the driver first enables the FIFO (the wearer
// clips on a clip that is ready); sample k arrives at (k + 1) / rate after it
// and, from then on, whether or not the chip is awake to take it. Each byte
// on the bus takes its nine clocks at the bus's speed.
//
// Low-power accelerometer cycle and motion detection as in the Python model
// (PWR_MGMT_1 CYCLE, PWR_MGMT_2 LP_WAKE_CTRL, MOT_THR, MOT_DUR, INT_ENABLE,
// INT_PIN_CFG): in a cycle the chip takes one sample at LP_WAKE_CTRL's rate
// (the trace's frame nearest each wake); motion sets MOT_INT. The INT pin
// (`onInt(level)`, the board wires it to a GPIO) is INT_STATUS & INT_ENABLE,
// held until INT_STATUS is read; while an interrupt is enabled the chip
// samples on its own timer, so motion raises the pin whether or not the MCU
// is awake to ask. `ledger` holds the emulated ns spent in each mode.
//
// Bus faults (cfg.faults, times in trace seconds, all optional): `nack_per_k` per thousand read
// transfers answered with a NACK of the address (drawn by the same xorshift as
// simulator/unix/faults.py, from `seed`); during each `stuck` [start, seconds] every transfer is
// NACKed, as a bus held by a wedged chip. Writes are spared by the random NACKs, as there: the
// driver's next init resets a chip anyway. Counted in stats().nacks.
//
// tests/test_mpu6050_models.py drives this model (through mpu6050_bus.mjs) and
// the Python one with the same transfers and compares every answer.

import fs from 'fs';

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

export class MPU6050 {
  constructor(clock, cfg, emit) {
    this.clock = clock;
    this.cfg = cfg;
    this.emit = emit;
    this.addr = cfg.addr;
    this.stream = fs.readFileSync(cfg.fifo);
    this.samples = Math.floor(this.stream.length / FRAME);
    this.t0 = -1; // trace time 0, emulated ns; -1 until the FIFO is first enabled
    this.produced = 0; // samples of the trace that have happened
    this.taken = 0; // of those, samples the chip put in its FIFO
    this.lost = 0; // samples the chip missed (asleep, resetting, FIFO off) or overwrote
    this.regs = new Uint8Array(128);
    this.fifo = new Uint8Array(FIFO_SIZE);
    this.finishedSaid = false;
    this.prev = [0, 0, 0]; // the sample before, for motion detection
    this.ledger = {}; // mode -> emulated ns in it
    this.ledgerMode = null;
    this.ledgerSince = 0;
    this.motionEdges = 0;
    this.pin = false;
    this.onInt = null;
    this.intAlarm = null;
    this.readBytes = 0; // FIFO bytes the driver took: the samples the MCU measured
    const f = cfg.faults || {};
    this.nackPerK = f.nack_per_k || 0;
    this.stuck = f.stuck || [];
    this.rng = ((f.seed || 1) * 2654435761 + 1) >>> 0 || 1;
    this.nacks = { nack: 0, stuck: 0 };
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

  account() {
    const now = this.clock.nanos;
    if (this.ledgerMode !== null) this.ledger[this.ledgerMode] = (this.ledger[this.ledgerMode] || 0) + now - this.ledgerSince;
    this.ledgerMode = this.mode();
    this.ledgerSince = now;
  }

  ledgerS() {
    this.account();
    const out = {};
    for (const [k, ns] of Object.entries(this.ledger)) out[k] = ns / 1e9;
    return out;
  }

  intLevel() {
    const regs = this.regs;
    return !!(regs[INT_STATUS] & regs[INT_ENABLE] & INT_SOURCES) !== !!(regs[INT_PIN_CFG] & 0x80);
  }

  updatePin() {
    const level = this.intLevel();
    if (level !== this.pin) {
      this.pin = level;
      if (this.onInt) this.onInt(level);
    }
    // an enabled interrupt keeps the chip sampling on its own clock, MCU awake or not
    if (!this.intAlarm && this.clock.createAlarm && this.regs[INT_ENABLE] & INT_SOURCES && this.awake() && this.t0 >= 0
        && this.produced < this.samples) {
      this.intAlarm = this.clock.createAlarm(() => {
        this.intAlarm = null;
        this.advance();
        this.updatePin();
      });
      this.intAlarm.schedule(this.nextSampleNs());
    }
  }

  nextSampleNs() {
    // ns from now until the trace frame the chip samples next (in a cycle, every few frames)
    const per = this.cfg.rate_hz * 1000;
    const cycle = this.cycleMhz();
    let k = this.produced;
    while (cycle && !(Math.floor(((k + 1) * cycle) / per) > Math.floor((k * cycle) / per))) k++;
    // frame k is there once timeUs() reaches (k + 1) / rate: a microsecond over, for advance()'s rounding
    const at = this.t0 + Math.ceil(((k + 1) * 1e6) / this.cfg.rate_hz) * 1000 + 1000;
    return Math.max(at - this.clock.nanos, 1000);
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

  timeUs() {
    return this.t0 < 0 ? 0 : Math.floor((this.clock.nanos - this.t0) / 1000);
  }

  stats() {
    return { samples: this.samples, produced: this.produced, taken: this.taken, lost: this.lost,
      read: Math.floor(this.readBytes / FRAME), nacks: this.nacks };
  }

  below(n) {
    // simulator/unix/faults.py FaultRNG
    let x = this.rng;
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    this.rng = x;
    return x % n;
  }

  nack(read) {
    // true when this transfer's address is not acknowledged (cfg.faults)
    if (this.t0 < 0) return false;
    const t = this.timeUs() / 1e6;
    for (const [a, d] of this.stuck) {
      if (a <= t && t < a + d) {
        this.nacks.stuck += 1;
        return true;
      }
    }
    if (read && this.nackPerK && this.below(1000) < this.nackPerK) {
      this.nacks.nack += 1;
      return true;
    }
    return false;
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

  advance() {
    if (this.t0 < 0) return;
    const due = Math.min(this.samples, Math.floor((this.timeUs() * this.cfg.rate_hz) / 1e6));
    if (due <= this.produced) return;
    const regs = this.regs;
    const awake = this.awake();
    const cycle = awake ? this.cycleMhz() : 0;
    const fifoOn = regs[USER_CTRL] & USER_FIFO_EN && regs[FIFO_EN] & ACCEL_FIFO_EN;
    if (awake && !cycle && (fifoOn || regs[INT_ENABLE] & MOT_INT)) this.check();
    const per = this.cfg.rate_hz * 1000;
    while (this.produced < due) {
      const k = this.produced++;
      // in a low-power cycle the chip wakes for one sample at its own rate
      const sampled = awake && (!cycle || Math.floor(((k + 1) * cycle) / per) > Math.floor((k * cycle) / per));
      if (!sampled || !fifoOn) this.lost += 1;
      if (!sampled) continue;
      const s = this.stream.subarray(k * FRAME, (k + 1) * FRAME);
      regs.set(s, ACCEL_XOUT_H);
      regs[INT_STATUS] |= DATA_RDY_INT;
      this.motion(s);
      if (!fifoOn) continue;
      for (let w = 0; w < FRAME; w += 2) this.push(s[w], s[w + 1]);
      this.taken += 1;
    }
  }

  check() {
    // The stream was made for one rate and range: a driver that sets others gets no wrong data.
    const rate = this.outputRate();
    const afs = (this.regs[ACCEL_CONFIG] >> 3) & 3;
    if (rate !== this.cfg.rate_hz || afs !== this.cfg.afs_sel) {
      this.emit({
        ev: 'error',
        msg: `trace prepared at ${this.cfg.rate_hz} Hz, AFS_SEL ${this.cfg.afs_sel}; ` +
          `the driver set ${rate} Hz, AFS_SEL ${afs}`,
      });
      process.exit(3);
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

  poll() {
    // true once the whole trace has been sampled and the FIFO drained
    this.advance();
    if (!this.finishedSaid && this.t0 >= 0 && this.produced >= this.samples && this.count === 0) {
      this.finishedSaid = true;
      this.emit({ ev: 'stream', state: 'finished', t_us: this.timeUs(), ...this.stats() });
    }
    return this.finishedSaid;
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
    if (reg === USER_CTRL && value & USER_FIFO_EN && this.t0 < 0) {
      this.t0 = this.clock.nanos;
      this.emit({ ev: 'stream', state: 'started', samples: this.samples });
    }
  }

  // -- the bus --------------------------------------------------------------

  attach(i2c) {
    const later = (fn) => {
      // nine SCL periods a byte (8 bits and the acknowledge)
      const ns = (9 * (i2c.sclHighPeriod + i2c.sclLowPeriod) * 1e9) / i2c.rp2040.clkPeri;
      this.clock.createAlarm(fn).schedule(ns);
    };
    let ours = false;
    let first = false;
    let reg = 0;
    i2c.onStart = () => i2c.completeStart();
    i2c.onConnect = (address, mode) => {
      ours = address === this.addr;
      first = true;
      const ack = ours && !this.nack(mode === 1);
      later(() => i2c.completeConnect(ack));
    };
    i2c.onWriteByte = (value) => {
      if (first) {
        reg = value & 0x7f;
        first = false;
      } else {
        this.writeReg(reg, value);
        if (reg !== FIFO_R_W) reg = (reg + 1) & 0x7f;
      }
      later(() => i2c.completeWrite(true));
    };
    i2c.onReadByte = () => {
      const v = this.readReg(reg);
      if (reg !== FIFO_R_W) reg = (reg + 1) & 0x7f;
      later(() => i2c.completeRead(v));
    };
    i2c.onStop = () => i2c.completeStop();
  }
}
