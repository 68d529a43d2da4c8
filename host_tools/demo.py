"""`make demo`: a generated working day worn by the virtual clip, synced with mpremote, read from the database."""

import shutil
import threading
import time
from pathlib import Path

from host_tools import db, report, summary, sync
from simulator import replay, tracegen
from simulator.virtual_clip import VirtualClip


def run(workdir, seed=1):
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    day, _ = tracegen.working_day(seed=seed)
    path = workdir / "day.csv"
    day.write_csv(path)
    print(f"generated a working day: {path} ({summary.duration(day.duration_s)}, {len(day.t):,} samples)")

    flash, database = workdir / "flash", workdir / "stepclip.db"
    shutil.rmtree(flash, ignore_errors=True)  # a new clip, fresh from `stepclip deploy`
    database.unlink(missing_ok=True)
    clip = VirtualClip(flash, path, speed=0, start_epoch=replay.DAY_ZERO + 60 * day.start_hhmm,
                       out=lambda line: None)
    serving = threading.Thread(target=clip.serve)
    serving.start()
    try:
        while not clip.finished:
            if not serving.is_alive():
                raise RuntimeError("the virtual clip stopped")
            time.sleep(0.2)
        print(f"the virtual clip ({clip.clip_id}) wore the day in {time.monotonic() - t0:.0f} s, "
              f"on MicroPython at full speed")
        con = db.connect(database)
        result = sync.sync_clip(con, f"socket://127.0.0.1:{clip.port}", out=print)
    finally:
        clip.stop()
        serving.join()
    rows = list(db.minutes(con, result["clip"]))
    con.close()
    print(f"synced {len(rows):,} minutes in {result['blocks']} blocks with mpremote into {database}\n")
    day_result, start = summary.from_minutes(rows)
    print(summary.day_text(day_result, start))
    print(f"\n(the generated day holds {day.true_steps:,} true steps)\n")
    page = report.run(database, out=workdir / "report", echo=lambda line: None)
    print(f"the day's report, with pictures: {page.resolve()}")
