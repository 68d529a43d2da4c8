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


def day_shares(per_activity, seed=0):
    """Each chip state's share of a worn day: the demo day's minutes of each activity (tracegen's
    working_day), the rest of the 24 hours off the body (the night on the bedside table), each
    weighted by its activity's ledger."""
    _, schedule = tracegen.working_day(seed=seed)
    weights = {}
    for act, secs, *_ in schedule:
        if act != "tap":
            act = act if act in per_activity else "sit"
            weights[act] = weights.get(act, 0.0) + secs
    weights["off"] = weights.get("off", 0.0) + max(86400 - sum(weights.values()), 0.0)
    shares = {}
    for act, secs in weights.items():
        led = per_activity[act]
        for state, s in led["seconds"].items():
            shares[state] = shares.get(state, 0.0) + secs / 86400 * s / led["seconds_replayed"]
    return shares


def measure(seconds=30):
    """`pico.ledger` of `stepclip bench`: the activities' ledgers, their sum, and a worn day's shares."""
    per = {}
    for act in ACTIVITIES:
        with tempfile.TemporaryDirectory(prefix="stepclip-ledger-") as work:
            per[act] = ledger(act, seconds, work)
    total = {state: round(sum(p["seconds"][state] for p in per.values()), 3) for state in per["sit"]["seconds"]}
    return {"seconds": total, "seconds_replayed": round(sum(p["seconds_replayed"] for p in per.values()), 3),
            "wakeups": sum(p["wakeups"]["lightsleep"] + p["wakeups"]["wfi"] for p in per.values()),
            "i2c_bytes": sum(p["i2c_bytes"] for p in per.values()),
            "flash_programs": sum(p["flash_programs"] for p in per.values()),
            "flash_erases": sum(p["flash_erases"] for p in per.values()),
            "per_activity": {a: p["seconds"] for a, p in per.items()},
            "day_shares": {k: round(v, 5) for k, v in day_shares(per).items()}}
