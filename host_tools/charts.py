"""The report's pictures (matplotlib, PNG): a week at a glance, steps per day, a day's timeline, sitting bout
lengths."""

import matplotlib

matplotlib.use("Agg")  # files only, no screen needed

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.colors  # noqa: E402
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from host_tools.days import wall  # noqa: E402
from host_tools.summary import plural  # noqa: E402

COLOURS = {"sitting": "#d95f02", "standing": "#7570b3", "walking": "#1b9e77", "lying": "#66a61e",
           "off_body": "#bdbdbd", "unknown": "#eeeeee"}
LABELS = {"off_body": "off body"}
DPI = 100


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def steps_per_day(days, goal, path):
    """Bars of steps per day with the goal as a line."""
    fig, ax = plt.subplots(figsize=(max(5, 0.6 * len(days) + 2.5), 3.8))
    x = range(len(days))
    steps = [d.steps for d in days]
    ax.bar(x, steps, width=0.7, color=["#1b9e77" if s >= goal else "#7fc9b0" for s in steps])
    ax.axhline(goal, color="#444444", linestyle="--", linewidth=1.2, label=f"goal {goal:,} steps")
    ax.set_xticks(list(x), [f"{d.date:%a}\n{d.date:%d %b}" for d in days])
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("steps per day")
    ax.set_xlabel("date")
    ax.set_title(f"Steps per day — clip {days[0].clip}")
    ax.set_ylim(0, max(max(steps), goal) * 1.15)
    ax.set_xlim(-0.75 if len(days) > 2 else -1.5, len(days) - (0.25 if len(days) > 2 else -0.5))
    ax.legend(loc="upper left", frameon=False)
    fig.tight_layout()
    if labels_overlap(fig, ax):  # a month: the dates turn aside rather than run into each other
        ax.set_xticks(list(x), [f"{d.date:%a %d %b}" for d in days], rotation=60, ha="right")
    return _save(fig, path)


def labels_overlap(fig, ax):
    """True when two of the x axis's tick labels, as drawn, touch."""
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    return any(a.x1 + 2 > b.x0 for a, b in zip(boxes, boxes[1:]))


