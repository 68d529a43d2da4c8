"""What the minute log costs the flash, counted on the emulated Pico (the rp2 port's littlefs).

Run: python -m host_tools.bench_log_wear [--minutes N] [--json]
Replays N minutes (default 48) of generated desk life on the emulated Pico
with the shipped settings (16-minute blocks, the waiting minutes copied to
flash after each minute: firmware/minutelog.py), counts the boot ROM's
flash erases and programs over the replay less those of a replay of one
minute (boot, mount, settings), and scales them to a day worn and to five
years. Wear: sectors erased in five years over the file system's 352
sectors (littlefs spreads its erases over the free blocks), against the
100,000 erase cycles of the Pico's W25Q16JV (datasheet rev. H). It prints
figures, it does not pass or fail.
"""

import argparse
import json

from simulator import replay, trace as tracemod, tracegen

COMMAND = "python -m host_tools.bench_log_wear"
FS_SECTORS = 352  # RPI_PICO: 1408 KiB of 4 KiB sectors (simulator/pico/emulator.py)
ENDURANCE = 100_000  # W25Q16JV: minimum erase/program cycles per sector


def _flash(minutes):
    schedule = []
    while sum(d for _, d in schedule) < 60 * minutes:
        schedule += [("sit", 600), ("walk", 120), ("stand", 240)]
    g = tracegen.generate(schedule, rate_hz=50, seed=9)
    keep = g.t < 60 * minutes
    trace = tracemod.Trace("<desk>", g.t[keep], g.acc[keep], g.gyro[keep])
    return replay.replay(trace, runtime="pico")["pico"]["flash"]


def run(minutes):
    base, life = _flash(1), _flash(minutes)
    per_min = {k: (life[k] - base[k]) / (minutes - 1) for k in life}
    per_day = {k: round(v * 24 * 60) for k, v in per_min.items()}
    erased_5y = per_day["sectors_erased"] * 365 * 5
    return {"minutes": minutes, "flash_ops": life, "flash_ops_first_minute": base, "per_day": per_day,
            "sectors_erased_5y": erased_5y, "cycles_per_sector_5y": round(erased_5y / FS_SECTORS),
            "endurance_used_5y_pct": round(100 * erased_5y / FS_SECTORS / ENDURANCE, 2)}


def main(argv=None):
    p = argparse.ArgumentParser(prog=COMMAND)
    p.add_argument("--minutes", type=int, default=48, help="minutes of desk life replayed (default 48)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.minutes < 2:
        p.error("--minutes must be 2 or more")
    r = run(args.minutes)
    if args.json:
        print(json.dumps(r))
        return
    print(json.dumps(r, indent=2))
    print(f"command: {COMMAND} --minutes {args.minutes}")


if __name__ == "__main__":
    main()
