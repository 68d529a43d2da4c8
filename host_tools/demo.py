"""`make demo`: a generated working day worn by the virtual clip, synced with mpremote, read from the database;
`stepclip demo --week`: a generated week of one wearer, synced every evening, with a goal that grows."""

import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

from host_tools import battery as batterymod, days as daysmod, db, goal, report, summary, sync, vclip_battery
from simulator import project, replay, trace as tracemod, tracegen
from simulator.virtual_clip import VirtualClip


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _fresh(workdir):
    """A new clip, fresh from `stepclip deploy`, and an empty database."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    flash, database = workdir / "flash", workdir / "stepclip.db"
    shutil.rmtree(flash, ignore_errors=True)
    database.unlink(missing_ok=True)
    return flash, database


def wear_and_sync(flash, trace, start_epoch, con, battery=None):
    """The virtual clip wears `trace` (a path or a Trace) from `start_epoch` at full speed, then one sync;
    (seconds it took to wear, clip id, what sync_clip says). `battery`: its modelled LiPo (battery.model)."""
    t0 = time.monotonic()
    clip = VirtualClip(flash, trace, speed=0, start_epoch=start_epoch, out=lambda line: None, battery=battery)
    serving = threading.Thread(target=clip.serve)
    serving.start()
    try:
        while not clip.finished:
            if not serving.is_alive():
                raise RuntimeError("the virtual clip stopped")
            time.sleep(0.2)
        worn_s = time.monotonic() - t0
        result = sync.sync_clip(con, f"socket://127.0.0.1:{clip.port}", out=print)
    finally:
        clip.stop()
        serving.join()
    return worn_s, clip.clip_id, result


def run(workdir, seed=1):
    workdir = Path(workdir)
    t0 = time.monotonic()
    day, _ = tracegen.working_day(seed=seed)
    flash, database = _fresh(workdir)
    path = workdir / "day.csv"
    day.write_csv(path)
    print(f"generated a working day: {path} ({summary.duration(day.duration_s)}, {len(day.t):,} samples)")
    con = db.connect(database)
    worn_s, clip_id, result = wear_and_sync(flash, path, replay.DAY_ZERO + 60 * day.start_hhmm, con,
                                            vclip_battery.model(project.DEFAULT_BOARD))
    print(f"the virtual clip ({clip_id}) wore the day in {time.monotonic() - t0:.0f} s, on MicroPython at full "
          f"speed")
    rows = list(db.minutes(con, result["clip"]))
    battery_line = batterymod.line(con, result["clip"])
    con.close()
    print(f"synced {len(rows):,} {summary.plural(len(rows), 'minute')} in {result['blocks']} "
          f"{summary.plural(result['blocks'], 'block')} with mpremote into {database}\n")
    day_result, start = summary.from_minutes(rows)
    print(summary.day_text(day_result, start))
    print(f"\n(the generated day holds {day.true_steps:,} true steps)")
    print(f"{battery_line}\n(the virtual clip's battery is a model: host_tools/power.py's current for the board)\n")
    page = report.run(database, out=workdir / "report", echo=lambda line: None)
    print(f"the day's report, with pictures: {page.resolve()}")
    print(f"a week of them, with a goal that grows: stepclip demo --week (a few minutes; then stepclip report "
          f"--week --db {workdir / 'week' / database.name})")


def run_week(workdir, seed=1):
    """Monday to Sunday on one virtual clip, synced every evening, with an automatic goal from the start."""
    workdir = Path(workdir) / "week"
    t0 = time.monotonic()
    flash, database = _fresh(workdir)
    con = db.connect(database)
    goal.set_goal(con, db.EVERY_CLIP, "auto")  # the wearer asks for a goal that grows from where they are
    print(f"a generated week on the virtual clip, synced every evening into {database}")
    battery = vclip_battery.model(project.DEFAULT_BOARD)
    first = None
    for k in range(len(tracegen.WEEK)):
        trace, _ = tracegen.week_day(k, seed=seed)
        start = replay.DAY_ZERO + 86400 * k + 60 * trace.start_hhmm
        first = start if first is None else first
        # charged on Monday morning, drained at the modelled current day and night since (a model)
        battery["soc"] = 1 - battery["ma"] * (start - first) / 3600 / battery["mah"]
        worn_s, clip_id, _ = wear_and_sync(flash, tracemod.Trace(f"<{WEEKDAYS[k]}>", trace.t, trace.acc, trace.gyro),
                                           start, con, dict(battery))
        by_clip, _ = daysmod.load(con, clip=clip_id)
        d = by_clip[clip_id][-1]
        at = d.goal_at()
        told = f", announced at {daysmod.wall(at):%H:%M}" if at is not None else ""
        ahead = goal.on(goal.history(con, clip_id), d.date + timedelta(days=1))
        then = f"; goal from tomorrow {ahead.steps:,}" if ahead and ahead.steps else ""
        print(f"  {d.date:%a %d %b} {summary.clock(trace.start_hhmm, 0)}-"
              f"{summary.clock(trace.start_hhmm, trace.duration_s)}: {d.steps:,} steps, goal "
              f"{f'{d.goal:,}' if d.goal else 'none yet'}{told}; worn in {worn_s:.0f} s{then}")
    con.close()
    lines = []
    page = report.run(database, out=workdir / "report", week="last", echo=lines.append)
    print(f"\nthe week in {time.monotonic() - t0:.0f} s\n")
    print("\n".join(line for line in "\n".join(lines).splitlines() if line.startswith("the week to")))
    print(f"\nthe week page: {page.resolve()}")
    print(f"the week at a glance: {next(workdir.glob('report/week_*.png')).resolve()}")
