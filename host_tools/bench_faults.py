"""Fault soak: every fault kind injected into the simulated clip, and power cuts at every flash write.

Run: python -m host_tools.bench_faults [--runtime micropython|cpython|pico] [--minutes N] [--soak-hours H] [--json]
Prints a table: fault kind, how many were injected, how many the clip
survived, minute records lost (whole minutes measured but never logged),
seconds measured but never logged (what RAM held when the MCU restarted), and the
step count against a fault-free run (scaled to the samples that reached the
clip). Every minute is written on its own (log_block_min 1), so that each
write meets the faults, except in the watchdog row: it runs the default
16-minute blocks, whose waiting minutes the clip copies to flash after each
minute (firmware/minutelog.py, UNSAVED), so that a restart loses only the
minute in progress. Records lost are whole minutes beyond that: the seconds
never logged, less a minute for each restart. It prints figures, it does not
pass or fail.
With --json it prints one object instead, {"rows": [{"kind", "injected",
"survived", "records_lost", "samples_lost_pct", "steps_vs_clean_pct"}, ...]}
(null where a figure does not apply), for scripts.
With --runtime pico the rows are the emulated Pico's own (simulator/pico/faults.py: the deployed
firmware worn with its USB out, then synced with `stepclip sync`'s code into a database, whose
minutes the figures count), and --soak-hours wears a generated day there: the `soak` object holds
minutes_worn, records_synced, heap_free_min/max (after gc.collect(), hourly, the first hour aside),
nudges (synced) and nudges_unix (the unix port on the same trace), clock_drift_s and wall_s.
With --runtime pico the power cuts hit the emulated Pico's own flash (host_tools/pico_powercut.py):
power_cut_rp2_log while minutes are logged, power_cut_rp2_sync while a sync trims the log.
"""

import argparse
import json
import tempfile
from pathlib import Path

from host_tools import db, pico_powercut, sync
from simulator import powercut, replay, trace as tracemod, tracegen
from simulator.unix import runtime as unix_port

COMMAND = "python -m host_tools.bench_faults"
JSON_KEYS = ("kind", "injected", "survived", "records_lost", "samples_lost_pct", "steps_vs_clean_pct")


def _walking(minutes):
    schedule = []
    while sum(d for _, d in schedule) < 60 * minutes:
        schedule += [("walk", 240), ("stand", 30), ("walk", 120), ("sit", 60)]
    g = tracegen.generate(schedule, rate_hz=50, seed=11)
    return tracemod.Trace("<walk>", g.t[g.t <= 60 * minutes], g.acc[g.t <= 60 * minutes],
                          g.gyro[g.t <= 60 * minutes])


def i2c_cases(seconds):
    """(kind, description, faults) for each kind, spread over `seconds` of trace."""
    every = lambda n: [round(seconds * (k + 1) / (n + 1), 1) for k in range(n)]  # noqa: E731
    return [
        ("nack_0.5pct", "I2C NACK 0.5% of reads", {"seed": 1, "oserror_per_k": 5}),
        ("nack_2pct", "I2C NACK 2% of reads", {"seed": 2, "oserror_per_k": 20}),
        ("nack_10pct", "I2C NACK 10% of reads", {"seed": 3, "oserror_per_k": 100}),
        ("bus_stuck_5s", "bus stuck 5 s", {"stuck": [[t, 5] for t in every(4)]}),
        ("chip_reset", "chip resets itself", {"chip_reset": every(6)}),
        ("fifo_garbage", "garbage FIFO burst", {"seed": 4, "garbage": every(10)}),
        ("fifo_overflow", "loop held 6 s: FIFO overflow", {"late": [[t, 6000] for t in every(3)]}),
        ("flash_full", "flash full (ENOSPC) 5 min", {"flash_full": [seconds / 3, seconds / 3 + 300]}),
        ("watchdog", "loop hangs: watchdog restart (16-minute blocks)", {"hang": every(3)}),
    ]


def _lost_s(r):
    """Seconds the clip measured that no record accounts for (RAM lost at a restart, a write that never came)."""
    return max(0, round(r["samples"] / r["rate_hz"] - r["logged_s"]))


def i2c_rows(runtime, minutes):
    trace = _walking(minutes)
    overrides = {"log_block_min": 1}  # every minute written on its own: each write meets the faults
    clean = replay.replay(trace, runtime=runtime, overrides=overrides)
    rows = []
    for kind, name, faults in i2c_cases(trace.seconds):
        r = replay.replay(trace, runtime=runtime, overrides=None if kind == "watchdog" else overrides, faults=faults)
        injected = sum(r["faults"].values())
        kept = r["samples"] / clean["samples"]
        lost_s = _lost_s(r)
        rows.append({
            "kind": kind,
            "name": name,
            "injected": injected,
            "survived": injected,  # the run went on to the end of the trace after each
            "records_lost": max(0, lost_s - 60 * r["watchdog_restarts"]) // 60,  # beyond the minutes in progress
            "lost_s": lost_s,
            "samples_lost_pct": round(100 * (1 - kept), 1),
            "steps_vs_clean_pct": round(100 * (r["steps"] / (clean["steps"] * kept) - 1), 1),
            "counted": r["errors"],
        })
    return rows


