// Where the emulated Pico's time goes while the clip is worn (USB unplugged).
//
// Every nanosecond the harness advances the clock is charged to one chip state:
//   run         executing at the system clock (PLL, 125 MHz), flash routines included
//   wfi         waiting for an interrupt at the system clock
//   lightsleep  clk_sys on the 12 MHz crystal, PLL off (machine.lightsleep), running or waiting
//   dormant     oscillators stopped (dormant.mjs charges it through dormant(ns) at the wake)
// with the wake-ups (light sleeps left, WFI waits ended), I2C bytes, flash programs and erases,
// the motor's on-time and the IMU's time in each of its modes. Only time while `worn` is true counts: a
// worn clip has no USB. Flash figures are the worn share of `flash`, the emulator's FlashTally (flash.mjs),
// where they are counted.

const XOSC_HZ = 12e6;

export class Ledger {
  constructor(clock, flash) {
    this.clock = clock;
    this.flashTally = flash;
    this.worn = false;
    this.ns = { run: 0, wfi: 0, lightsleep: 0, dormant: 0 };
    this.replayedNs = 0;
    this.wornSince = 0;
    this.lightsleepWakes = 0;
    this.wfiWakes = 0;
    this.i2cBytes = 0;
    this.flashPrograms = 0; // 256-byte pages, in worn stretches that ended
    this.flashErases = 0; // 4 KB sectors
    this.flashSince = null; // the tally's pages and sectors when this worn stretch began
    this.motorNs = 0;
    this.motorSince = -1;
    this.waiting = false;
    this.onCrystal = false;
    this.imuModes = () => ({}); // the IMU model's seconds in each mode since power-on
    this.imuAtWear = {};
    this.imuWorn = {};
  }

  watchIMU(modes) {
    this.imuModes = modes;
  }

  imuSince(from) {
    const out = {};
    for (const [k, s] of Object.entries(this.imuModes())) if (s - (from[k] || 0) > 0) out[k] = s - (from[k] || 0);
    return out;
  }

  setWorn(worn) {
    if (worn === this.worn) return;
    const now = this.clock.nanos;
    if (worn) {
      this.wornSince = now;
      this.imuAtWear = this.imuModes();
      this.flashSince = this._flashNow();
      if (this.motorSince >= 0) this.motorSince = now;
    } else {
      this.replayedNs += now - this.wornSince;
      for (const [k, s] of Object.entries(this.imuSince(this.imuAtWear))) this.imuWorn[k] = (this.imuWorn[k] || 0) + s;
      const [pages, sectors] = this._flashWorn();
      this.flashPrograms = pages;
      this.flashErases = sectors;
      this.motor(false);
    }
    this.worn = worn;
  }

  charge(ns, waiting, clkSys) {
    // Called for every clock advance of the run loop, before the tick.
    const crystal = clkSys <= XOSC_HZ;
    if (this.waiting && !waiting && this.worn) {
      if (this.onCrystal) this.lightsleepWakes += 1;
      else this.wfiWakes += 1;
    }
    this.waiting = waiting;
    this.onCrystal = crystal;
    if (!this.worn) return;
    if (crystal) this.ns.lightsleep += ns;
    else if (waiting) this.ns.wfi += ns;
    else this.ns.run += ns;
  }

  dormant(ns) {
    if (this.worn) this.ns.dormant += ns;
  }

  _flashNow() {
    return [this.flashTally.pages_programmed, this.flashTally.sectors_erased];
  }

  _flashWorn() {
    // pages programmed and sectors erased while worn, this stretch included
    if (!this.worn) return [this.flashPrograms, this.flashErases];
    const [pages, sectors] = this._flashNow();
    return [this.flashPrograms + pages - this.flashSince[0], this.flashErases + sectors - this.flashSince[1]];
  }

  motor(on) {
    const now = this.clock.nanos;
    if (on && this.motorSince < 0) this.motorSince = now;
    else if (!on && this.motorSince >= 0) {
      if (this.worn) this.motorNs += now - this.motorSince;
      this.motorSince = -1;
    }
  }

  countI2C(i2c) {
    // Wraps the byte callbacks a bus device (the IMU model) installed on `i2c`.
    for (const name of ['onWriteByte', 'onReadByte']) {
      const fn = i2c[name];
      i2c[name] = (...args) => {
        if (this.worn) this.i2cBytes += 1;
        return fn(...args);
      };
    }
  }

