"""`stepclip sim eval posture`: the firmware's posture, second by second, against labelled recordings.

Each recording is replayed twice in a row through the firmware and only the
second pass is scored: a clip worn before has already learned its wearer's
upright direction. A recording in which the wearer never walks cannot teach
it; the clip then starts with what it learned from the same wearer's walking
recording nearest in file order (one wearer: the same `userNN` or SisFall
`SAnn`/`SEnn` in the file names of one folder), as in one sitting the clip
would have learned it before. A second is
scored when all its samples carry one posture label, not `transition` or
`unknown`, and it starts at least 3 s after the label last changed (a person
takes a moment to settle; the clip decides on a short window).
"""

import csv
import json
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from host_tools.summary import plural
from simulator import replay, trace as tracemod

STATES = ("sitting", "standing", "walking", "lying", "off_body", "unknown")
GROUP = {"sitting": "sedentary", "standing": "upright", "walking": "upright", "walking_up": "upright",
         "walking_down": "upright", "lying": "lying"}
LABELS = tuple(GROUP)
SETTLE_S = 3
WORKERS = 2


class EvalError(Exception):
    pass


def recordings(folder):
    """The labelled CSV files of `folder`: those its index.csv lists, else every CSV with a label column."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvalError(f"{folder}: no such folder of recordings")
    index = folder / "index.csv"
    if index.is_file():
        with open(index, newline="") as f:
            files = [folder / row["file"] for row in csv.DictReader(f) if row.get("file")]
    else:
        files = [p for p in sorted(folder.rglob("*.csv")) if "label" in tracemod.header(p)]
    if not files:
        raise EvalError(f"{folder}: no labelled recordings (CSV with t,ax,ay,az,label)")
    return files


WEARER = re.compile(r"user\d+|S[AE]\d+")
WALKING = ("walking", "walking_up", "walking_down")


def _walks(folder, files):
    """{file: True if the wearer walks in it}, from the index's labels_present, else from the labels."""
    index = Path(folder) / "index.csv"
    present = {}
    if index.is_file():
        with open(index, newline="") as f:
            present = {Path(folder) / row["file"]: row.get("labels_present") or "" for row in csv.DictReader(f)
                       if row.get("file")}
    out = {}
    for path in files:
        if present.get(path):
            out[path] = any(w + ":" in present[path] for w in WALKING)
        else:
            out[path] = any(w in WALKING for w in set(tracemod.load_labels(path)))
    return out


def primers(folder, files):
    """{file: the same wearer's recording with a walk, for a recording without one (else None)}.

    The nearest in file order, the following one first: recordings of one
    sitting are numbered in a row, and a protocol run split in two (HAPT)
    puts its walks after the postures held still.
    """
    walks = _walks(folder, files)
    wearer = {p: (p.parent, m.group()) for p in files for m in [WEARER.search(p.name)] if m}
    order = sorted(files)
    out = {}
    for path in files:
        out[path] = None
        if walks[path] or path not in wearer:
            continue
        i = order.index(path)
        same = [(abs(j - i), j < i, q) for j, q in enumerate(order) if walks[q] and wearer.get(q) == wearer[path]]
        if same:
            out[path] = min(same)[2]
    return out


def learned_upright(path, runtime="micropython", overrides=None):
    """The upright direction (mg) the clip has learned after the recording, played twice; None if none."""
    twice, _ = doubled(tracemod.load(path))
    with tempfile.TemporaryDirectory(prefix="stepclip-primer-") as flash:
        replay.replay(twice, runtime=runtime, overrides=overrides, flash=flash)
        stored = json.loads((Path(flash) / "settings.json").read_text())
    upright = stored.get("upright_mg")
    return upright if upright and any(upright) else None


def doubled(trace):
    """The trace played twice in a row; the second copy starts one sample period after the first ends."""
    period = float(np.median(np.diff(trace.t)))
    offset = trace.t[-1] + period
    gyro = None if trace.gyro is None else np.vstack([trace.gyro, trace.gyro])
    return tracemod.Trace(trace.path, np.concatenate([trace.t, trace.t + offset]),
                          np.vstack([trace.acc, trace.acc]), gyro), offset