def timeline(day, path):
    """A day: posture as coloured bands, steps per minute above, nudges marked."""
    fig, (top, bands) = plt.subplots(2, 1, figsize=(10, 3.8), sharex=True,
                                     gridspec_kw={"height_ratios": [3, 1]})
    times = mdates.date2num([wall(m[0]) for m in day.minutes])
    top.vlines(times, 0, [m[1] for m in day.minutes], color="#1b9e77", linewidth=1)
    top.set_ylabel("steps per minute")
    top.set_title(f"{day.date:%A %d %B %Y} — clip {day.clip}")
    nudges = day.nudges()
    for answered, style, label in ((True, "-", "nudge, walked within 5 min"),
                                   (False, ":", "nudge, no walk within 5 min")):
        at = mdates.date2num([wall(e) for e, a in nudges if a == answered])
        if len(at):
            top.vlines(at, 0, 1, transform=top.get_xaxis_transform(), color="#e7298a", linewidth=1.2,
                       linestyles=style, label=label)
    if nudges:
        top.legend(loc="upper right", frameon=False)
    # one coloured cell per minute from the first to the last, white where nothing was logged
    first = day.minutes[0][0]
    n = (day.minutes[-1][0] - first) // 60 + 1
    cells = [[(1.0, 1.0, 1.0)] * n]
    for m in day.minutes:
        cells[0][(m[0] - first) // 60] = matplotlib.colors.to_rgb(COLOURS[m[2]])
    start = mdates.date2num(wall(first))
    bands.imshow(cells, aspect="auto", interpolation="nearest", extent=(start, start + n / 1440, 0, 1))
    seen = [name for name in COLOURS if any(m[2] == name for m in day.minutes)]
    bands.legend(handles=[matplotlib.patches.Patch(color=COLOURS[k], label=LABELS.get(k, k)) for k in seen],
                 loc="upper center", bbox_to_anchor=(0.5, -0.55), ncol=6, frameon=False)
    bands.set_yticks([])
    bands.set_ylabel("posture")
    bands.set_xlabel("time of day")
    bands.set_xlim(start - 10 / 1440, start + (n + 10) / 1440)
    hours = n / 60
    bands.xaxis.set_major_locator(mdates.HourLocator(interval=1 if hours <= 12 else 2 if hours <= 24 else 4))
    bands.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    return _save(fig, path)


def sitting_bouts(days, path):
    """How long the sitting bouts were: a histogram in minutes, with the 30-minute mark."""
    lengths = [n for d in days for _, n in d.bouts()]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    top = max(lengths + [60])
    bins = list(range(0, top + 10, 5))
    ax.hist(lengths, bins=bins, color="#d95f02", edgecolor="white")
    ax.axvline(30, color="#444444", linestyle="--", linewidth=1.2, label="30 min")
    ax.set_xlabel("sitting bout length (minutes)")
    ax.set_ylabel("bouts")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title(f"Sitting bouts — clip {days[0].clip}, {len(lengths)} {plural(len(lengths), 'bout')}")
    ax.legend(frameon=False)
    return _save(fig, path)


WEEK_STEPS = "#1b9e77"
WEEK_STEPS_SHORT = "#a6dbc9"  # a day short of its goal
GOAL_MARK = "#e6ab02"
NUDGE = "#e7298a"
BRISK = "#386cb0"


def week(week_days, dates, goals, evening_start_min, path):
    """A row per day: steps against the day's goal, the posture timeline with nudges and the goal's moment,
    brisk minutes and the longest walk. `week_days`: a Day or None per date; `goals`: the goal per date."""
    fig, (steps_ax, line_ax, brisk_ax) = plt.subplots(1, 3, figsize=(10.5, 4.4), sharey=True,
                                                      gridspec_kw={"width_ratios": [2.2, 6, 1.6]})
    rows = range(len(dates))
    steps = [d.steps if d else 0 for d in week_days]
    top = max(steps + [g for d, g in zip(week_days, goals) if d]) * 1.05 or 1
    steps_ax.barh(rows, steps, height=0.62, color=[WEEK_STEPS if s >= g else WEEK_STEPS_SHORT
                                                   for s, g in zip(steps, goals)])
    for r, (d, g, s) in enumerate(zip(week_days, goals, steps)):
        if not d:
            steps_ax.text(top * 0.02, r, "not worn", va="center", ha="left", fontsize=8, color="#777777")
            continue
        own = d.goal == g  # else the advice's 10,000 (or --goal): dotted
        steps_ax.vlines(g, r - 0.42, r + 0.42, linewidth=2, color="#222222" if own else "#999999",
                        linestyles="-" if own else ":")
        steps_ax.text(max(s, g) + top * 0.02, r, f"{s:,}", va="center", ha="left", fontsize=8, color="#222222")
    top *= 1.25  # room for the figures right of the bars
    steps_ax.set_xlim(0, top)
    steps_ax.set_yticks(list(rows), [f"{d:%a %d}" for d in dates])
    steps_ax.set_ylim(len(dates) - 0.5, -0.5)  # a day a row, top down, the rows as tall as the timeline's
    steps_ax.set_title("steps | goal", fontsize=10)
    steps_ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1000:.0f}k"))

    logged = [m.epoch // 60 % 1440 for d in week_days if d for m in d.minutes]
    first = min([7 * 60] + logged) // 60 * 60
    last = -(-(max([19 * 60] + logged) + 1) // 60) * 60
    cells = [[(1.0, 1.0, 1.0)] * (last - first) for _ in rows]
    for r, d in enumerate(week_days):
        for m in d.minutes if d else ():
            cells[r][m.epoch // 60 % 1440 - first] = matplotlib.colors.to_rgb(COLOURS[m.posture])
    line_ax.imshow(cells, aspect="auto", interpolation="nearest", extent=(first / 60, last / 60, len(dates) - 0.5,
                                                                          -0.5))
    for r, d in enumerate(week_days):
        if not d:
            continue
        at = [e // 60 % 1440 / 60 for e, _ in d.nudges()]
        line_ax.vlines(at, r - 0.45, r + 0.45, color=NUDGE, linewidth=1.4)
        if d.goal_at() is not None:
            line_ax.plot([d.goal_at() // 60 % 1440 / 60], [r], marker="*", markersize=13, color=GOAL_MARK,
                         markeredgecolor="#222222", markeredgewidth=0.6)
    line_ax.axvline(evening_start_min / 60, color="#444444", linestyle="--", linewidth=1)
    line_ax.set_xlim(first / 60, last / 60)
    line_ax.set_xticks(range(first // 60, last // 60 + 1, 2 if last - first > 12 * 60 else 1))
    line_ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:02.0f}:00"))
    line_ax.set_title("the day: posture, nudges, goal reached", fontsize=10)
    seen = [k for k in COLOURS if any(m.posture == k for d in week_days if d for m in d.minutes)]
    handles = [matplotlib.patches.Patch(color=COLOURS[k], label=LABELS.get(k, k)) for k in seen]
    handles += [matplotlib.lines.Line2D([], [], color=NUDGE, label="nudge"),
                matplotlib.lines.Line2D([], [], color=GOAL_MARK, marker="*", linestyle="", markersize=10,
                                        markeredgecolor="#222222", label="goal reached"),
                matplotlib.lines.Line2D([], [], color="#444444", linestyle="--", label="evening")]
    line_ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=len(handles),
                   frameon=False, fontsize=8)

    brisk = [d.brisk_minutes() if d else 0 for d in week_days]
    brisk_ax.barh(rows, brisk, height=0.62, color=BRISK)
    brisk_top = max(brisk + [30])
    for r, d in enumerate(week_days):
        walk = d.longest_walk() if d else 0
        label = f"{brisk[r]} · walk {walk}" if walk else f"{brisk[r]}"
        brisk_ax.text(brisk[r] + brisk_top * 0.04, r, label, va="center", ha="left", fontsize=8)
    brisk_ax.set_xlim(0, brisk_top * 2.3)  # room for the labels
    brisk_ax.set_xticks([])
    brisk_ax.set_title("brisk min · walk min", fontsize=10)
    for ax in (steps_ax, line_ax, brisk_ax):
        ax.tick_params(axis="y", length=0)
    clip = next((d.clip for d in week_days if d), None)
    fig.suptitle(f"The week {dates[0]:%a %d %b} to {dates[-1]:%a %d %b %Y}{' — clip ' + clip if clip else ''}",
                 fontsize=12)
    return _save(fig, path)
