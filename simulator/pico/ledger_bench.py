"""The emulated Pico's ledger per activity: a few minutes of each, worn (USB out), on the chip.

    .venv/bin/python -m simulator.pico.ledger_bench [SECONDS]

prints, per activity, the seconds in each chip state (run, wfi, lightsleep, dormant), the
replayed seconds they add up to, wake-ups, I2C bytes, flash programs/erases and motor time,
as JSON lines. The firmware is the one `stepclip deploy` builds, with usb_window_s 0 (no
USB window: the clip is worn from its first sample). Off the body, the ledger is the night's
steady state: it counts from OFF_SETTLE_S after the clip was put down, once the clip knows it
is off the body (off_body_s) and its IMU rests.
"""

import json
import sys
import tempfile
from pathlib import Path

from simulator import replay, trace as tracemod, tracegen
from simulator.bench_traces import off_body
from simulator.job import resolve_settings as job_settings
from simulator.pico import run as pico_run

ACTIVITIES = ("sit", "stand", "walk", "lie", "off")
WORN = {"usb_window_s": 0}
OFF_SETTLE_S = 30  # beyond off_body_s: the posture held (posture_hold_s), the IMU resting


def activity_trace(activity, seconds, seed=0):
    if activity == "off":
        return off_body(seconds, seed=seed)
    g = tracegen.generate([(activity, seconds)], rate_hz=50, seed=seed)
    return tracemod.Trace(f"<{activity}>", g.t, g.acc, g.gyro)


def ledger(activity, seconds, work):
    """The chip's ledger over `seconds` of `activity`, worn."""
    settle = 0
    if activity == "off":
        settle = job_settings(WORN)["off_body_s"] + OFF_SETTLE_S
    job = replay.prepare(activity_trace(activity, settle + seconds), Path(work), overrides=dict(WORN))
    job["worn"] = True
    job["ledger_from_s"] = settle
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


def day_shares(per_activity, key="seconds", night="off", seed=0):
    """Each chip state's share of a worn day (`key` "imu_s": each of the IMU's modes'): the demo day's
    minutes of each activity (tracegen's working_day), the rest of the 24 hours off the body (the night on
    the bedside table), each weighted by its activity's ledger. `night` "sit": a clip whose IMU cannot rest
    spends the night as a still worn clip does, reading a full-rate FIFO."""
    _, schedule = tracegen.working_day(seed=seed)
    weights = {}
    for act, secs, *_ in schedule:
        if act != "tap":
            act = act if act in per_activity else "sit"
            weights[act] = weights.get(act, 0.0) + secs
    weights[night] = weights.get(night, 0.0) + max(86400 - sum(weights.values()), 0.0)
    shares = {}
    for act, secs in weights.items():
        led = per_activity[act]
        for state, s in led[key].items():
            shares[state] = shares.get(state, 0.0) + secs / 86400 * s / led["seconds_replayed"]
    return {k: round(v, 5) for k, v in shares.items() if v > 0 or key == "seconds"}


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
            "per_activity_imu": {a: p["imu_s"] for a, p in per.items()},
            "day_shares": day_shares(per), "day_shares_no_rest": day_shares(per, night="sit"),
            "imu_day_shares": day_shares(per, "imu_s")}
