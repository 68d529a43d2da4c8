"""Long scenario traces for the inactivity coach, with the nudges they call for.

A schedule is a list of (activity, seconds) entries: `sit`, `stand`, `walk`,
`lie`, and `double_tap` (seconds ignored: a double tap on the clip
TAP_BEFORE_S before that moment, so in the posture that is ending rather
than in the movement to the next one). `build` strings real segments of one labelled waist recording
together (one wearer, one mounting) following the schedule: segments of the
same posture are tiled with their joins faded, walking is cut from heel
strike to heel strike so the gait rhythm runs on across joins (and only
walks the clip's step counter follows are used), and the
wearer's real transitions (stand to sit, sit to lie, ...) open each change
of posture. Without the shared recordings, the segments come from the
synthetic generator (simulator/tracegen.py) instead.

`due_nudges` applies the coach's rules to the schedule itself, so a replay
of the trace can be checked against when nudges are due.
"""

import csv
import functools
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator import project, trace as tracemod, tracegen

ACTIVITIES = {"sit": "sitting", "stand": "standing", "walk": "walking", "lie": "lying"}
POSTURE_OF = {"sitting": "sitting", "standing": "standing", "walking": "standing", "lying": "lying"}
TAP = "double_tap"
JOIN_S = 1.0  # a join of two segments fades over this long
TRIM_S = 1.0  # trimmed off both ends of a real segment: labels are set by eye
TAP_GAP_S = 0.25
TAP_BEFORE_S = 2


@dataclass
class Scenario:
    trace: tracemod.Trace
    overrides: dict  # settings for the clip: the wearer's upright direction, as if worn before
    schedule: list
    source: str  # the recording the segments came from, or "generated"

    def spans(self, activity):
        """(start, end) seconds of each schedule entry of `activity`."""
        out, t = [], 0.0
        for act, secs in self.schedule:
            if act == TAP:
                continue
            if act == activity:
                out.append((t, t + secs))
            t += secs
        return out


def check(schedule):
    for entry in schedule:
        if (len(entry) != 2 or entry[0] not in (*ACTIVITIES, TAP) or isinstance(entry[1], bool)
                or not isinstance(entry[1], int) or entry[1] < 0):
            raise ValueError(f"bad schedule entry {entry!r}: (activity, whole seconds), activity one of "
                             f"{', '.join((*ACTIVITIES, TAP))}")
    if not any(act != TAP and secs > 0 for act, secs in schedule):
        raise ValueError("a schedule needs at least one activity of some length")


def due_nudges(schedule, s, start_minute=-1):
    """Seconds from the start at which the coach's rules (settings `s`) call for a nudge.

    The rules, as the README states them: inactive time (sitting or standing)
    accumulates; a walk of `break_s` restarts it (shorter walks count as
    inactive); lying pauses it and a rest of `rest_reset_s` restarts it; a
    nudge is due after `inactive_s`, then every `renudge_s`; a double tap
    postpones the next one by `snooze_s`. Nudges due while walking or lying
    wait for the end of it, and those due in quiet hours for their end, when
    the clock is set (`start_minute`: minute of the day at the start).
    """
    acts, taps = timeline(schedule)
    out = []
    inactive, due, walk, rest = 0, s["inactive_s"], 0, 0
    for t, act in enumerate(acts, start=1):
        due += s["snooze_s"] * taps.count(t - 1)
        if act == "walk":
            rest = 0
            walk += 1
            if walk >= s["break_s"]:
                inactive, due = 0, s["inactive_s"]
            else:
                inactive += 1
            continue
        walk = 0
        if act == "lie":
            rest += 1
            if rest >= s["rest_reset_s"]:
                inactive, due = 0, s["inactive_s"]
            continue
        rest = 0
        inactive += 1
        if inactive >= due and not _quiet(s, start_minute, t):
            out.append(t)
            due = inactive + s["renudge_s"]
    return out


