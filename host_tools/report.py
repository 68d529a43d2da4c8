"""`stepclip report`: the synced days in the terminal, as pictures, and on one HTML page.

A period of a week or more (or `--week`) opens with the week at a glance:
one picture of its seven days and a line of findings under it.
"""

import base64
import html
import multiprocessing
import os
import webbrowser
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from tqdm import tqdm

from host_tools import battery as batterymod, charts, config, db, days as daysmod, goal as goalmod, week as weekmod
from host_tools.summary import duration, minutes, plural


def walk_cells(d, goal):
    """The day's steps and walking as text, in the order of WALK_COLUMNS."""
    at = d.goal_at() if goal is None else None  # the clip buzzed for its own goal, not for --goal's
    reached = daysmod.wall(at).strftime("at %H:%M") if at is not None else "yes" if d.reached(goal) else "no"
    return [f"{d.date:%a %Y-%m-%d}", f"{d.steps:,}", f"{d.target(goal):,}", f"{100 * d.steps / d.target(goal):.0f}%",
            reached, str(d.brisk_minutes()), str(len(d.long_walks())), minutes(60 * d.longest_walk())]


def sit_cells(d, evening_start_min):
    """The day's sitting, nudges and battery as text, in the order of SIT_COLUMNS."""
    bouts = d.bouts()
    longest = max((n for _, n in bouts), default=0)
    nudges = d.nudges()
    answered = sum(1 for _, a in nudges if a)
    return [f"{d.date:%a %Y-%m-%d}", duration(d.sitting_s), minutes(d.long_sitting_s()),
            minutes(d.evening_sitting_s(evening_start_min)), str(len(bouts)), minutes(longest * 60),
            f"{d.breaks_per_sitting_hour():.1f}", str(len(nudges)), f"{answered}/{len(nudges)}" if nudges else "-",
            batterymod.cell(d.battery_mv)]


WALK_COLUMNS = ("day", "steps", "goal", "of goal", "reached", "brisk min", "walks 15+", "longest walk")
WALK_WIDTHS = (14, 7, 7, 7, 8, 9, 9, 13)
SIT_COLUMNS = ("day", "sitting", "in 30+ bouts", "evening", "bouts", "longest bout", "breaks/h", "nudges",
               "answered", "battery")
SIT_WIDTHS = (14, 12, 12, 12, 5, 12, 8, 6, 8, 11)


def _row(cells, widths):
    return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def text(by_clip, goal, evening, weeks, batteries):
    lines = []
    for clip, days in by_clip.items():
        lines.append(f"clip {clip}: {days[0].date} to {days[-1].date} ({len(days)} {plural(len(days), 'day')})")
        if clip in weeks:
            lines.append(f"the week to {weeks[clip]['end']:%a %d %b}: {weeks[clip]['findings']}")
        lines.append(_row(WALK_COLUMNS, WALK_WIDTHS))
        lines += [_row(walk_cells(d, goal), WALK_WIDTHS) for d in days]
        lines.append(_row(SIT_COLUMNS, SIT_WIDTHS))
        lines += [_row(sit_cells(d, evening[clip]), SIT_WIDTHS) for d in days]
        errors = {}
        for d in days:
            for k, v in d.errors.items():
                errors[k] = max(errors.get(k, 0), v)
        if errors:
            lines.append("device counters: " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))
        lines.append(batteries[clip])
        lines.append("")
    lines.append("brisk: minutes of 100 steps or more; a walk: walking with breaks of a minute at most (walks 15+: of "
                 "15 minutes or more, the advice's); "
                 "evening: sitting after the evening begins (evening_start_min)")
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
            "steps": charts.steps_per_day(days, goal or daysmod.ADVICE_STEPS, out / f"steps_{clip}.png"),
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


def _table(cols, rows):
    out = ["<table><tr>"] + [f"<th>{c}</th>" for c in cols] + ["</tr>"]
    out += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>" for cells in rows]
    return "".join(out) + "</table>"


