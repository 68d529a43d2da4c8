// The emulated Raspberry Pi Pico: the official MicroPython rp2 image on the
// rp2040js instruction-level emulator, with what a board adds around the chip.
//
//   node pico.mjs CONFIG.json
//
// CONFIG (written by simulator/pico/emulator.py):
//   bootrom, uf2        the RP2040 boot ROM and the MicroPython image
//   flash               the file system image (littlefs, fs_offset..+fs_size of the
//                       2 MB flash); read at power-on if it exists, written back on
//                       {"cmd": "save"} and when the process ends
//   port                loopback TCP port bridged to the USB CDC (0: any free one)
//   imu                 {chip, bus, addr, fifo, rate_hz, afs_sel, int_pin}: the board's IMU
//                       (mpu6050.mjs, bmi160.mjs, qmi8658.mjs or lsm6dsox.mjs) on that I2C bus, serving the frames in file
//                       `fifo` (6 bytes a sample, as the chip's FIFO holds them)
//   motor_pin           GPIO whose PWM duty drives the motor (reported as events)
//   marker_pin          GPIO a bench toggles around a measured window
//   end_pin             GPIO driven high once the trace has been played and the FIFO drained
//   gc_alloc            address of gc_alloc in the image (counted, never changed)
//   speed               emulated seconds per wall second (0: as fast as it goes)
//   idle_speed          the same, before the trace starts and once it has been played (default:
//                       speed); a virtual clip at --speed max keeps to wall time there, as a
//                       clip on the desk does, instead of racing through idle minutes it would log
//   battery             {pin, divider, mah, soc, ma: {state: mA, rest, motor, imu}, curve_mv}: the ADC pin
//                       reads a LiPo drained by the ledger's worn seconds (ledger.mjs)
//   worn                unplug the USB while the trace plays (from its first sample until it is
//                       played), plug it back in before end_pin says so; ledger.mjs counts that time
//   ledger_from_s       worn, the ledger counts from this second of the trace on (a steady state: the
//                       night's rest, not the minutes before the clip knows it is off the body)
//   hold_at_end         once the trace has been played, hold the chip (no instruction, no time) until
//                       the host next sends something: a sync then starts from the same state each run
//   flash_events        emit each flash operation: {ev: 'flash', op, kind, addr, bytes, changed}
//   cut                 {op, kind, frac, mode, seed, before}: cut the power in the middle of the op-th
//                       flash operation (of `kind`) from power-on (flash.mjs PowerCut); {"cmd": "cut",
//                       ...} arms one counted from the command. The image as the cut leaves it is saved
//                       (and the one just before the operation to `before`), the chip stays off, the
//                       USB host sees it go; {"cmd": "power"} boots it again, cold, from the image file.
//
// Events go to stdout as JSON lines; commands come as JSON lines on stdin.
//
// What the emulator alone does not do, done here as a board does it:
//   - USB: a host NAKs an OUT endpoint until it has data; the CDC helper answers
//     every read at once with an empty packet, an interrupt storm that eats two
//     thirds of the CPU. Reads are held until there is input.
//   - Flash: the boot ROM's flash_range_erase / flash_range_program are done on
//     the flash array, and their datasheet time is charged to the emulated clock.
//   - Watchdog: an expired watchdog resets the chip (RAM gone, flash kept,
//     WATCHDOG REASON = TIMER), instead of livelocking the emulator.
//   - Dormant: the crystal stopped stops the chip's clocks until a wake pin (dormant.mjs).

import fs from 'fs';
import net from 'net';
import readline from 'readline';
import { RP2040, USBCDC } from 'rp2040js';

import { Dormant } from './dormant.mjs';
import { Battery, Ledger, plugUSB, unplugUSB } from './ledger.mjs';
import { BMI160 } from './bmi160.mjs';
import { LSM6DSOX } from './lsm6dsox.mjs';
import { MPU6050 } from './mpu6050.mjs';
import { QMI8658 } from './qmi8658.mjs';
import { FlashTally, PowerCut, answerUniqueId } from './flash.mjs';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));