  report() {
    const now = this.clock.nanos;
    const replayed = this.replayedNs + (this.worn ? now - this.wornSince : 0);
    const motor = this.motorNs + (this.worn && this.motorSince >= 0 ? now - this.motorSince : 0);
    const seconds = {};
    for (const [k, v] of Object.entries(this.ns)) seconds[k] = v / 1e9;
    const imu = { ...this.imuWorn };
    if (this.worn) for (const [k, s] of Object.entries(this.imuSince(this.imuAtWear))) imu[k] = (imu[k] || 0) + s;
    return {
      worn: this.worn,
      seconds,
      seconds_replayed: replayed / 1e9,
      wakeups: { lightsleep: this.lightsleepWakes, wfi: this.wfiWakes },
      i2c_bytes: this.i2cBytes,
      flash_programs: this._flashWorn()[0],
      flash_erases: this._flashWorn()[1],
      motor_s: motor / 1e9,
      imu_s: imu, // the IMU's worn seconds in each of its modes ("normal 50 Hz, gyro off", "low power 5 Hz")
    };
  }
}

// -- USB unplugged while worn ---------------------------------------------

const USBCTRL_IRQ = 5;
const SIE_STATUS = 0x50;
const SIE_SUSPENDED = 1 << 4;
const INTR_DEV_SUSPEND = 1 << 14;

export function unplugUSB(usb) {
  // The cable pulled: the bus goes idle and the device sees a suspend (a Pico forces VBUS detect on,
  // so TinyUSB cannot tell an unplug from a suspend), once; from then on no USB interrupt reaches
  // the core until plugUSB, as on a battery-powered clip with nothing on its USB port.
  let suspendPending = true;
  const write = usb.writeUint32;
  usb.intRaw = INTR_DEV_SUSPEND;
  usb.checkInterrupts = () => {
    usb.rp2040.setInterrupt(USBCTRL_IRQ, suspendPending && !!(usb.intEnable & INTR_DEV_SUSPEND));
  };
  usb.writeUint32 = (offset, value) => {
    write.call(usb, offset, value);
    if ((offset & 0xfff) === SIE_STATUS && usb.rawWriteValue & SIE_SUSPENDED) {
      suspendPending = false;
      usb.intRaw = 0;
    }
    usb.checkInterrupts();
  };
  usb.checkInterrupts();
}

export function plugUSB(usb) {
  // Back on the cable: the methods of the class again, and a bus reset from the host (enumeration).
  delete usb.checkInterrupts;
  delete usb.writeUint32;
  usb.intRaw = 0;
  usb.sieStatus = 0;
  usb.checkInterrupts();
  usb.resetDevice();
}

// -- the battery the ledger drains ------------------------------------------

export function lipoVolts(soc, curveMv) {
  // The cell's voltage at state of charge `soc` on `curveMv`: mV from full to empty in equal steps of
  // the charge, linear between the points (simulator/chips/lipo.py names the published curve).
  const n = curveMv.length - 1;
  if (soc >= 1) return curveMv[0] / 1000;
  if (soc <= 0) return curveMv[n] / 1000;
  const pos = (1 - soc) * n;
  const i = Math.floor(pos);
  return (curveMv[i] + (curveMv[i + 1] - curveMv[i]) * (pos - i)) / 1000;
}

export class Battery {
  // cfg: {mah, soc (at power-on), ma: {run, wfi, lightsleep, dormant, rest, motor, imu: {mode: mA}},
  // curve_mv}: the charge spent is the ledger's worn seconds in each chip state times that state's
  // current, the IMU's worn seconds in each of its modes times that mode's ("normal ..." modes: `normal`;
  // a mode not listed: `normal`, an upper bound), `rest` (the board) all the worn time and `motor` while
  // it runs.
  constructor(ledger, cfg) {
    this.ledger = ledger;
    this.cfg = cfg;
  }

  soc() {
    const r = this.ledger.report();
    const ma = this.cfg.ma;
    let mas = r.seconds_replayed * ma.rest + r.motor_s * ma.motor;
    for (const [state, s] of Object.entries(r.seconds)) mas += s * ma[state];
    for (const [mode, s] of Object.entries(r.imu_s)) {
      mas += s * (ma.imu[mode.startsWith('normal') ? 'normal' : mode] ?? ma.imu.normal);
    }
    return Math.max(this.cfg.soc - mas / 3600 / this.cfg.mah, 0);
  }

  volts() {
    return lipoVolts(this.soc(), this.cfg.curve_mv);
  }

  adcRaw(divider) {
    // VSYS through the board's divider into a 12-bit ADC with a 3.3 V reference.
    return Math.min(4095, Math.round((this.volts() / divider / 3.3) * 4095));
  }

  report() {
    return { soc_start: this.cfg.soc, soc: this.soc(), mv: Math.round(this.volts() * 1000) };
  }
}