def page(by_clip, goal, made, unplaced, evening, weeks, batteries):
    """One self-contained HTML page: each week at a glance first, then tables and the pictures, embedded."""
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Stepclip report</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:1060px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;"
             "text-align:right}th:first-child,td:first-child{text-align:left}img{max-width:100%}"
             "h1{margin:0 0 .4em}.findings{font-size:1.1em;margin:.3em 0 1.5em}</style>",
             "</head><body><h1>Stepclip report</h1>"]
    for clip, w in weeks.items():
        parts.append(f"<section class='week' id='week-{html.escape(clip)}'>")
        parts.append(_img(w["picture"], f"the week to {w['end']:%A %d %B %Y}, clip {clip}"))
        parts.append(f"<p class='findings'>{html.escape(w['findings'])}</p></section>")
    if unplaced:
        were, are = ("was", "is") if unplaced == 1 else ("were", "are")
        parts.append(f"<p>{unplaced} {plural(unplaced, 'minute')} {were} logged before the clip's clock was ever set "
                     f"and {are} not shown.</p>")
    walk_cols = ["day", "steps", "goal", "of goal", "goal reached", "brisk minutes (100+ steps)",
                 "walks of 15+ min", "longest walk"]  # WALK_COLUMNS, spelled out
    sit_cols = ["day", "sitting", "in bouts of 30+ min", f"evening (after {_hhmm(min(evening.values()))})",
                "bouts", "longest bout", "breaks per sitting hour", "nudges", "answered within 5 min", "battery"]
    for clip, days in by_clip.items():
        measure = f"daily goal {goal:,} steps" if goal else "each day against the clip's goal that day " \
                                                            f"(else {daysmod.ADVICE_STEPS:,})"
        parts.append(f"<h2>Clip {html.escape(clip)}</h2><p>{days[0].date} to {days[-1].date}, {len(days)} {plural(len(days), 'day')}, "
                     f"{measure}.</p>")
        parts.append(_table(walk_cols, [walk_cells(d, goal) for d in days]))
        parts.append(_table(sit_cols, [sit_cells(d, evening[clip]) for d in days]))
        parts.append(f"<p>{html.escape(batteries[clip])}</p>")
        parts.append(_img(made[clip]["steps"], f"steps per day, clip {clip}"))
        parts.append(_img(made[clip]["bouts"], f"sitting bout lengths, clip {clip}"))
        for d, path in made[clip]["days"]:
            parts.append(f"<h3>{d.date:%A %d %B %Y}</h3>")
            parts.append(_img(path, f"timeline {d.date}, clip {clip}"))
    parts.append("</body></html>")
    return "\n".join(parts)


def _hhmm(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def weeks_of(con, by_clip, goal, out, end=None):
    """Each clip's week up to `end`, else up to its last day where its days span a week or more: its picture
    and findings."""
    made = {}
    for clip, days in by_clip.items():
        if end is None and (days[-1].date - days[0].date).days + 1 < weekmod.DAYS:
            continue
        last = end or days[-1].date
        cfg = config.host_settings(con, clip)
        week_days = weekmod.of(days, last)
        goals = [d.target(goal) if d else (goal or daysmod.ADVICE_STEPS) for d in week_days]
        out.mkdir(parents=True, exist_ok=True)
        made[clip] = {
            "end": last,
            "picture": charts.week(week_days, weekmod.dates(last), goals, cfg["evening_start_min"],
                                   out / f"week_{clip}_{last}.png"),
            "findings": weekmod.findings(week_days, weekmod.next_goal(con, clip, last, cfg),
                                         cfg["evening_start_min"], goal),
        }
    return made


def run(database=None, since=None, clip=None, out="stepclip-report", goal=None, open_page=False, echo=print,
        week=None):
    """The whole report; the path of report.html, or None when there is nothing to report.

    `week`: a date, or "last" (the last synced day): the report is the week up to it.
    `goal`: measure every day against this instead of each day's own."""
    con = db.connect(database)
    if week == "last":
        week = goalmod.last_day(con, clip or db.EVERY_CLIP)
    if week is not None:
        first = week - timedelta(days=weekmod.DAYS - 1)
        by_clip, unplaced = daysmod.load(con, daysmod.to_epoch(datetime.combine(first, datetime.min.time())), clip,
                                         daysmod.to_epoch(datetime.combine(week + timedelta(days=1),
                                                                           datetime.min.time())))
    else:
        by_clip, unplaced = daysmod.load(con, daysmod.parse_since(since), clip)
    if not by_clip:
        echo(daysmod.nothing_synced(con, database or db.default_path(), clip, since, week))
        con.close()
        return None
    evening = {c: config.host_settings(con, c)["evening_start_min"] for c in by_clip}
    out = Path(out)
    weeks = weeks_of(con, by_clip, goal, out, week)
    batteries = {c: batterymod.line(con, c) for c in by_clip}
    con.close()
    echo(text(by_clip, goal, evening, weeks, batteries))
    made = pictures(by_clip, goal, out)
    path = out / "report.html"
    path.write_text(page(by_clip, goal, made, unplaced, evening, weeks, batteries))
    for w in weeks.values():
        echo(f"the week at a glance: {w['picture'].resolve()}")
    echo(f"\nreport: {path.resolve()}")
    if open_page:
        webbrowser.open(path.resolve().as_uri())
    return path