def _quiet(s, start_minute, t):
    if start_minute < 0:
        return False
    minute = (start_minute + t // 60) % 1440
    a, b = s["quiet_start_min"], s["quiet_end_min"]
    return a <= minute < b if a <= b else minute >= a or minute < b


def timeline(schedule):
    """The activity of each whole second, and the seconds at which double taps come."""
    check(schedule)
    acts, taps = [], []
    for act, secs in schedule:
        if act == TAP:
            taps.append(tap_time(len(acts)))
        else:
            acts += [act] * int(secs)
    return acts, taps


def tap_time(t):
    """A double tap entry at schedule time `t` knocks TAP_BEFORE_S earlier, in the posture that is ending."""
    return max(t - TAP_BEFORE_S, 0)


def build(schedule, seed=0, source=None):
    """The scenario for `schedule`: real segments of `source` (a labelled recording; default: one
    of the shared posture recordings chosen by `seed`), or generated ones when there are none."""
    check(schedule)
    if source is not None:
        return from_recording(schedule, source, seed)
    candidates = source_recordings()
    for k in range(len(candidates)):  # from the seed's pick on, the first with every kind of segment
        try:
            return from_recording(schedule, candidates[(seed + k) % len(candidates)], seed)
        except ValueError:
            continue
    return generated(schedule, seed)


def source_recordings():
    """Shared recordings that hold every posture, level walking and transitions."""
    index = project.datasets_dir() / "posture" / "index.csv"
    if not index.is_file():
        return []
    out = []
    with open(index, newline="") as f:
        for row in csv.DictReader(f):
            present = row["labels_present"]
            if all(f"{lab}:" in present for lab in ("sitting", "standing", "lying", "walking", "transition")):
                out.append(index.parent / row["file"])
    return out


# -- from a real recording ------------------------------------------------------

def _runs(labels):
    """(label, start, end) of each run of equal labels."""
    edges = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(labels)]])
    return [(labels[a], a, b) for a, b in zip(starts, ends)]


def _heel_strikes(acc, rate):
    """Sample indices of the strongest jolt in each step (peaks of |a|, at least 0.3 s apart)."""
    mag = np.linalg.norm(acc, axis=1)
    k = max(int(0.06 * rate), 1)
    smooth = np.convolve(mag, np.ones(k) / k, mode="same")
    gap = int(0.3 * rate)
    peaks = []
    for i in np.argsort(-smooth):
        if smooth[i] < 1.05:
            break
        if all(abs(i - p) >= gap for p in peaks):
            peaks.append(i)
    return sorted(peaks)


def _recognised_walk(acc, rate):
    """True when the firmware's step counter takes this stretch for walking nearly throughout.

    The scenarios test the coach, so their walks must be walks to the clip;
    a gait the counter loses (see `stepclip sim eval posture`) is left out.
    """
    project.use_firmware()
    import settings
    from steps import StepCounter

    rate_i = int(round(rate))
    counter = StepCounter(rate_i, 8192, settings.defaults())
    buf = array("h", np.rint(acc * 8192).astype("<i2").tobytes())
    walking = []
    for j in range(0, len(buf) - 3 * rate_i + 1, 3 * rate_i):
        counter.scan(buf, j, j + 3 * rate_i)  # second by second
        walking.append(counter.walking())
    return len(walking) > 6 and sum(walking[3:]) >= 0.8 * len(walking[3:])


class _Source:
    """Segments of one labelled recording by posture, and its transitions by kind."""

    def __init__(self, path):
        self.trace = tracemod.load(path)
        self.rate = self.trace.rate_hz
        acc = self.trace.acc
        labels = tracemod.load_labels(path)
        walking = labels == "walking"
        up = acc[walking].mean(axis=0)
        self.up = up / np.linalg.norm(up)
        trim = int(TRIM_S * self.rate)
        self.pieces = {lab: [] for lab in POSTURE_OF}
        self.transitions = {}
        runs = _runs(labels)
        for i, (lab, a, b) in enumerate(runs):
            if lab == "transition" and 0 < i < len(runs) - 1:
                kind = (runs[i - 1][0], runs[i + 1][0])
                self.transitions.setdefault(kind, acc[a:b])
            if lab not in self.pieces or b - a <= 2 * trim + self.rate:
                continue
            a, b = a + trim, b - trim
            if lab == "walking":
                strikes = _heel_strikes(acc[a:b], self.rate)
                if len(strikes) < 4:
                    continue
                a, b = a + strikes[0], a + strikes[-1]
                if not _recognised_walk(acc[a:b], self.rate):
                    continue
            elif not self._plausible(lab, acc[a:b]):
                continue
            self.pieces[lab].append(acc[a:b])
        missing = [lab for lab, p in self.pieces.items() if not p]
        if missing:
            raise ValueError(f"{path}: no usable {', '.join(missing)} segment")

    def _plausible(self, label, acc):
        """Leave out still segments whose tilt contradicts their label by far (a mislabelled stretch)."""
        g = acc.mean(axis=0)
        tilt = np.degrees(np.arccos(np.clip(g @ self.up / np.linalg.norm(g), -1, 1)))
        return tilt >= 75 if label == "lying" else tilt <= 55

    def fill(self, label, n, rng):
        """n samples of `label`: the recording's segments of it in random order, tiled."""
        pieces = self.pieces[label]
        out, have = [], 0
        while have < n:
            piece = pieces[rng.integers(len(pieces))]
            out.append(piece)
            have += len(piece)
        return out


