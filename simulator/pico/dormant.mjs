// The RP2040's DORMANT state on the emulated chip, as the datasheet has it and rp2040js does not.
//
// Writing "coma" to XOSC DORMANT (RP2040 datasheet 2.16: XOSC; what the SDK's xosc_dormant() and so
// MicroPython's machine.lightsleep() without a timeout do) stops the crystal: every clock of the chip
// stops with it, the timer behind time.ticks_ms, the RTC and the watchdog's tick included. Only a GPIO
// enabled in IO_BANK0's DORMANT_WAKE_INTE registers (2.19: four bits a pin, LEVEL_LOW, LEVEL_HIGH,
// EDGE_LOW, EDGE_HIGH) wakes it, and the crystal runs again. rp2040js keeps the crystal stable-less for
// ever (the SDK's wait for STABLE never ends) and its timer reads the emulator's clock, which the world
// (the IMU and its trace) shares. Here, while dormant: the chip executes nothing, its alarms (timer,
// watchdog, bus) are taken off the clock and put back later by the time it slept, its timer and RTC
// read that much less, and the world goes on; a wake pin's level or edge ends it.

const XOSC = 0x40024;
const XOSC_DORMANT = 0x08;
const DORMANT_VALUE = 0x636f6d61; // "coma"
const IO_BANK0 = 0x40014;
const DORMANT_WAKE_INTE0 = 0x160; // ..0x16c: GPIO 0-7, 8-15, 16-23, 24-29
const LEVEL_LOW = 1;
const LEVEL_HIGH = 2;
const EDGE_LOW = 4;
const EDGE_HIGH = 8;

export class Dormant {
  // `world`: the clock alarms that are not the chip's (the IMU's own sampling), kept running.
  constructor(clock, ledger, world) {
    this.clock = clock;
    this.ledger = ledger;
    this.world = world;
    this.asleep = false;
    this.since = 0;
    this.frozenNs = 0; // the chip's clocks lag the world's by this much
    this.entries = 0;
    this.sleptNs = 0;
    this.held = [];
    this.mcu = null;
  }

  attach(mcu) {
    // a new chip (power-on, watchdog reset), awake, its wake pins cleared; its timer goes on as rp2040js's
    this.mcu = mcu;
    this.asleep = false;
    this.inte = new Uint32Array(4);
    const dormant = this;
    const timer = mcu.peripherals[0x40054];
    const clock = this.clock;
    timer.clock = {
      get nanos() {
        return clock.nanos + dormant.frozenNs;
      },
    };
    const xosc = mcu.peripherals[XOSC];
    const xoscWrite = xosc.writeUint32.bind(xosc);
    xosc.writeUint32 = (offset, value) => {
      xoscWrite(offset, value);
      if (offset === XOSC_DORMANT && value === DORMANT_VALUE) this.enter();
    };
    const io = mcu.peripherals[IO_BANK0];
    const ioRead = io.readUint32.bind(io);
    const ioWrite = io.writeUint32.bind(io);
    io.readUint32 = (offset) => {
      const i = (offset - DORMANT_WAKE_INTE0) >> 2;
      return i >= 0 && i < 4 ? this.inte[i] : ioRead(offset);
    };
    io.writeUint32 = (offset, value) => {
      const i = (offset - DORMANT_WAKE_INTE0) >> 2;
      if (i >= 0 && i < 4) this.inte[i] = value;
      else ioWrite(offset, value);
    };
  }

  wakeBits(pin) {
    return (this.inte[pin >> 3] >>> (4 * (pin & 7))) & 0xf;
  }

  enter() {
    const clock = this.clock;
    this.asleep = true;
    this.since = clock.nanos;
    this.entries += 1;
    // the chip's alarms off the clock, the world's kept
    const held = [];
    for (let a = clock.nextAlarm; a; a = a.next) if (!this.world().includes(a)) held.push(a);
    for (const a of held) clock.unlinkAlarm(a);
    this.held = held;
    for (let pin = 0; pin < 30; pin++) {
      const bits = this.wakeBits(pin);
      const level = this.mcu.gpio[pin].inputValue;
      if ((bits & LEVEL_HIGH && level) || (bits & LEVEL_LOW && !level)) this.wake();
    }
  }

  edge(pin, level) {
    // a GPIO input changed: does it end the dormant state?
    if (!this.asleep) return;
    const bits = this.wakeBits(pin);
    if (bits & (level ? LEVEL_HIGH | EDGE_HIGH : LEVEL_LOW | EDGE_LOW)) this.wake();
  }

  wake() {
    const clock = this.clock;
    const slept = clock.nanos - this.since;
    this.asleep = false;
    this.sleptNs += slept;
    this.frozenNs -= slept;
    this.ledger.dormant(slept);
    for (const a of this.held) clock.linkAlarm(a.nanos + slept - clock.nanos, a);
    this.held = [];
    const rtc = this.mcu.peripherals[0x4005c];
    if (rtc.baselineNanos !== undefined) rtc.baselineNanos += slept;
    const xosc = this.mcu.peripherals[XOSC];
    xosc.isDormant = false;
    if (xosc.enabled) xosc.stable = true;
  }

  stats() {
    return { entries: this.entries, slept_us: Math.floor(this.sleptNs / 1000) };
  }
}

export const WAKE = { LEVEL_LOW, LEVEL_HIGH, EDGE_LOW, EDGE_HIGH };