def truth_per_second(t, labels, start, seconds):
    """The label of each whole second [start + k, start + k + 1), or '' where it is not scored."""
    changes = t[1:][labels[1:] != labels[:-1]]
    if labels[-1] != labels[0]:  # the first pass ended in another posture
        changes = np.concatenate([[t[0]], changes])
    first = np.searchsorted(t, start + np.arange(seconds), "left")
    last = np.searchsorted(t, start + np.arange(1, seconds + 1), "left")
    out = []
    for k in range(seconds):
        a, b = first[k], last[k]
        if b <= a:
            out.append("")
            continue
        label = labels[a]
        lo = start + k
        recent = changes[(changes < lo + 1) & (changes > lo - SETTLE_S)]
        if label not in GROUP or (labels[a:b] != label).any() or len(recent):
            out.append("")
        else:
            out.append(label)
    return out


def states_per_second(posture_changes, seconds):
    """The firmware's state for each second 1..seconds, from its posture changes."""
    out = []
    state = "unknown"
    changes = iter(posture_changes)
    nxt = next(changes, None)
    for k in range(1, seconds + 1):
        while nxt is not None and nxt[0] <= k:
            state = nxt[1]
            nxt = next(changes, None)
        out.append(state)
    return out


def score_recording(path, runtime="micropython", overrides=None, primer=None):
    """Replay one recording twice; its scored seconds as (truth, state) pairs and every second-pass state.

    `primer`: the same wearer's recording the clip learns its upright direction from first.
    """
    try:
        if primer is not None:
            upright = learned_upright(primer, runtime, overrides)
            if upright:
                overrides = dict(overrides or {}, upright_mg=upright)
        return dict(_score(path, runtime, overrides), primer=None if primer is None else str(primer))
    except (tracemod.TraceError, replay.SimError, OSError, ValueError) as e:
        raise EvalError(str(e)) from None  # a plain exception crosses back from a worker process


