// The emulated Pico's MPU-6050 (mpu6050.mjs) driven by a script of register
// transfers instead of the chip's I2C controller, so that a test can give
// it and the Python model (simulator/chips/mpu6050_model.py) the same writes,
// reads and timing and compare every answer.
//
//   node mpu6050_bus.mjs SCRIPT.json
// SCRIPT: {"fifo": path, "rate_hz", "afs_sel", "ops": [[t_us, "w", reg, value] | [t_us, "r", reg, n] | [t_us, "p", 0, 0]]}
// prints one JSON list: the bytes of each read, in order.

import fs from 'fs';
import { MPU6050 } from './mpu6050.mjs';

const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const clock = { nanos: 0 };
const chip = new MPU6050(clock, { addr: 0x68, fifo: script.fifo, rate_hz: script.rate_hz, afs_sel: script.afs_sel },
  (ev) => { if (ev.ev === 'error') console.error(ev.msg); });
const FIFO_R_W = 0x74;
const answers = [];
for (const [t, op, reg, arg] of script.ops) {
  clock.nanos = t * 1000;
  if (op === 'w') {
    chip.writeReg(reg, arg);
  } else if (op === 'p') {
    chip.advance();
    answers.push([chip.intLevel() ? 1 : 0]); // the INT pin
  } else {
    const got = [];
    let r = reg;
    for (let i = 0; i < arg; i++) {
      got.push(chip.readReg(r)); // one register address per transfer, auto-incrementing except at FIFO_R_W
      if (r !== FIFO_R_W) r = (r + 1) & 0x7f;
    }
    answers.push(got);
  }
}
console.log(JSON.stringify(answers));
