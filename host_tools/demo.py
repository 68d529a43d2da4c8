"""`make demo`: a generated working day replayed through the firmware on MicroPython."""

import time
from pathlib import Path

from host_tools import summary
from simulator import replay, trace as tracemod, tracegen


def run(workdir, seed=1):
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    day, _ = tracegen.working_day(seed=seed)
    path = workdir / "day.csv"
    day.write_csv(path)
    print(f"generated a working day: {path} ({summary.duration(day.duration_s)}, {len(day.t):,} samples)")
    result = replay.replay(tracemod.load(path), runtime="micropython", start_minute=day.start_hhmm,
                           flash=workdir / "flash")
    print(f"replayed through the firmware on {result['runtime']} in {time.monotonic() - t0:.0f} s\n")
    print(summary.day_text(result, day.start_hhmm))
    print(f"\n(the generated day holds {day.true_steps:,} true steps)")
