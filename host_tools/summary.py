"""Readable summaries of what the firmware reported for a trace or a day."""

from pathlib import Path

UPRIGHT_AGAIN = ("walking", "standing")


def bouts(result):
    """Posture bouts as (start_s, end_s, posture), from the firmware's posture changes."""
    out = []
    start, state = 0, "unknown"
    for t, posture in result["posture_changes"]:
        if t > start:
            out.append((start, t, state))
        start, state = t, posture
    if result["seconds"] > start:
        out.append((start, result["seconds"], state))
    return out


def plural(n, word):
    """`word` for one, `word`s for any other count: '1 day', '2 days'."""
    return word if n == 1 else word + "s"


def duration(seconds):
    """A duration to the second under an hour ('4 min 05 s'), from an hour on to the minute, rounded as
    minutes() rounds, so that every view of the same time reads alike."""
    seconds = int(round(seconds))
    if seconds >= 3570:  # 59 min 30 s and more round to the hour
        return minutes(seconds)
    m, s = divmod(seconds, 60)
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def minutes(seconds):
    """A duration to the minute, rounded: '45 min', '2 h 10 min'."""
    m = int(round(seconds / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def clock(start_minute, t):
    """Wall-clock time HH:MM of `t` seconds into a trace that began at `start_minute`."""
    minutes = (start_minute * 60 + int(t)) // 60 % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def time_in(result):
    totals = {}
    for a, b, state in bouts(result):
        totals[state] = totals.get(state, 0) + b - a
    return totals


def replay_text(path, result):
    lines = [
        f"{Path(path).name}: {duration(result['seconds'])} at {result['rate_hz']} Hz, "
        f"{result['samples']} samples on {result['runtime']}",
        f"steps: {result['steps']}",
    ]
    totals = time_in(result)
    if totals:
        lines.append("posture: " + ", ".join(f"{k} {duration(v)}" for k, v in
                                             sorted(totals.items(), key=lambda kv: -kv[1])))
    if result["nudges"]:
        lines.append("nudges at: " + ", ".join(duration(t) for t in result["nudges"]))
    else:
        lines.append("nudges: none")
    errors = {k: v for k, v in result["errors"].items() if v}
    if errors:
        lines.append("errors: " + ", ".join(f"{k} {v}" for k, v in errors.items()))
    battery = (result.get("pico") or {}).get("battery")
    if battery and "soc" in battery:  # the emulated Pico's cell, drained while worn
        text = (f"battery (VSYS): {100 * battery['soc_start']:.1f}% to {100 * battery['soc']:.2f}% charge, "
                f"{battery['mv'] / 1000:.3f} V")
        logged = [mv for _, mv in battery["logged_mv"] if mv]
        if logged:
            text += f"; the clip logged {logged[0] / 1000:.3f} to {logged[-1] / 1000:.3f} V"
        lines.append(text)
    return "\n".join(lines)


def day_text(result, start_minute):
    """The day as a wearer reads it: steps, sitting, and each nudge with its response."""
    sitting = [(a, b) for a, b, s in bouts(result) if s == "sitting"]
    total_sit = sum(b - a for a, b in sitting)
    lines = [
        f"Your day from {clock(start_minute, 0)} to {clock(start_minute, result['seconds'])}",
        f"  steps:               {result['steps']:,}",
        f"  time sitting:        {duration(total_sit)} in {len(sitting)} {plural(len(sitting), 'bout')}",
    ]
    if sitting:
        a, b = max(sitting, key=lambda ab: ab[1] - ab[0])
        lines.append(f"  longest sitting:     {duration(b - a)} ({clock(start_minute, a)}-{clock(start_minute, b)})")
    lines.append(f"  nudges:              {len(result['nudges'])}")
    for t in result["nudges"]:
        up = next((c for c, s in result["posture_changes"] if c >= t and s in UPRIGHT_AGAIN), None)
        response = f"got up {duration(up - t)} later" if up is not None else "did not get up before the end"
        lines.append(f"    {clock(start_minute, t)}  {response}")
    return "\n".join(lines)


def from_minutes(rows):
    """What day_text needs, rebuilt from database minutes (minute resolution); and the first minute of day."""
    states = ("unknown", "sitting", "standing", "lying", "walking", "off_body")
    changes, nudges, state = [], [], None
    for i, row in enumerate(rows):
        secs = [row[s + "_s"] for s in states]
        posture = states[secs.index(max(secs))]
        if posture != state:
            changes.append([i * 60, posture])
            state = posture
        nudges += [i * 60] * row["nudges"]
    last = rows[-1]
    seconds = (len(rows) - 1) * 60 + sum(last[s + "_s"] for s in states)
    result = {"steps": sum(r["steps"] for r in rows), "seconds": seconds, "posture_changes": changes,
              "nudges": nudges}
    return result, rows[0]["epoch"] // 60 % 1440
