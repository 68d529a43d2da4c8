// What the emulated Pico's IMU models share (mpu6050.mjs, bmi160.mjs, qmi8658.mjs, lsm6dsox.mjs):
// a trace played into the chip in emulated time, the chip's mode ledger, its INT pin, bus faults
// and the I2C bus side.
//
// The samples are not decided here: the host turned the trace into the bytes
// of one accelerometer frame per sample, as the chip's FIFO holds them
// (simulator/pico/emulator.py imu_stream), and a model takes those bytes.
// Trace time 0 is the moment the driver first enables the FIFO (the wearer
// clips on a clip that is ready); sample k arrives at (k + 1) / rate after it
// and, from then on, whether or not the chip is awake to take it. In a
// low-power cycle the chip takes only the frame nearest each of its own wakes.
// While an interrupt that can rise is enabled the chip samples on its own
// timer, so its INT pin (`onInt(level)`, the board wires it to a GPIO) rises
// whether or not the MCU is awake to ask. Each byte on the bus takes its nine
// clocks at the bus's speed. `ledger` holds the emulated ns in each mode.
//
// Bus faults (cfg.faults, times in trace seconds, all optional): `nack_per_k` per thousand read
// transfers answered with a NACK of the address (drawn by the same xorshift as
// simulator/unix/faults.py, from `seed`); during each `stuck` [start, seconds] every transfer is
// NACKed, as a bus held by a wedged chip. Writes are spared by the random NACKs, as there: the
// driver's next init resets a chip anyway. Counted in stats().nacks. During each `line_high`
// [start, seconds] the INT pin is high whatever the chip drives (a line shorted to its supply),
// counted in stats().line_high.
//
// A model provides: FRAME, STREAM_REG (the FIFO's data register: a burst
// there does not move the register pointer; or its own nextReg(reg)), awake(), cycleMhz(), mode(),
// intLevel(), intArmed(), fifoOn(), check() (refuses a rate or range the
// stream was not made for), begin() (optional: a transfer starts), take(frame) (one sample into the registers and,
// with fifoOn(), the FIFO), fifoCount(), readReg(reg) and writeReg(reg, v).

import fs from 'fs';

export class StreamChip {
  constructor(clock, cfg, emit, frame) {
    this.clock = clock;
    this.cfg = cfg;
    this.emit = emit;
    this.addr = cfg.addr;
    this.frame = frame;
    this.stream = fs.readFileSync(cfg.fifo);
    this.samples = Math.floor(this.stream.length / frame);
    this.t0 = -1; // trace time 0, emulated ns; -1 until the FIFO is first enabled
    this.produced = 0; // samples of the trace that have happened
    this.taken = 0; // of those, samples the chip put in its FIFO
    this.lost = 0; // samples the chip missed (asleep, resetting, FIFO off) or overwrote
    this.finishedSaid = false;
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
    this.lineHigh = f.line_high || [];
    this.held = false; // the INT line held high (cfg.faults.line_high)
    this.heldWindows = 0;
  }

  start() {
    // the driver enabled the FIFO: trace time 0, once
    if (this.t0 >= 0) return;
    this.t0 = this.clock.nanos;
    this.emit({ ev: 'stream', state: 'started', samples: this.samples });
    if (!this.clock.createAlarm) return;
    for (const [a, d] of this.lineHigh) {
      this.clock.createAlarm(() => this.holdLine(true)).schedule(a * 1e9);
      this.clock.createAlarm(() => this.holdLine(false)).schedule((a + d) * 1e9);
    }
  }

  holdLine(on) {
    this.held = on;
    if (on) this.heldWindows += 1;
    this.updatePin();
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

  updatePin() {
    const level = this.held || this.intLevel();
    if (level !== this.pin) {
      this.pin = level;
      if (this.onInt) this.onInt(level);
    }
    // an enabled interrupt keeps the chip sampling on its own clock, MCU awake or not
    if (!this.intAlarm && this.clock.createAlarm && this.intArmed() && this.awake() && this.t0 >= 0
        && this.produced < this.samples) {
      this.intAlarm = this.clock.createAlarm(() => {
        this.intAlarm = null;
        this.advance();
        this.updatePin();
      });
      this.intAlarm.schedule(this.nextSampleNs());
    }
  }

  sampledAt(k, cycle) {
    // in a low-power cycle the chip wakes for one sample at its own rate: the frame nearest each wake
    const per = this.cfg.rate_hz * 1000;
    return !cycle || Math.floor(((k + 1) * cycle) / per) > Math.floor((k * cycle) / per);
  }

  nextSampleNs() {
    // ns from now until the trace frame the chip samples next
    const cycle = this.cycleMhz();
    let k = this.produced;
    while (!this.sampledAt(k, cycle)) k++;
    // frame k is there once timeUs() reaches (k + 1) / rate: a microsecond over, for advance()'s rounding
    const at = this.t0 + Math.ceil(((k + 1) * 1e6) / this.cfg.rate_hz) * 1000 + 1000;
    return Math.max(at - this.clock.nanos, 1000);
  }

  timeUs() {
    return this.t0 < 0 ? 0 : Math.floor((this.clock.nanos - this.t0) / 1000);
  }

  stats() {
    return { samples: this.samples, produced: this.produced, taken: this.taken, lost: this.lost,
      read: Math.floor(this.readBytes / this.frame), nacks: this.nacks, line_high: this.heldWindows };
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

  advance() {
    // sample the trace up to now; asleep, the chip lets the world go by unseen
    if (this.t0 < 0) return;
    const due = Math.min(this.samples, Math.floor((this.timeUs() * this.cfg.rate_hz) / 1e6));
    if (due <= this.produced) return;
    const awake = this.awake();
    const cycle = awake ? this.cycleMhz() : 0;
    if (awake && !cycle) this.check();
    const fifoOn = this.fifoOn();
    const n = this.frame;
    while (this.produced < due) {
      const k = this.produced++;
      const sampled = awake && this.sampledAt(k, cycle);
      if (!sampled || !fifoOn) this.lost += 1;
      if (!sampled) continue;
      this.take(this.stream.subarray(k * n, (k + 1) * n));
      if (fifoOn) this.taken += 1;
    }
  }

  fail(msg) {
    // a driver that sets a rate or range the stream was not made for gets no wrong data
    this.emit({ ev: 'error', msg });
    process.exit(3);
  }

  poll() {
    // true once the whole trace has been sampled and the FIFO drained
    this.advance();
    if (!this.finishedSaid && this.t0 >= 0 && this.produced >= this.samples && this.fifoCount() === 0) {
      this.finishedSaid = true;
      this.emit({ ev: 'stream', state: 'finished', t_us: this.timeUs(), ...this.stats() });
    }
    return this.finishedSaid;
  }

  begin() {
    // a transfer starts (a model whose answers depend on where a burst began keeps it here)
  }

  nextReg(reg) {
    // the register a burst goes on to: the next one, except at the FIFO's data register
    return reg === this.STREAM_REG ? reg : (reg + 1) & 0x7f;
  }

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
      if (ours) this.begin();
      const ack = ours && !this.nack(mode === 1);
      later(() => i2c.completeConnect(ack));
    };
    i2c.onWriteByte = (value) => {
      if (first) {
        reg = value & 0x7f;
        first = false;
      } else {
        this.writeReg(reg, value);
        reg = this.nextReg(reg);
      }
      later(() => i2c.completeWrite(true));
    };
    i2c.onReadByte = () => {
      const v = this.readReg(reg);
      reg = this.nextReg(reg);
      later(() => i2c.completeRead(v));
    };
    i2c.onStop = () => i2c.completeStop();
  }
}
