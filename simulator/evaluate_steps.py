"""`stepclip sim eval steps`: the firmware's step count against the truth of many recordings.

A folder holds recordings and an `index.csv` (file, position, activity,
true_steps, ...; see ../shared/datasets/steps/README). Every recording is
resampled to the rate the board's IMU runs at, quantised as the chip does,
and counted by the firmware's StepCounter; the recordings are split in
batches, one interpreter run each, spread over the CPU cores.

Error measures (as pedometer studies report them):
  absolute error rate  sum |counted - true| / sum true  (over- and under-counts do not cancel)
  net error            |sum counted - sum true| / sum true
  false steps per 10 min, over the recordings whose true count is 0.
"""

import csv
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from simulator import project, replay, trace as tracemod
from simulator.unix import runtime as unix_port

BELT_WORDS = ("belt", "waist", "hip", "lower back")
REQUIRED = ("file", "position", "activity", "true_steps")


class EvalError(replay.SimError):
    pass


def default_dir():
    return project.datasets_dir() / "steps"


def is_belt(position):
    """Recordings worn where the clip is: lower back, waist, hip, belt."""
    p = position.lower()
    return any(w in p for w in BELT_WORDS)


def is_walking(activity):
    return activity.lower().startswith("walk")


def read_index(folder):
    """The rows of folder/index.csv, checked: a clear EvalError for anything missing or malformed."""
    index = Path(folder) / "index.csv"
    if not index.is_file():
        raise EvalError(f"{index}: no such file (a folder of recordings needs an index.csv)")
    with open(index, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise EvalError(f"{index}: missing column {', '.join(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                true = int(row["true_steps"])
            except (TypeError, ValueError):
                raise EvalError(f"{index}:{line}: true_steps is not a whole number: {row['true_steps']!r}") from None
            if true < 0:
                raise EvalError(f"{index}:{line}: true_steps is negative")
            path = Path(folder) / row["file"]
            if not path.is_file():
                raise EvalError(f"{index}:{line}: recording {row['file']} not found")
            rows.append({"file": row["file"], "path": path, "position": row["position"].strip(),
                         "activity": row["activity"].strip(), "true": true})
    if not rows:
        raise EvalError(f"{index}: lists no recordings")
    return rows


def chip_counts(samples, range_g):
    """Accelerometer samples (n, >=3, g) as the MPU-6050 model's int16 counts at full scale `range_g`.

    The same two roundings as the simulated chip: to the stream's fine unit, then to the range's LSB.
    """
    fine = np.clip(np.rint(samples[:, :3] * tracemod.ACC_UNIT), -(2**31), 2**31 - 1).astype(np.int64)
    shift = (2, 4, 8, 16).index(range_g) + 4
    return np.clip((fine + (1 << (shift - 1))) >> shift, -32768, 32767).astype("<i2")


def _count_batch(rows, job_base, work, runtime, tick):
    """Steps and samples of each row; `tick()` once a recording is prepared and once it is counted."""
    streams = []
    for k, row in enumerate(rows):
        samples = tracemod.resample(tracemod.load(row["path"]), job_base["rate_hz"])
        path = Path(work) / f"{k}.bin"
        path.write_bytes(chip_counts(samples, job_base["range_g"]).tobytes())
        streams.append(str(path))
        tick()
    job = dict(job_base, streams=streams)
    if runtime == "micropython":
        job["progress"] = True
        out = unix_port.run_micropython("count_steps.py", job, Path(work), progress=lambda _: tick())
    else:
        project.use_firmware()
        import count_steps

        out = count_steps.run(json.loads(json.dumps(job)), lambda _: tick())
    return out


def _batches(rows, n):
    """Split rows into n batches of about equal recording size (the work is per sample)."""
    sizes = sorted(((r["path"].stat().st_size, i) for i, r in enumerate(rows)), reverse=True)
    batches = [[] for _ in range(n)]
    loads = [0] * n
    for size, i in sizes:
        b = loads.index(min(loads))
        batches[b].append(i)
        loads[b] += size
    return [sorted(b) for b in batches if b]


def count_all(rows, runtime="micropython", board_name=project.DEFAULT_BOARD, overrides=None, jobs=None):
    """Counted steps and samples of every row, in order; `jobs` interpreter runs side by side."""
    if runtime not in replay.SIMULATED:
        raise EvalError(f"unknown runtime '{runtime}' (choose from {', '.join(replay.SIMULATED)})")
    overrides = dict(overrides or {})
    s = replay.resolve_settings(overrides)
    rate = replay.imu_rate(project.board(board_name), s)
    job_base = {"firmware": str(project.FIRMWARE), "rate_hz": rate, "lsb_per_g": 32768 // s["accel_range_g"],
                "range_g": s["accel_range_g"],
                "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()}}
    jobs = jobs or min(len(rows), os.cpu_count() or 1)
    batches = _batches(rows, jobs)
    steps = [0] * len(rows)
    samples = [0] * len(rows)
    with tempfile.TemporaryDirectory(prefix="stepclip-eval-") as work:
        dirs = []
        for b in range(len(batches)):
            dirs.append(Path(work) / str(b))
            dirs[-1].mkdir()
        # a bar on a terminal: each recording prepared, then counted
        with ThreadPoolExecutor(len(batches)) as pool, \
                tqdm(total=2 * len(rows), desc="eval steps", disable=None, leave=False) as bar:
            outs = list(pool.map(lambda b: _count_batch([rows[i] for i in batches[b]], job_base, dirs[b], runtime,
                                                        bar.update), range(len(batches))))
    for batch, out in zip(batches, outs):
        for i, n, m in zip(batch, out["steps"], out["samples"]):
            steps[i] = n
            samples[i] = m
    return steps, samples, rate


def _totals(items):
    true = sum(r["true"] for r in items)
    counted = sum(r["counted"] for r in items)
    out = {"files": len(items), "true": true, "counted": counted}
    if true:
        out["abs_error_pct"] = round(100 * sum(abs(r["counted"] - r["true"]) for r in items) / true, 2)
        out["net_error_pct"] = round(100 * abs(counted - true) / true, 2)
    return out


def summarise(rows):
    """Totals per position, per activity, at belt level and over all recordings with a true count."""
    with_true = [r for r in rows if r["true"] > 0]
    zero = [r for r in rows if r["true"] == 0]
    minutes = sum(r["seconds"] for r in zero) / 60
    walking = [r for r in with_true if is_walking(r["activity"])]
    worst = max(walking, key=lambda r: abs(r["error_pct"]), default=None)
    return {
        "by_position": {p: _totals([r for r in rows if r["position"] == p])
                        for p in sorted({r["position"] for r in rows})},
        "by_activity": {a: _totals([r for r in rows if r["activity"] == a])
                        for a in sorted({r["activity"] for r in rows})},
        "belt": _totals([r for r in with_true if is_belt(r["position"])]),
        "all_with_true_count": _totals(with_true),
        "worst_walking_file": {"file": worst["file"], "error_pct": worst["error_pct"]} if worst else None,
        "non_walking": {"files": len(zero), "minutes": round(minutes, 1),
                        "false_steps": sum(r["counted"] for r in zero),
                        "false_steps_per_10min": round(10 * sum(r["counted"] for r in zero) / minutes, 2)
                        if minutes else None},
    }


def evaluate(folder=None, runtime="micropython", board_name=project.DEFAULT_BOARD, overrides=None, jobs=None):
    """The `sim eval steps --json` result: per-file rows and the summary."""
    folder = Path(folder) if folder else default_dir()
    rows = read_index(folder)
    steps, samples, rate = count_all(rows, runtime, board_name, overrides, jobs)
    files = []
    for row, n, m in zip(rows, steps, samples):
        err = n - row["true"]
        files.append({"file": row["file"], "position": row["position"], "activity": row["activity"],
                      "true": row["true"], "counted": n, "error": err,
                      "error_pct": round(100 * err / row["true"], 2) if row["true"] else None,
                      "seconds": round(m / rate, 2)})
    return {"folder": str(folder), "runtime": runtime, "rate_hz": rate, "files": files, "summary": summarise(files)}


def _pct(v):
    return "-" if v is None else f"{v:.2f}%"


def text(result):
    """The evaluation as a readable table."""
    lines = [f"{'file':44s} {'true':>6s} {'counted':>7s} {'error':>6s} {'error%':>8s}"]
    for r in result["files"]:
        lines.append(f"{r['file'][:44]:44s} {r['true']:6d} {r['counted']:7d} {r['error']:+6d} {_pct(r['error_pct']):>8s}")
    s = result["summary"]
    for title, key in (("position", "by_position"), ("activity", "by_activity")):
        lines.append("")
        lines.append(f"{title:58s} {'files':>5s} {'true':>6s} {'counted':>7s} {'abs err':>8s} {'net err':>8s}")
        for name, t in s[key].items():
            lines.append(f"{name[:58]:58s} {t['files']:5d} {t['true']:6d} {t['counted']:7d} "
                         f"{_pct(t.get('abs_error_pct')):>8s} {_pct(t.get('net_error_pct')):>8s}")
    lines.append("")
    for label, t in (("belt level (lower back, waist, hip)", s["belt"]),
                     ("all recordings with a true count", s["all_with_true_count"])):
        lines.append(f"{label}: {_count(t['files'], 'file')}, {t['true']} true, {t['counted']} counted, "
                     f"absolute error {_pct(t.get('abs_error_pct'))}, net error {_pct(t.get('net_error_pct'))}")
    w = s["worst_walking_file"]
    if w:
        lines.append(f"worst walking recording: {w['file']} {w['error_pct']:+.2f}%")
    nw = s["non_walking"]
    if nw["files"]:
        lines.append(f"non-walking recordings (true count 0): {_count(nw['files'], 'file')}, {nw['minutes']} min, "
                     f"{nw['false_steps']} false steps = {nw['false_steps_per_10min']} per 10 min")
    return "\n".join(lines)


def _count(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def belt_error_above(result, max_error_pct):
    """A one-line reason when the belt-level absolute error rate exceeds `max_error_pct`, else None."""
    belt = result["summary"]["belt"]
    if not belt["true"]:
        return "no belt-level recordings with a true count to judge --max-error on"
    if belt["abs_error_pct"] > max_error_pct:
        return f"belt-level absolute error rate {belt['abs_error_pct']:.2f}% is above {max_error_pct:g}%"
    return None