const FLASH_BASE = 0x10000000;
const FLASH_SIZE = 2 * 1024 * 1024; // the Pico's W25Q16JV
// W25Q16JV datasheet (rev. H) AC characteristics, typical: sector erase 45 ms, page program 0.4 ms.
const SECTOR = 4096;
const PAGE = 256;
const ERASE_NS_PER_SECTOR = 45e6;
const PROGRAM_NS_PER_PAGE = 0.4e6;
const flashTally = new FlashTally(SECTOR, PAGE);
const powerCut = new PowerCut(flashTally);
const WATCHDOG_REASON_TIMER = 1;
const WALL_SLICE_MS = 10; // wall time between looks at the socket and stdin
const IDLE_MS = 20; // a chip waiting with nothing scheduled wakes for input, or after this

// stdout carries events only: what the emulator prints of its own goes to stderr
console.log = console.info = console.warn = (...args) => process.stderr.write(args.join(' ') + '\n');

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// -- images ---------------------------------------------------------------

function loadUF2(path, flash) {
  const data = fs.readFileSync(path);
  for (let off = 0; off + 512 <= data.length; off += 512) {
    const b = data.subarray(off, off + 512);
    const v = new DataView(b.buffer, b.byteOffset, 512);
    if (v.getUint32(0, true) !== 0x0a324655 || v.getUint32(4, true) !== 0x9e5d5157) {
      throw new Error(`${path}: block ${off / 512} is not a UF2 block`);
    }
    const addr = v.getUint32(12, true);
    const size = v.getUint32(16, true);
    flash.set(b.subarray(32, 32 + size), addr - FLASH_BASE);
  }
}

function romFunction(mcu, code) {
  // Boot ROM: 0x14 holds a 16-bit pointer to the function table, (code, address) pairs up to 0.
  let p = mcu.readUint16(0x14);
  const want = code.charCodeAt(0) | (code.charCodeAt(1) << 8);
  for (;;) {
    const c = mcu.readUint16(p);
    if (!c) throw new Error(`boot ROM has no function '${code}'`);
    if (c === want) return mcu.readUint16(p + 2) & ~1;
    p += 4;
  }
}

// -- the chip, booted anew at power-on and at every watchdog reset --------

const clock = new RP2040().clock; // rp2040js's simulation clock: WFI jumps to the next alarm
const bootrom = new Uint32Array(new Uint8Array(fs.readFileSync(cfg.bootrom)).buffer);
const flash = new Uint8Array(FLASH_SIZE).fill(0xff);
loadUF2(cfg.uf2, flash);
if (cfg.flash && fs.existsSync(cfg.flash)) {
  flash.set(fs.readFileSync(cfg.flash), cfg.fs_offset);
}

const CHIPS = { mpu6050: MPU6050, bmi160: BMI160, qmi8658: QMI8658, lsm6dsox: LSM6DSOX };
const imu = cfg.imu ? new CHIPS[cfg.imu.chip](clock, cfg.imu, emit) : null;
let mcu = null;
let cdc = null;
let boots = 0;
let resetPending = null;
let resetReason = 0;
let romErase = -1;
let romProgram = -1;
let gcAllocs = 0;
let lightsleeps = 0;
let motorOn = false;
let markerValue = 0;
let idleWaits = 0;
let usbUp = false;
let unplugged = false; // the USB out while the trace plays (cfg.worn)
let lightsleepNs = 0;
let held = false; // cfg.hold_at_end: the trace played, the chip waits for the host
let heldOnce = false;
const ledger = new Ledger(clock, flashTally);
const battery = cfg.battery ? new Battery(ledger, cfg.battery) : null;
const dormant = new Dormant(clock, ledger, () => (imu && imu.intAlarm ? [imu.intAlarm] : []));

