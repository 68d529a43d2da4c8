"""The emulated Pico's ledger per activity: a few minutes of each, worn (USB out), on the chip.

    .venv/bin/python -m simulator.pico.ledger_bench [SECONDS]

prints, per activity, the seconds in each chip state (run, wfi, lightsleep, dormant), the
replayed seconds they add up to, wake-ups, I2C bytes, flash programs/erases and motor time,
as JSON lines. The firmware is the one `stepclip deploy` builds, with usb_window_s 0 (no
USB window: the clip is worn from its first sample).
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from simulator import replay, trace as tracemod, tracegen
from simulator.pico import run as pico_run

ACTIVITIES = ("sit", "stand", "walk", "lie", "off")
WORN = {"usb_window_s": 0}


def off_body(seconds, rate_hz=50, seed=0):
    """A clip on a table: gravity on one axis, the accelerometer's noise, no motion."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate_hz)
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0, 0.004, (n, 3))
    return tracemod.Trace("<off body>", np.arange(n) / rate_hz, acc, np.zeros((n, 3)))


def activity_trace(activity, seconds, seed=0):
    if activity == "off":
        return off_body(seconds, seed=seed)
    g = tracegen.generate([(activity, seconds)], rate_hz=50, seed=seed)
    return tracemod.Trace(f"<{activity}>", g.t, g.acc, g.gyro)


def ledger(activity, seconds, work):
    """The chip's ledger over `seconds` of `activity`, worn."""
    job = replay.prepare(activity_trace(activity, seconds), Path(work), overrides=dict(WORN))
    job["worn"] = True
    r = pico_run._run(job, work)
    return r["pico"]["ledger"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    seconds = float(argv[0]) if argv else 180
    for act in ACTIVITIES:
        with tempfile.TemporaryDirectory(prefix="stepclip-ledger-") as work:
            led = ledger(act, seconds, work)
        print(json.dumps({"activity": act, **led}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
