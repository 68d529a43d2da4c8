"""`stepclip report`: the synced days in the terminal, as pictures, and on one HTML page."""

import base64
import html
import multiprocessing
import os
import webbrowser
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from host_tools import charts, db, days as daysmod
from host_tools.summary import duration

GOAL = 10_000


def day_cells(d, goal):
    """The day's figures as text, in the order of COLUMNS."""
    bouts = d.bouts()
    longest = max((n for _, n in bouts), default=0)
    nudges = d.nudges()
    answered = sum(1 for _, a in nudges if a)
    return [f"{d.date:%a %Y-%m-%d}", f"{d.steps:,}", f"{100 * d.steps / goal:.0f}%", duration(d.sitting_s),
            str(len(bouts)), duration(longest * 60), f"{d.breaks_per_sitting_hour():.1f}", str(len(nudges)),
            f"{answered}/{len(nudges)}" if nudges else "-", f"{d.battery_mv / 1000:.2f} V" if d.battery_mv else "-"]


COLUMNS = ("day", "steps", "goal", "sitting", "bouts", "longest bout", "breaks/h", "nudges", "answered", "battery")
WIDTHS = (14, 7, 5, 12, 5, 12, 8, 6, 8, 7)


def _row(cells):
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, WIDTHS)))


def text(by_clip, goal):
    lines = []
    for clip, days in by_clip.items():
        lines.append(f"clip {clip}: {days[0].date} to {days[-1].date} ({len(days)} days)")
        lines.append(_row(COLUMNS))
        lines += [_row(day_cells(d, goal)) for d in days]
        errors = {}
        for d in days:
            for k, v in d.errors.items():
                errors[k] = max(errors.get(k, 0), v)
        if errors:
            lines.append("device counters: " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))
        lines.append("")
    lines.append("answered: nudges followed by a walk within 5 minutes; breaks/h: sitting bouts ended per hour "
                 "sitting")
    return "\n".join(lines)


def pictures(by_clip, goal, out):
    """Write every picture into `out`; {clip: {"steps": path, "bouts": path, "days": [(day, path)]}}.

    The day timelines, one per clip and day, are drawn on every core.
    """
    out.mkdir(parents=True, exist_ok=True)
    made = {}
    timelines = []
    for clip, days in by_clip.items():
        made[clip] = {
            "steps": charts.steps_per_day(days, goal, out / f"steps_{clip}.png"),
            "bouts": charts.sitting_bouts(days, out / f"sitting_bouts_{clip}.png"),
            "days": [(d, out / f"timeline_{clip}_{d.date}.png") for d in days],
        }
        timelines += made[clip]["days"]
    # a bar on a terminal when there are many days to draw
    with tqdm(total=len(timelines), unit="day", desc="timelines", disable=None if len(timelines) > 7 else True,
              leave=False) as bar:
        if len(timelines) > 2:
            with ProcessPoolExecutor(max_workers=os.cpu_count(),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                for _ in pool.map(charts.timeline, *zip(*timelines)):
                    bar.update()
        else:
            for d, path in timelines:
                charts.timeline(d, path)
    return made


def _img(path, alt):
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def page(by_clip, goal, made, unplaced):
    """One self-contained HTML page: tables and the pictures, embedded."""
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Stepclip report</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:1060px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;"
             "text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%}</style>",
             "</head><body><h1>Stepclip report</h1>"]
    if unplaced:
        parts.append(f"<p>{unplaced} minutes were logged before the clip's clock was ever set and are not "
                     f"shown.</p>")
    cols = ["day", "steps", "of goal", "sitting", "bouts", "longest bout", "breaks per sitting hour", "nudges",
            "answered within 5 min", "battery"]  # COLUMNS, spelled out
    for clip, days in by_clip.items():
        parts.append(f"<h2>Clip {html.escape(clip)}</h2><p>{days[0].date} to {days[-1].date}, {len(days)} days, "
                     f"daily goal {goal:,} steps.</p><table><tr>")
        parts += [f"<th>{c}</th>" for c in cols] + ["</tr>"]
        for d in days:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in day_cells(d, goal)) + "</tr>")
        parts.append("</table>")
        parts.append(_img(made[clip]["steps"], f"steps per day, clip {clip}"))
        parts.append(_img(made[clip]["bouts"], f"sitting bout lengths, clip {clip}"))
        for d, path in made[clip]["days"]:
            parts.append(f"<h3>{d.date:%A %d %B %Y}</h3>")
            parts.append(_img(path, f"timeline {d.date}, clip {clip}"))
    parts.append("</body></html>")
    return "\n".join(parts)


def run(database=None, since=None, clip=None, out="stepclip-report", goal=GOAL, open_page=False, echo=print):
    """The whole report; the path of report.html, or None when there is nothing to report."""
    con = db.connect(database)
    by_clip, unplaced = daysmod.load(con, daysmod.parse_since(since), clip)
    con.close()
    if not by_clip:
        where = f" for clip {clip}" if clip else ""
        echo(f"no synced minutes{where}{' since ' + since if since else ''} in {database or db.default_path()}: "
             f"run `stepclip sync` first")
        return None
    echo(text(by_clip, goal))
    out = Path(out)
    made = pictures(by_clip, goal, out)
    path = out / "report.html"
    path.write_text(page(by_clip, goal, made, unplaced))
    echo(f"\nreport: {path.resolve()}")
    if open_page:
        webbrowser.open(path.resolve().as_uri())
    return path