function boot(cause, reason = 0) {
  // A clock that goes on where the last chip left it: alarms of a chip that is gone must not fire.
  clock.nextAlarm = null;
  mcu = new RP2040(clock);
  mcu.loadBootrom(bootrom);
  mcu.flash.set(flash);
  mcu.logger = { debug() {}, info() {}, warn() {}, error(name, msg) { emit({ ev: 'log', name, msg }); } };
  if (cfg.unique_id) answerUniqueId(mcu, cfg.unique_id);
  romErase = romFunction(mcu, 'RE');
  romProgram = romFunction(mcu, 'RP');
  const watchdog = mcu.peripherals[0x40058];
  watchdog.reason = reason; // REASON survives the reset: TIMER after a timeout, FORCE after machine.reset()
  watchdog.onWatchdogTrigger = () => {
    // its alarm would fire again at once, inside the same clock tick: stop it, reset the chip after the tick
    watchdog.alarm.enable = false;
    watchdog.timer.enable = false;
    resetPending = watchdog.reason === WATCHDOG_REASON_TIMER ? 'watchdog' : 'reset';
    resetReason = watchdog.reason;
  };
  if (imu) {
    imu.attach(mcu.i2c[cfg.imu.bus]);
    // the IMU's INT line on the board's imu_int GPIO (mcu is the chip of the moment, after a reboot too)
    if (cfg.imu.int_pin >= 0) {
      imu.onInt = (level) => {
        mcu.gpio[cfg.imu.int_pin].setInputValue(level);
        dormant.edge(cfg.imu.int_pin, level);
      };
    }
    ledger.countI2C(mcu.i2c[cfg.imu.bus]);
    ledger.watchIMU(() => imu.ledgerS());
    if (cfg.end_pin >= 0) mcu.gpio[cfg.end_pin].setInputValue(imu.finishedSaid);
  }
  dormant.attach(mcu);
  watchPWM();
  watchClock();
  connectUSB();
  mcu.core.PC = FLASH_BASE;
  boots += 1;
  emit({ ev: 'boot', n: boots, cause, t_us: Math.floor(clock.nanos / 1000) });
}

function flashOp() {
  // The boot ROM's flash routines, done here (the emulator's SSI talks to no flash chip).
  const core = mcu.core;
  const pc = core.PC;
  const r = core.registers;
  if (pc === romErase) {
    const start = r[0] >>> 0;
    const count = r[1] >>> 0;
    if (powerCut.due('erase')) return cutPower('erase', start, count, () => powerCut.erase(flash, start, count));
    const changed = cfg.flash_events ? count - flash.subarray(start, start + count).filter((b) => b === 0xff).length : 0;
    flash.fill(0xff, start, start + count);
    mcu.flash.fill(0xff, start, start + count);
    flashTally.erased(count);
    if (cfg.flash_events) emit({ ev: 'flash', op: flashTally.ops(), kind: 'erase', addr: start, bytes: count, changed });
    ledger.charge((count / SECTOR) * ERASE_NS_PER_SECTOR, false, mcu.clkSys);
    clock.tick((count / SECTOR) * ERASE_NS_PER_SECTOR);
  } else if (pc === romProgram) {
    const start = r[0] >>> 0;
    const src = r[1] >>> 0;
    const count = r[2] >>> 0;
    if (powerCut.due('program')) {
      const data = Uint8Array.from({ length: count }, (_, i) => mcu.readUint8(src + i));
      return cutPower('program', start, count, () => powerCut.program(flash, start, data));
    }
    let changed = 0;
    for (let i = 0; i < count; i++) {
      const b = flash[start + i] & mcu.readUint8(src + i); // NOR flash: programming only clears bits
      if (b !== flash[start + i]) changed += 1;
      flash[start + i] = b;
      mcu.flash[start + i] = b;
    }
    flashTally.programmed(count);
    if (cfg.flash_events) emit({ ev: 'flash', op: flashTally.ops(), kind: 'program', addr: start, bytes: count, changed });
    ledger.charge(Math.ceil(count / PAGE) * PROGRAM_NS_PER_PAGE, false, mcu.clkSys);
    clock.tick(Math.ceil(count / PAGE) * PROGRAM_NS_PER_PAGE);
  } else {
    return false;
  }
  core.PC = core.LR & ~1; // return from the routine
  return true;
}

