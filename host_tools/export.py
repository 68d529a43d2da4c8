"""`stepclip export`: minutes (or daily summaries) as CSV or JSON, streamed row by row."""

import csv
import json
import sys

from host_tools import config, db, days as daysmod

MINUTE_FIELDS = ["clip", "time", "steps", "posture"] + [s + "_s" for s in db.STATES] + ["nudges", "snoozes",
                                                                                      "goal", "session", "seq"]
DAY_FIELDS = ["clip", "date", "steps", "goal", "goal_reached", "goal_announced", "brisk_min", "walks_15_min",
              "longest_walk_min", "sitting_s", "sitting_30_min_bouts_s", "evening_sitting_s", "sitting_bouts",
              "longest_bout_min", "breaks_per_sitting_hour", "nudges", "nudges_answered"]


def minute_rows(con, since, clip):
    for row in db.minutes(con, clip):
        if row["epoch"] is None or (since is not None and row["epoch"] < since):
            continue
        out = {"clip": row["clip"], "time": daysmod.wall(row["epoch"]).isoformat(sep=" "),
               "steps": row["steps"], "posture": daysmod.dominant(row)}
        out.update({k: row[k] for k in MINUTE_FIELDS[4:]})
        yield out


def day_rows(con, since, clip):
    by_clip, _ = daysmod.load(con, since, clip)
    for clip_id, days in by_clip.items():
        evening = config.host_settings(con, clip_id)["evening_start_min"]
        for d in days:
            bouts = d.bouts()
            nudges = d.nudges()
            at = d.goal_at()
            yield {"clip": d.clip, "date": d.date.isoformat(), "steps": d.steps, "goal": d.goal,
                   "goal_reached": int(bool(d.goal) and d.reached()),
                   "goal_announced": daysmod.wall(at).strftime("%H:%M") if at is not None else "",
                   "brisk_min": d.brisk_minutes(), "walks_15_min": len(d.long_walks()),
                   "longest_walk_min": d.longest_walk(), "sitting_s": d.sitting_s,
                   "sitting_30_min_bouts_s": d.long_sitting_s(), "evening_sitting_s": d.evening_sitting_s(evening),
                   "sitting_bouts": len(bouts), "longest_bout_min": max((n for _, n in bouts), default=0),
                   "breaks_per_sitting_hour": round(d.breaks_per_sitting_hour(), 2), "nudges": len(nudges),
                   "nudges_answered": sum(1 for _, a in nudges if a)}


def run(database=None, fmt="csv", since=None, clip=None, out=None, daily=False):
    """Write the export to `out` (a path) or stdout; the number of rows."""
    con = db.connect(database)
    rows = (day_rows if daily else minute_rows)(con, daysmod.parse_since(since), clip)
    fields = DAY_FIELDS if daily else MINUTE_FIELDS
    f = open(out, "w", newline="") if out else sys.stdout
    n = 0
    try:
        if fmt == "csv":
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for row in rows:
                w.writerow(row)
                n += 1
        else:
            f.write("[")
            for row in rows:
                f.write(("\n" if n == 0 else ",\n") + json.dumps(row))
                n += 1
            f.write("\n]\n")
    finally:
        if out:
            f.close()
        con.close()
    return n
