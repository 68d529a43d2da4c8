"""`stepclip sim eval rest`: what resting the IMU does to the counts. Every recording goes through the
whole clip twice on one runtime: at the full rate (`rest_poll_ms` 0) and with the rests the settings give
(off the body, and worn still after `worn_rest_s`). A recording whose steps, posture changes or nudges
differ is listed; the totals say how many rested at all and how many samples the rests did not take.
(`sim eval steps` runs the step counter alone, so it cannot see a rest.)
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from simulator import project, replay, trace as tracemod

COUNTS = ("steps", "posture_changes", "nudges")


class RestEffectError(replay.SimError):
    pass


def recordings(folder):
    """The trace CSVs of `folder` and its sub-folders (not its index or segment lists), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RestEffectError(f"{folder}: no such folder of recordings")
    files = sorted(p for p in folder.rglob("*.csv") if tracemod.header(p)[:4] == ["t", "ax", "ay", "az"])
    if not files:
        raise RestEffectError(f"{folder}: no recordings (CSV with t,ax,ay,az)")
    return files


def compare(path, runtime, overrides, board_name=project.DEFAULT_BOARD):
    """(full-rate result, rested result) of one recording."""
    trace = tracemod.load(path)
    full = replay.replay(trace, runtime=runtime, board_name=board_name, overrides=dict(overrides, rest_poll_ms=0))
    rested = replay.replay(trace, runtime=runtime, board_name=board_name, overrides=overrides)
    return full, rested


def moved(full, rested):
    return [k for k in COUNTS if full[k] != rested[k]]


def run(folders, runtime="micropython", overrides=None, jobs=None, board_name=project.DEFAULT_BOARD):
    """The summary dict: per-folder totals and the recordings that moved."""
    overrides = dict(overrides or {})
    project.board(board_name)  # an unknown board stops here, not in every replay
    files = [p for f in folders for p in recordings(f)]
    jobs = jobs or os.cpu_count() or 1
    with ThreadPoolExecutor(jobs) as pool:
        pairs = list(pool.map(lambda p: compare(p, runtime, overrides, board_name), files))
    out = {"runtime": runtime, "board": board_name, "settings": overrides, "recordings": len(files), "rested": 0,
           "samples_full": 0, "samples_rested": 0, "steps_full": 0, "steps_rested": 0, "moved": []}
    for path, (full, rested) in zip(files, pairs):
        out["rested"] += rested["samples"] < full["samples"]
        out["samples_full"] += full["samples"]
        out["samples_rested"] += rested["samples"]
        out["steps_full"] += full["steps"]
        out["steps_rested"] += rested["steps"]
        keys = moved(full, rested)
        if keys:
            out["moved"].append({"file": str(path), "moved": keys,
                                 "full": {k: full[k] for k in keys}, "rested": {k: rested[k] for k in keys}})
    return out


def text(out):
    lines = ["%s: %s" % (m["file"], ", ".join("%s %s -> %s" % (k, m["full"][k], m["rested"][k]) for k in m["moved"]))
             for m in out["moved"]]
    saved = out["samples_full"] - out["samples_rested"]
    lines.append("%d recordings (%s, %s), %d rested at all; the rests left out %d of %d samples (%.1f %%); "
                 "steps %d at the full rate, %d rested; %d recordings moved"
                 % (out["recordings"], out["runtime"], out["board"], out["rested"], saved, out["samples_full"],
                    100.0 * saved / max(out["samples_full"], 1), out["steps_full"], out["steps_rested"],
                    len(out["moved"])))
    return "\n".join(lines)