function cutPower(kind, start, count, partly) {
  // The supply gone in the middle of a flash operation: what it leaves on the flash, then the chip off.
  const op = flashTally.ops() + 1;
  if (powerCut.spec.before) fs.writeFileSync(powerCut.spec.before, fsImage());
  const changed = partly();
  if (kind === 'erase') flashTally.erased(count);
  else flashTally.programmed(count);
  save();
  powerOff();
  emit({ ev: 'cut', op, kind, addr: start, bytes: count, changed, t_us: Math.floor(clock.nanos / 1000) });
  return true;
}

function powerOff() {
  // RAM, registers and pending resets gone; the USB host sees the device vanish; the motor stops.
  mcu = null;
  resetPending = null;
  usbUp = false;
  pendingRead = null;
  input.length = 0;
  if (client) client.destroy();
  client = null;
  if (motorOn) {
    motorOn = false;
    ledger.motor(false);
    emit({ ev: 'motor', on: false, t_us: streamTime() });
  }
}

// -- motor, marker, light sleep ------------------------------------------

function pinLevel(pin) {
  // PWM slice pin/2, channel A for even pins, B for odd: on while enabled with a non-zero duty.
  const ch = mcu.pwm.channels[(pin >> 1) & 7];
  const duty = pin & 1 ? ch.cc >>> 16 : ch.cc & 0xffff;
  return ch.csr & 1 && duty > 0;
}

function watchPWM() {
  const pwm = mcu.pwm;
  const write = pwm.writeUint32.bind(pwm);
  pwm.writeUint32 = (offset, value) => {
    write(offset, value);
    if (cfg.motor_pin >= 0) {
      const on = !!pinLevel(cfg.motor_pin);
      if (on !== motorOn) {
        motorOn = on;
        ledger.motor(on);
        emit({ ev: 'motor', on, t_us: streamTime() });
      }
    }
  };
  const sio = mcu.sio;
  const sioWrite = sio.writeUint32.bind(sio);
  sio.writeUint32 = (offset, value) => {
    sioWrite(offset, value);
    if (cfg.marker_pin >= 0) {
      const v = (mcu.sio.gpioValue >>> cfg.marker_pin) & 1;
      if (v !== markerValue) {
        markerValue = v;
        emit({ ev: 'marker', value: v, gc_allocs: gcAllocs, t_us: Math.floor(clock.nanos / 1000) });
      }
    }
  };
}

function watchClock() {
  // machine.lightsleep runs clk_sys from the 12 MHz crystal with the PLL off, and back; boot's own
  // clock set-up is over by the time the USB is up.
  let since = 0;
  mcu.addClockListener((now, before) => {
    if (!usbUp) return;
    if (now < before) {
      lightsleeps += 1;
      since = clock.nanos;
    } else if (since) {
      lightsleepNs += clock.nanos - since;
      since = 0;
    }
  });
}

function pollIMU() {
  // The trace playing is the clip worn: with cfg.worn its USB is out meanwhile, back in for the end.
  if (battery) mcu.adc.channelValues[cfg.battery.pin - 26] = battery.adcRaw(cfg.battery.divider);
  if (!imu) return;
  const finished = imu.poll();
  // (a chip the watchdog reset while worn brings its USB up again: it is still unplugged)
  if (cfg.worn && !finished && usbUp && imu.stats().produced > 0) {
    unplugUSB(mcu.usbCtrl);
    usbUp = false;
    pendingRead = null;
    unplugged = true;
  }
  if (unplugged && !finished && !ledger.worn && imu.timeUs() >= (cfg.ledger_from_s || 0) * 1e6) {
    ledger.setWorn(true);
  } else if (cfg.worn && finished && unplugged) {
    unplugged = false;
    ledger.setWorn(false);
    connectUSB(); // a host enumerates the clip anew
    plugUSB(mcu.usbCtrl);
  }
  if (finished && cfg.end_pin >= 0 && (usbUp || !cfg.worn)) mcu.gpio[cfg.end_pin].setInputValue(true);
  if (finished && cfg.hold_at_end && !heldOnce) {
    held = true;
    heldOnce = true;
  }
}