def power_rows():
    rows = []
    for fat in (False, True):
        cuts, bad = powercut.every_cut(fat)
        rows.append({
            "kind": "power_cut_fat" if fat else "power_cut_littlefs",
            "name": "power cut at every flash write, before and mid-write (%s)" % ("FAT rename" if fat else "LittleFS"),
            "injected": cuts,
            "survived": cuts - len(bad),
            "records_lost": sum(len(r["blocks_lost"]) for _, _, r in bad),
            "lost_s": None,
            "samples_lost_pct": None,
            "steps_vs_clean_pct": None,
            "counted": None,
        })
    return rows


def chip_sync(database):
    """`stepclip sync`'s path into the SQLite file `database`, for a worn chip; its minutes, in log order."""
    cols = ", ".join(f"{state}_s" for state in db.STATES)

    def sync_clip(url):
        con = db.connect(database)
        try:
            r = sync.sync_clip(con, url, out=lambda line: None)
            found = con.execute(f"SELECT session, minute, steps, nudges, {cols} FROM minutes WHERE clip = ? "
                                "ORDER BY seq, idx", (r["clip"],)).fetchall()
            sessions = con.execute("SELECT session, max(i2c_errors), max(flash_errors), max(flags) FROM blocks "
                                   "WHERE clip = ? GROUP BY session ORDER BY session", (r["clip"],)).fetchall()
        finally:
            con.close()
        minutes = [{"session": m[0], "minute": m[1], "steps": m[2], "nudges": m[3], "seconds": list(m[4:])}
                   for m in found]
        counted = [{"session": b[0], "i2c": b[1], "flash": b[2], "flags": b[3]} for b in sessions]
        return {"minutes": minutes, "sessions": counted, "blocks": r["blocks"], "dropped": r["dropped"]}
    return sync_clip


def chip_rows(minutes):
    from simulator.pico import faults as chip

    with tempfile.TemporaryDirectory(prefix="stepclip-chip-faults-") as work:
        return chip.rows(_walking(minutes), work, chip_sync(Path(work) / "stepclip.db"))


def chip_soak(hours):
    from simulator.pico import faults as chip

    with tempfile.TemporaryDirectory(prefix="stepclip-chip-soak-") as work:
        return chip.soak(hours, Path(work) / "clip", chip_sync(Path(work) / "stepclip.db"))


def table(runtime, minutes):
    if runtime == "pico":
        return chip_rows(minutes) + pico_powercut.rows()
    return i2c_rows(runtime, minutes) + power_rows()


def soak(hours):
    """Free heap (bytes, after a collection) at each virtual hour of `hours` of office life, on MicroPython."""
    day = [("walk", 600), ("sit", 1800), ("stand", 600), ("walk", 600)]  # an hour
    g = tracegen.generate(day * hours, rate_hz=50, seed=2)
    trace = tracemod.Trace("<soak>", g.t, g.acc, g.gyro)
    with tempfile.TemporaryDirectory(prefix="stepclip-soak-") as work:
        job = replay.prepare(trace, work)
        job["faults"] = {"seed": 1, "oserror_per_k": 5}
        return unix_port.run_micropython("soak_clip.py", job, Path(work))


def main(argv=None):
    p = argparse.ArgumentParser(prog=COMMAND)
    p.add_argument("--runtime", choices=(*replay.SIMULATED, "pico"), default="micropython")
    p.add_argument("--minutes", type=int, default=30, help="length of the walking trace (default 30)")
    p.add_argument("--soak-hours", type=int, default=0, help="also run this many hours, printing the free heap")
    p.add_argument("--json", action="store_true", help="print the table as one JSON object")
    args = p.parse_args(argv)
    rows = table(args.runtime, args.minutes)
    if args.json:
        out = {"rows": [{k: r[k] for k in JSON_KEYS} for r in rows]}
        if args.soak_hours:
            out["soak"] = chip_soak(args.soak_hours) if args.runtime == "pico" else soak(args.soak_hours)
        print(json.dumps(out))
        return
    cmd = f"{COMMAND} --runtime {args.runtime} --minutes {args.minutes}"
    print("| fault kind | injected | survived | records lost | measured s never logged | samples lost % "
          "| steps vs clean % | counted by the clip |")
    print("|---|---|---|---|---|---|---|---|")
    blank = lambda v: "" if v is None else v  # noqa: E731
    for r in rows:
        counted = ", ".join(f"{k} {v}" for k, v in r["counted"].items() if v) if r["counted"] else ""
        print(f"| {r['name']} (`{r['kind']}`) | {r['injected']} | {r['survived']} | {r['records_lost']} "
              f"| {blank(r['lost_s'])} | {blank(r['samples_lost_pct'])} "
              f"| {blank(r['steps_vs_clean_pct'])} | {counted} |")
    print(f"\ncommand: {cmd}")
    if args.soak_hours and args.runtime == "pico":
        print(f"\nsoak on the emulated Pico: {json.dumps(chip_soak(args.soak_hours))}")
        print(f"command: {cmd} --soak-hours {args.soak_hours}")
    elif args.soak_hours:
        r = soak(args.soak_hours)
        heap = r["free_heap"]
        print(f"\nsoak: {r['hours']} h on MicroPython with 0.5% I2C NACKs, {r['steps']} steps, errors {r['errors']}")
        print("free heap after each hour, bytes: " + " ".join(str(b) for b in heap))
        if len(heap) > 2:
            print(f"change from hour 1 to hour {len(heap)}: {heap[-1] - heap[0]} bytes "
                  f"({(heap[-1] - heap[0]) / (len(heap) - 1):.0f} per hour)")
        print(f"command: {COMMAND} --soak-hours {args.soak_hours}")


if __name__ == "__main__":
    main()
