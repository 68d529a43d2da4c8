"""The emulated Pico's ledger per activity: a few minutes of each, worn (USB out), on the chip.

    .venv/bin/python -m simulator.pico.ledger_bench [SECONDS] [BOARD]

prints, for BOARD (an RP2040 board whose IMU the emulator carries: host_tools/bench.py
ledger_boards), per activity, the seconds in each chip state (run, wfi, lightsleep, dormant), the
replayed seconds they add up to, wake-ups, I2C bytes, flash programs/erases and motor time,
as JSON lines. The firmware is the one `stepclip deploy` builds, with usb_window_s 0 (no
USB window: the clip is worn from its first sample). Each ledger is a steady state. Worn, it
counts from BOOT_SETTLE_S on: the boot's flash writes (three sector erases) come once a boot, and
counted in a 20 s window they made its running time 1.8 times a steady minute's. `stepclip bench`
replays 60 s of each, so that one minute's end falls in each window. Off the body, the ledger is the night's
steady state: it counts from OFF_SETTLE_S after the clip was put down, once the clip knows it
is off the body (off_body_s) and its IMU rests. Worn and still, the ledger is "rest": a clip
on the belt that has not moved for worn_rest_s + REST_SETTLE_S (what the chip does then does not
depend on the posture: it wakes to count the time and look at the IMU). A worn day weighs each
still activity's full-rate ledger and the rest's by the share of that posture's seconds the
clip rested through on the demo day, replayed on the unix port (rest_shares).
"""

import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from simulator import project, replay, trace as tracemod, tracegen
from simulator.bench_traces import off_body
from simulator.job import resolve_settings as job_settings
from simulator.pico import run as pico_run

ACTIVITIES = ("sit", "stand", "walk", "lie", "off", "rest")
WORN = {"usb_window_s": 0}
BOOT_SETTLE_S = 5  # from the first sample: past the boot's own flash writes (a session, its files), once a boot
OFF_SETTLE_S = 30  # beyond off_body_s: the posture held (posture_hold_s), the IMU resting
REST_SETTLE_S = 10  # beyond worn_rest_s: the rest begun
STILL = {"sit": "sitting", "stand": "standing", "lie": "lying"}  # activities that rest, as the posture names them


def activity_trace(activity, seconds, seed=0):
    if activity == "off":
        return off_body(seconds, seed=seed)
    if activity == "rest":  # worn, still: a sitting trunk's gravity, the accelerometer's noise
        sit = activity_trace("sit", 1, seed)
        still = off_body(seconds, seed=seed)
        still.acc += sit.acc.mean(axis=0) - (0.0, 0.0, 1.0)
        return still
    g = tracegen.generate([(activity, seconds)], rate_hz=50, seed=seed)
    return tracemod.Trace(f"<{activity}>", g.t, g.acc, g.gyro)


def ledger(activity, seconds, work, board_name=project.DEFAULT_BOARD, overrides=None):
    """The chip's ledger over `seconds` of `activity`, worn, on board `board_name`; `overrides`: settings
    beside WORN (a shorter off_body_s reaches the night's steady state with less of the trace)."""
    worn = dict(WORN, **(overrides or {}))
    settle = BOOT_SETTLE_S
    if activity == "off":
        settle = job_settings(worn)["off_body_s"] + OFF_SETTLE_S
    elif activity == "rest":
        settle = job_settings(worn)["worn_rest_s"] + REST_SETTLE_S
    job = replay.prepare(activity_trace(activity, settle + seconds), Path(work), board_name, overrides=worn)
    job["worn"] = True
    job["ledger_from_s"] = settle
    r = pico_run._run(job, work)
    return r["pico"]["ledger"]


def _ledger_in_a_folder(activity, seconds, board_name):
    with tempfile.TemporaryDirectory(prefix="stepclip-ledger-") as work:
        return ledger(activity, seconds, work, board_name)