function streamTime() {
  return imu ? imu.timeUs() : Math.floor(clock.nanos / 1000);
}

// -- USB CDC bridged to a loopback socket ---------------------------------

const input = []; // the host's writes, not yet read by the device
let pendingRead = null;
let client = null;

function connectUSB() {
  cdc = new USBCDC(mcu.usbCtrl);
  cdc.onDeviceConnected = () => {
    usbUp = true;
  };
  usbUp = false;
  pendingRead = null;
  const usb = mcu.usbCtrl;
  usb.onEndpointRead = (endpoint, size) => {
    if (endpoint !== cdc.outEndpoint) return;
    pendingRead = { endpoint, size };
    deliver();
  };
  cdc.onSerialData = (data) => {
    if (client) client.write(Buffer.from(data));
  };
}

function deliver() {
  // Complete a held OUT read once the host has sent something. Each write of the host is its own
  // transfer, as a host's CDC driver sends it: MicroPython drops what shares a packet with a Ctrl-C.
  if (!pendingRead || !input.length) return;
  const chunk = input[0];
  const n = Math.min(pendingRead.size, chunk.length);
  mcu.usbCtrl.endpointReadDone(pendingRead.endpoint, chunk.subarray(0, n));
  if (n === chunk.length) input.shift();
  else input[0] = chunk.subarray(n);
  pendingRead = null;
}

const server = net.createServer((sock) => {
  if (client) {
    sock.end('another client is connected\r\n');
    return;
  }
  client = sock;
  sock.setNoDelay(true);
  sock.on('data', (d) => {
    held = false;
    input.push(new Uint8Array(d));
    heardHost();
    deliver();
    wake();
  });
  sock.on('close', () => {
    if (client === sock) client = null;
  });
  sock.on('error', () => {});
});

// -- running --------------------------------------------------------------

const wall0 = Date.now();
let paceSpeed = cfg.speed; // the pace of the moment, kept since paceWall (wall ms) and paceEmu (emulated ns)
let paceWall = wall0;
let paceEmu = 0;
let timer = null;
let quitting = false;

// While the host talks, the chip keeps to wall time: a host answers a prompt within milliseconds,
// and a chip running idle time at full speed would meanwhile let its watchdog expire.
const TALK_MS = 1000;
let heard = -Infinity; // wall time the host last sent something
let talkWall = 0; // wall and emulated time when this conversation began
let talkEmu = 0;

function heardHost() {
  const now = Date.now();
  if (now - heard > TALK_MS) {
    talkWall = now;
    talkEmu = clock.nanos;
  }
  heard = now;
}

function talkEnd() {
  const now = Date.now();
  if (now - heard > TALK_MS) return Infinity;
  const rate = cfg.speed > 0 ? Math.min(cfg.speed, 1) : 1;
  return talkEmu + (now - talkWall + WALL_SLICE_MS) * 1e6 * rate;
}

function paceEnd() {
  // Where this slice may take the clock: the pace of the moment, never past the host's conversation.
  const playing = imu && imu.t0 >= 0 && !imu.finishedSaid;
  const speed = playing || cfg.idle_speed == null ? cfg.speed : cfg.idle_speed;
  const now = Date.now();
  if (speed !== paceSpeed) {
    paceSpeed = speed;
    paceWall = now;
    paceEmu = clock.nanos;
  }
  const paced = speed > 0 ? paceEmu + (now - paceWall + WALL_SLICE_MS) * 1e6 * speed : Infinity;
  return Math.min(paced, talkEnd());
}

function wake() {
  if (timer !== null) {
    clearTimeout(timer);
    timer = null;
    setImmediate(run);
  }
}

