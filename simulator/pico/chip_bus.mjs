// An emulated Pico's IMU model (mpu6050.mjs, bmi160.mjs, qmi8658.mjs, lsm6dsox.mjs) driven by a
// script of register transfers instead of the chip's I2C controller, so that a test can give it and
// the Python model (simulator/chips/) the same writes, reads and timing and compare every answer.
//
//   node chip_bus.mjs SCRIPT.json
// SCRIPT: {"chip": "mpu6050" | "bmi160" | "qmi8658" | "lsm6dsox", "fifo": path, "rate_hz", "afs_sel",
//          "ops": [[t_us, "w", reg, value] | [t_us, "r", reg, n] | [t_us, "p", 0, 0]]}
// A read is one transfer of n bytes from reg, going on as the chip's nextReg() says; "p" reads
// the INT pin. Prints one JSON list: the bytes of each read, in order.

import fs from 'fs';
import { BMI160 } from './bmi160.mjs';
import { LSM6DSOX } from './lsm6dsox.mjs';
import { MPU6050 } from './mpu6050.mjs';
import { QMI8658 } from './qmi8658.mjs';

const CHIPS = { mpu6050: MPU6050, bmi160: BMI160, qmi8658: QMI8658, lsm6dsox: LSM6DSOX };
const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const clock = { nanos: 0 };
const Chip = CHIPS[script.chip];
const chip = new Chip(clock, { addr: 0x68, fifo: script.fifo, rate_hz: script.rate_hz, afs_sel: script.afs_sel },
  (ev) => { if (ev.ev === 'error') console.error(ev.msg); });
const answers = [];
for (const [t, op, reg, arg] of script.ops) {
  clock.nanos = t * 1000;
  if (op === 'w') {
    chip.begin();
    chip.writeReg(reg, arg);
  } else if (op === 'p') {
    chip.advance();
    answers.push([chip.intLevel() ? 1 : 0]); // the INT pin
  } else {
    chip.begin();
    const got = [];
    let r = reg;
    for (let i = 0; i < arg; i++) {
      got.push(chip.readReg(r));
      r = chip.nextReg(r);
    }
    answers.push(got);
  }
}
console.log(JSON.stringify(answers));