def _score(path, runtime, overrides):
    trace = tracemod.load(path)
    labels = tracemod.load_labels(path)
    if len(labels) != len(trace.t):
        raise EvalError(f"{path}: {len(labels)} labels for {len(trace.t)} samples")
    twice, offset = doubled(trace)
    result = replay.replay(twice, runtime=runtime, overrides=overrides)
    total = int(result["samples"] // result["rate_hz"])
    states = states_per_second(result["posture_changes"], total)
    first = int(np.ceil(offset))  # the first whole second of the second pass
    n = total - first
    truth = truth_per_second(trace.t, labels, first - offset, n)
    second_pass = states[first:]
    pairs = [(str(lab), st) for lab, st in zip(truth, second_pass) if lab]
    return {"file": str(path), "pairs": pairs, "states": second_pass}


def confusion(pairs):
    matrix = {lab: {st: 0 for st in STATES} for lab in LABELS}
    for lab, st in pairs:
        matrix[lab][st] += 1
    return matrix


def agreement(pairs):
    """Percent of seconds in the right group: sedentary vs upright, and lying.

    The main figures cover the seconds in which the clip knew its wearer's
    upright direction; a recording without any walking never teaches it (the
    clip says `unknown`). `strict` counts those seconds as wrong too.
    """

    def pct(hits):
        return round(100.0 * sum(hits) / len(hits), 2) if hits else None

    def figures(scored):
        upright = [GROUP.get(st) == GROUP[lab] for lab, st in scored if GROUP[lab] != "lying"]
        lying = [st == "lying" for lab, st in scored if GROUP[lab] == "lying"]
        return {"sedentary_vs_upright": pct(upright), "lying": pct(lying)}, (len(upright), len(lying))

    main, (n_upright, n_lying) = figures([p for p in pairs if p[1] != "unknown"])
    strict, _ = figures(pairs)
    return {**main, "seconds": {"sedentary_vs_upright": n_upright, "lying": n_lying},
            "uncalibrated_seconds": sum(1 for p in pairs if p[1] == "unknown"), "strict": strict}


def evaluate(folder, runtime="micropython", overrides=None, workers=WORKERS):
    files = recordings(folder)
    primed = primers(folder, files)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        scored = pool.map(score_recording, files, [runtime] * len(files), [overrides] * len(files),
                          [primed[f] for f in files])
        results = list(tqdm(scored, total=len(files), unit="file", desc="eval posture", disable=None, leave=False))
    pairs = [p for r in results for p in r["pairs"]]
    per_file = []
    by_source = {}
    for r in results:
        a = agreement(r["pairs"])
        name = Path(r["file"]).relative_to(folder)
        per_file.append({"file": str(name), **{k: a[k] for k in ("sedentary_vs_upright", "lying")},
                         "uncalibrated_seconds": a["uncalibrated_seconds"],
                         "never_calibrated": all(st == "unknown" for st in r["states"]),
                         "primed_from": r["primer"] and str(Path(r["primer"]).relative_to(folder))})
        by_source.setdefault(name.parts[0] if len(name.parts) > 1 else ".", []).extend(r["pairs"])
    return {"folder": str(folder), "runtime": runtime, "recordings": len(files), "scored_seconds": len(pairs),
            "matrix": confusion(pairs), "agreement": agreement(pairs),
            "per_source": {k: agreement(v) for k, v in sorted(by_source.items())}, "per_file": per_file}


def text(report):
    n = report["recordings"]
    lines = [f"{n} {plural(n, 'recording')} in {report['folder']}, {report['scored_seconds']} seconds scored "
             f"(second pass, {report['runtime']})", "",
             "label \\ clip   " + "".join(f"{s:>10}" for s in STATES)]
    for lab, row in report["matrix"].items():
        if sum(row.values()):
            lines.append(f"{lab:<15}" + "".join(f"{row[s]:>10}" for s in STATES))
    a = report["agreement"]
    lines.append("")
    for key, name in (("sedentary_vs_upright", "sedentary vs upright"), ("lying", "lying")):
        value = "no seconds" if a[key] is None else f"{a[key]:.2f} %"
        strict = a["strict"][key]
        lines.append(f"{name + ':':<22}{value:>10}  ({a['seconds'][key]} s calibrated; "
                     f"{'-' if strict is None else f'{strict:.2f} %'} counting uncalibrated seconds as wrong)")
    never = [Path(f["file"]).name for f in report["per_file"] if f["never_calibrated"] and f["uncalibrated_seconds"]]
    lines.append(f"uncalibrated (no walk yet, clip says unknown): {a['uncalibrated_seconds']} s"
                 + (f", from scored recordings without any walk: {', '.join(never)}" if never else ""))
    lines.append("per source:")
    for source, sa in report["per_source"].items():
        lines.append(f"  {source}: " + ", ".join(
            f"{name} {_pct(sa[key])} ({_pct(sa['strict'][key])} strict, {sa['seconds'][key]} s)"
            for key, name in (("sedentary_vs_upright", "sedentary vs upright"), ("lying", "lying"))))
    worst = sorted((f for f in report["per_file"] if f["sedentary_vs_upright"] is not None),
                   key=lambda f: f["sedentary_vs_upright"])[:5]
    if worst:
        lines.append("lowest sedentary vs upright: " + ", ".join(
            f"{Path(f['file']).name} {f['sedentary_vs_upright']:.0f} %" for f in worst))
    return "\n".join(lines)


def _pct(value):
    return "-" if value is None else f"{value:.2f} %"


def failures(report, min_pct):
    """The agreements (on calibrated seconds) below `min_pct`, as words."""
    out = []
    for key, value in report["agreement"].items():
        if key in ("sedentary_vs_upright", "lying") and value is not None and value < min_pct:
            out.append(f"{key.replace('_', ' ')} {value:.2f} % < {min_pct:g} %")
    return out


def run(folder, runtime="micropython", as_json=False, min_agreement=None, overrides=None):
    report = evaluate(folder, runtime, overrides)
    print(json.dumps(report) if as_json else text(report))
    if min_agreement is not None:
        low = failures(report, min_agreement)
        if low:
            raise EvalError("agreement below the minimum: " + "; ".join(low))