function run() {
  // Runs for about WALL_SLICE_MS of wall time, then lets Node serve the socket and stdin.
  timer = null;
  if (quitting) return;
  if (!mcu || held) {
    timer = setTimeout(run, IDLE_MS); // off after a power cut until {"cmd": "power"}, or held for the host
    return;
  }
  const wallEnd = performance.now() + WALL_SLICE_MS;
  const gcAlloc = cfg.gc_alloc >= 0 ? cfg.gc_alloc & ~1 : -1;
  const end = paceEnd();
  let idle = false;
  let n = 0;
  while (clock.nanos < end) {
    if (++n === 4096) {
      n = 0;
      pollIMU();
      if (held || performance.now() > wallEnd) break;
    }
    if (resetPending) {
      const cause = resetPending;
      resetPending = null;
      boot(cause, resetReason);
      continue;
    }
    if (dormant.asleep) {
      // the chip's clocks stopped: the world's alarms (the IMU sampling) go on until a wake pin
      const dt = clock.nanosToNextAlarm;
      if (dt <= 0) {
        idle = true;
        break;
      }
      clock.tick(dt);
      continue;
    }
    const core = mcu.core;
    if (core.waiting) {
      const dt = clock.nanosToNextAlarm;
      if (dt <= 0) {
        idle = true; // nothing scheduled: wait for the host
        break;
      }
      ledger.charge(dt, true, mcu.clkSys);
      clock.tick(dt);
      continue;
    }
    const pc = core.PC;
    if (pc === gcAlloc) gcAllocs += 1;
    if ((pc === romErase || pc === romProgram) && flashOp()) {
      if (!mcu) break; // the power was cut
      continue;
    }
    const cycles = core.executeInstruction();
    const clkSys = mcu.clkSys;
    const ns = (cycles * 1e9) / clkSys;
    ledger.charge(ns, false, clkSys);
    clock.tick(ns);
  }
  if (!mcu) {
    timer = setTimeout(run, IDLE_MS);
    return;
  }
  pollIMU();
  if (held) {
    timer = setTimeout(run, IDLE_MS);
    return;
  }
  if (idle) {
    idleWaits += 1;
    timer = setTimeout(run, IDLE_MS);
  } else if (clock.nanos >= end) {
    timer = setTimeout(run, WALL_SLICE_MS);
  } else {
    setImmediate(run);
  }
}

function fsImage() {
  return flash.subarray(cfg.fs_offset, cfg.fs_offset + cfg.fs_size);
}

function save() {
  if (cfg.flash) fs.writeFileSync(cfg.flash, fsImage());
}

function stats() {
  return {
    ev: 'stats',
    emulated_us: Math.floor(clock.nanos / 1000),
    wall_ms: Date.now() - wall0,
    boots,
    powered: mcu !== null,
    lightsleeps,
    lightsleep_us: Math.floor(lightsleepNs / 1000),
    dormant: dormant.stats(),
    idle_waits: idleWaits,
    gc_allocs: gcAllocs,
    flash: flashTally.stats(),
    stream: imu ? imu.stats() : null,
    ledger: ledger.report(),
    battery: battery ? battery.report() : null,
  };
}

function quit() {
  if (quitting) return;
  quitting = true;
  save();
  emit(stats());
  server.close();
  if (client) client.destroy();
  process.exit(0);
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.cmd === 'save') {
    save();
    emit({ ev: 'saved' });
  } else if (msg.cmd === 'stats') {
    emit(stats());
  } else if (msg.cmd === 'cut') {
    armCut(msg);
  } else if (msg.cmd === 'power') {
    if (!mcu) {
      // the image file as the cut left it (a test may have changed it meanwhile)
      if (cfg.flash && fs.existsSync(cfg.flash)) flash.set(fs.readFileSync(cfg.flash), cfg.fs_offset);
      boot('power');
    }
    emit({ ev: 'powered' });
  } else if (msg.cmd === 'quit') {
    quit();
  }
});
function armCut(spec) {
  try {
    powerCut.arm(spec);
    emit({ ev: 'armed', at: powerCut.at });
  } catch (e) {
    emit({ ev: 'error', msg: e.message });
  }
}

process.stdin.on('end', quit);
process.on('SIGTERM', quit);
process.on('SIGINT', quit);

server.listen(cfg.port || 0, '127.0.0.1', () => {
  emit({ ev: 'listening', port: server.address().port });
  if (cfg.cut) armCut(cfg.cut);
  boot('power');
  paceEmu = clock.nanos;
  run();
});