@functools.lru_cache(maxsize=8)
def _source(path):
    return _Source(path)


def _fade_onto(prev_end, piece, rate):
    """`piece` with its start bent onto `prev_end` (mean of the previous samples) over JOIN_S."""
    m = min(len(piece), int(JOIN_S * rate))
    k = max(int(0.1 * rate), 1)
    delta = prev_end - piece[:k].mean(axis=0)
    w = 0.5 * (1 + np.cos(np.pi * np.arange(m) / max(m, 1)))
    out = piece.copy()
    out[:m] += delta * w[:, None]
    return out


def _assemble(parts, rate):
    out = []
    k = max(int(0.1 * rate), 1)
    for p in parts:
        if out:
            p = _fade_onto(out[-1][-k:].mean(axis=0), p, rate)
        out.append(p)
    return np.concatenate(out) if out else np.zeros((0, 3))


def add_double_tap(acc, rate, t, rng):
    """Two knocks on the clip TAP_GAP_S apart from `t` s: 1-3 g half-sines of 10-30 ms on one axis."""
    axis = rng.integers(3)
    g = rng.choice([-1, 1]) * rng.uniform(1.5, 3)
    times = np.arange(len(acc)) / rate
    for tc in (t, t + TAP_GAP_S):
        tc = round(tc * rate) / rate  # centred on a sample, so that it is seen at any rate
        width = max(rng.uniform(0.01, 0.03), 1.0 / rate)
        near = np.abs(times - tc) < width / 2
        acc[near, axis] += g * np.cos(np.pi * (times[near] - tc) / width)


def from_recording(schedule, path, seed=0):
    src = _source(str(path))
    rng = np.random.default_rng(seed)
    rate = src.rate
    parts, taps, t, posture, label = [], [], 0, None, None
    for act, secs in schedule:
        if act == TAP:
            taps.append(tap_time(t / rate))
            continue
        n = int(round(secs * rate))
        if n == 0:
            continue
        label = ACTIVITIES[act]
        new = POSTURE_OF[label]
        if posture is not None and new != posture:
            move = src.transitions.get((posture, new))
            if move is not None and len(move) < n // 2:
                parts.append(move)
                n -= len(move)
        posture = new
        for piece in src.fill(label, n, rng):
            take = min(len(piece), n)
            parts.append(piece[:take])
            n -= take
        t += int(round(secs * rate))
    acc = _assemble(parts, rate)
    for at in taps:
        add_double_tap(acc, rate, at, rng)
    trace = tracemod.Trace(f"<scenario from {Path(path).name}>", np.arange(len(acc)) / rate, acc, None)
    return Scenario(trace, {"upright_mg": _mg(src.up)}, list(schedule), str(path))


def _mg(direction):
    return tuple(int(round(1000 * v)) for v in direction)


# -- generated ------------------------------------------------------------------

def generated(schedule, seed=0, rate_hz=50):
    """The scenario from synthetic segments (tracegen), for when the shared recordings are absent."""
    entries, taps, t = [], [], 0.0
    for act, secs in schedule:
        if act == TAP:
            taps.append(tap_time(t))
        elif secs > 0:
            entries.append((act, secs))
            t += secs
    g = tracegen.generate(entries, rate_hz=rate_hz, seed=seed)
    rng = np.random.default_rng(seed)
    acc = g.acc.copy()
    for at in taps:
        add_double_tap(acc, rate_hz, at, rng)
    up = tracegen.DEFAULT_MOUNT @ np.array([1.0, 0.0, 0.0])
    trace = tracemod.Trace("<generated scenario>", g.t, acc, g.gyro)
    return Scenario(trace, {"upright_mg": _mg(up)}, list(schedule), "generated")