def activity_ledgers(seconds, board_name=project.DEFAULT_BOARD):
    """ledger() of each of ACTIVITIES, in that order: one emulated Pico a core at a time (each is a Node
    process, and its figures are emulated time, whatever else runs beside it)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda act: _ledger_in_a_folder(act, seconds, board_name), ACTIVITIES))


def rest_shares(seed=0, board_name=project.DEFAULT_BOARD):
    """Of each still activity's seconds on the demo day (from 08:30, on the unix port, on board `board_name`),
    the share the clip rested its IMU through, as the posture told the seconds."""
    trace, _ = tracegen.working_day(seed=seed)
    r = replay.replay(tracemod.Trace("<day>", trace.t, trace.acc, trace.gyro), board_name=board_name,
                      start_minute=trace.start_hhmm)
    return {act: round(r["rest_s"].get(name, 0) / r["posture_s"][name], 4)
            for act, name in STILL.items() if r["posture_s"].get(name)}


def day_shares(per_activity, key="seconds", night="off", rest=None, seed=0):
    """Each chip state's share of a worn day (`key` "imu_s": each of the IMU's modes'): the demo day's
    minutes of each activity (tracegen's working_day), the rest of the 24 hours off the body (the night on
    the bedside table), each weighted by its activity's ledger: a still one's by its full-rate ledger and
    the rest's, in the shares `rest` gives. `night` "sit": a clip whose IMU
    cannot rest spends the night as a still worn clip does, reading a full-rate FIFO (and `rest` None)."""
    _, schedule = tracegen.working_day(seed=seed)
    weights = {}
    for act, secs, *_ in schedule:
        if act != "tap":
            act = act if act in per_activity else "sit"
            weights[act] = weights.get(act, 0.0) + secs
    weights[night] = weights.get(night, 0.0) + max(86400 - sum(weights.values()), 0.0)
    shares = {}
    for act, secs in weights.items():
        r = (rest or {}).get(act, 0.0)
        for led, part in ((per_activity[act], 1 - r), (per_activity["rest"], r)):
            if part:
                for state, s in led[key].items():
                    shares[state] = shares.get(state, 0.0) + secs * part / 86400 * s / led["seconds_replayed"]
    return {k: round(v, 5) for k, v in shares.items() if v > 0 or key == "seconds"}


def measure(seconds=30, board_name=project.DEFAULT_BOARD):
    """`pico.ledger` of `stepclip bench` for `board_name`: the activities' ledgers, their sum, and a worn day's
    shares."""
    per = dict(zip(ACTIVITIES, activity_ledgers(seconds, board_name)))
    rest = rest_shares(board_name=board_name)
    total = {state: round(sum(p["seconds"][state] for p in per.values()), 3) for state in per["sit"]["seconds"]}
    return {"board": board_name, "seconds": total, "seconds_replayed": round(sum(p["seconds_replayed"] for p in per.values()), 3),
            "wakeups": sum(p["wakeups"]["lightsleep"] + p["wakeups"]["wfi"] for p in per.values()),
            "i2c_bytes": sum(p["i2c_bytes"] for p in per.values()),
            "flash_programs": sum(p["flash_programs"] for p in per.values()),
            "flash_erases": sum(p["flash_erases"] for p in per.values()),
            "per_activity": {a: p["seconds"] for a, p in per.items()},
            "per_activity_imu": {a: p["imu_s"] for a, p in per.items()},
            "rest_shares": rest,
            "day_shares": day_shares(per, rest=rest), "day_shares_no_rest": day_shares(per, night="sit"),
            "imu_day_shares": day_shares(per, "imu_s", rest=rest)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    seconds = float(argv[0]) if argv else 180
    board_name = argv[1] if len(argv) > 1 else project.DEFAULT_BOARD
    for act, led in zip(ACTIVITIES, activity_ledgers(seconds, board_name)):
        print(json.dumps({"activity": act, **led}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
