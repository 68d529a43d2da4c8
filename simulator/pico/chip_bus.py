"""One script of register transfers, played on both models of an IMU the emulated Pico carries.

The Python model (simulator/chips/, what the unix port and CPython run) and the JavaScript one on the
emulated Pico's bus (simulator/pico/*.mjs, through chip_bus.mjs) get the same writes, reads and INT-pin
looks at the same times; a test compares the answers. `ops`: [t_us, "w", reg, value] | [t_us, "r", reg, n]
| [t_us, "p", 0, 0] (the INT pin); each returns the answers of the reads and looks, in order.
"""

import importlib
import json
import subprocess

from simulator import project
from simulator.pico import emulator

MODELS = {"mpu6050": ("mpu6050_model", "MPU6050Model"), "bmi160": ("bmi160_model", "BMI160Model"),
          "qmi8658": ("qmi8658_model", "QMI8658Model"), "lsm6dsox": ("lsm6dsox_model", "LSM6DSOXModel")}


def python_answers(chip, stream, rate_hz, ops):
    """The Python model of `chip` playing sample stream `stream` (simulator/job.py's) at `rate_hz`."""
    project.use_firmware()
    from vclock import VirtualClock

    module, name = MODELS[chip]
    clock = VirtualClock()
    model = getattr(importlib.import_module(module), name)(clock, stream, rate_hz)
    out = []
    try:
        for t, op, reg, arg in ops:
            clock.us = t
            if op == "w":
                model.write(reg, bytes([arg]))
            elif op == "p":
                out.append([int(model.int_pin())])
            else:
                buf = bytearray(arg)
                model.read(reg, buf)
                out.append(list(buf))
    finally:
        model.close()
    return out


def js_answers(chip, fifo, rate_hz, afs_sel, ops, work):
    """The emulated Pico's model of `chip` serving `fifo` (emulator.fifo_bytes) at `rate_hz` and full-scale
    index `afs_sel`; `work`: a folder for the script."""
    script = work / "script.json"
    script.write_text(json.dumps({"chip": chip, "fifo": str(fifo), "rate_hz": rate_hz, "afs_sel": afs_sel,
                                  "ops": ops}))
    proc = subprocess.run(["node", str(emulator.HERE / "chip_bus.mjs"), str(script)], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode:
        raise emulator.PicoError(f"chip_bus.mjs: {proc.stderr.strip()}")
    return json.loads(proc.stdout)
