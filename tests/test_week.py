"""The week at a glance, from a week replayed through the firmware day by day (a short day each, at 25 Hz), the
goal decided after each day and carried to the next as sync does: `report --week`, its picture, report.html in
a real headless browser, and `export --daily`."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from datetime import date

import numpy as np
import pytest
from PIL import Image

from host_tools import charts, days as daysmod, db, goal
from host_tools.summary import minutes
from minutelog import MinuteLog
from simulator import project, replay, tracegen
from storage import Storage
import settings

CLIP = "clip-w"
# (start minute of day, schedule in minutes): Saturday is not worn
WEEK = {0: (9 * 60, [("walk", 16), ("sit", 32)]),
        1: (9 * 60, [("sit", 45), ("walk", 5)]),
        2: (17 * 60 + 40, [("walk", 16), ("sit", 30)]),
        3: (9 * 60, [("walk", 22), ("sit", 10)]),
        4: (9 * 60, [("walk", 22), ("stand", 5)]),
        6: (10 * 60, [("walk", 8), ("sit", 31)])}
SUNDAY = date(2026, 1, 11)


def stepclip(*args):
    return subprocess.run([sys.executable, "-m", "host_tools.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=project.ROOT)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    work = tmp_path_factory.mktemp("week")
    flash, database = work / "flash", work / "week.db"
    con = db.connect(database)
    goal.set_goal(con, CLIP, "auto")
    seq, replays = 0, {}
    for day, (start, plan) in WEEK.items():
        g = tracegen.generate([(act, 60 * n) for act, n in plan], seed=10 + day)
        path = work / f"day{day}.csv"
        g.write_csv(path)
        wanted = db.desired_settings(con, CLIP)  # what a sync would have written to the clip
        replays[day] = replay.replay(path, start_minute=1440 * day + start, flash=flash,
                                     overrides={"rate_hz": 25, **wanted})
        blocks = [b for b in MinuteLog(Storage(str(flash)), settings.defaults()).blocks_after(seq)]
        with con:
            db.clip_era(con, CLIP, blocks[-1].seq, "pico_mpu6050", "0.1.0", "now")
            db.store_blocks(con, CLIP, 0, blocks, "now")
        seq = blocks[-1].seq
        goal.decide(con, CLIP)
    con.close()
    out = work / "report"
    r = stepclip("report", "--week", SUNDAY, "--db", database, "--out", out)
    assert r.returncode == 0, r.stderr
    return {"db": database, "replays": replays, "out": out, "stdout": r.stdout}


def days_of(week):
    con = db.connect(week["db"])
    by_clip, _ = daysmod.load(con)
    con.close()
    return by_clip[CLIP]


def test_the_findings_say_what_the_week_held(week):
    days = days_of(week)
    assert [d.date.weekday() for d in days] == sorted(WEEK)
    walked = [d.date.weekday() for d in days if d.long_walks()]
    assert walked == [0, 2, 3, 4]  # the days with 16 or 22 minutes of walking
    line = next(s for s in week["stdout"].splitlines() if s.startswith("the week to Sun 11 Jan: "))
    assert "4 of 7 days with a 15-minute walk" in line
    n, start, day = max(((n, start, d) for d in days for start, n in d.bouts()), key=lambda b: b[0])
    assert day.date.weekday() == 1 and 40 <= n <= 46  # Tuesday's 45 minutes
    assert f"longest sitting: Tuesday {minutes(60 * n)} from {daysmod.wall(start):%H:%M}" in line
    wednesday = days[2]
    assert 20 * 60 <= wednesday.evening_sitting_s(18 * 60) <= 27 * 60 and "most sitting after 18:00: Wednesday" in line
    reached = [d.date.weekday() for d in days if d.reached()]
    assert f"goal reached on {len(reached)} days" in line and {3, 4} <= set(reached)
    # the clip announced the goal the day it was reached, in the replay as in the database
    for d in days:
        announced = d.goal_at() is not None
        assert announced == bool(week["replays"][d.date.weekday()]["goal_reached"])
        assert not announced or d.reached()
    assert days[0].goal == 0 and days[1].goal == round(days[0].steps / 100) * 100  # from Monday's median on
    assert re.search(r"next week's goal: [\d,]+", line)


def test_the_week_picture_has_a_row_per_day_in_its_colours(week):
    (path,) = week["out"].glob("week_*.png")
    assert path.name == f"week_{CLIP}_{SUNDAY}.png"
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"))
    assert rgb.shape[1] == 1050 and 400 <= rgb.shape[0] <= 480
    colours = {tuple(c) for c in rgb.reshape(-1, 3)}
    for name in (charts.COLOURS["sitting"], charts.COLOURS["walking"], charts.WEEK_STEPS, charts.BRISK,
                 charts.GOAL_MARK):
        assert hex_rgb(name) in colours, name
    # a band of timeline per day between the panel's top and bottom spines: walking in every worn day's
    timeline = rgb[:, int(0.3 * rgb.shape[1]):int(0.78 * rgb.shape[1])]  # the middle panel
    spines = np.nonzero((timeline.sum(axis=2) < 100).mean(axis=1) > 0.5)[0]
    top, bottom = spines[0], spines[-1]
    walking = np.all(timeline == hex_rgb(charts.COLOURS["walking"]), axis=2).any(axis=1)
    bands = np.array_split(walking[top + 1:bottom], 7)
    assert [band[len(band) // 4:-len(band) // 4].any() for band in bands] == [True] * 5 + [False, True]  # no Sat


def hex_rgb(colour):
    return tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))


def test_the_page_opens_with_the_week(week):
    page = (week["out"] / "report.html").read_text()
    assert page.index("<section class='week'") < page.index("<h2>")
    assert page.index("4 of 7 days with a 15-minute walk") < page.index("<h2>")
    assert "brisk minutes (100+ steps)" in page and "evening (after 18:00)" in page


def test_export_daily_has_the_new_columns(week):
    r = stepclip("export", "--daily", "--db", week["db"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    days = days_of(week)
    assert [row["date"] for row in rows] == [d.date.isoformat() for d in days]
    for row, d in zip(rows, days):
        assert int(row["brisk_min"]) == d.brisk_minutes() and int(row["walks_15_min"]) == len(d.long_walks())
        assert int(row["goal"]) == d.goal and int(row["longest_walk_min"]) == d.longest_walk()
        assert int(row["evening_sitting_s"]) == d.evening_sitting_s(18 * 60)
        assert int(row["sitting_30_min_bouts_s"]) == d.long_sitting_s()
        assert bool(row["goal_announced"]) == (d.goal_at() is not None)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on PATH (chromium, chromium-browser, google-chrome): .ci/run installs Debian's "
                "chromium; install it to check report.html in a real browser")


def test_report_html_in_a_headless_browser_opens_with_the_week_picture(week, tmp_path):
    """The page as Chromium draws it: not blank, and the week picture is the first thing under the title."""
    shot = tmp_path / "page.png"
    page = (week["out"] / "report.html").resolve()
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={shot}", "--window-size=1200,1400", page.as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=dict(os.environ, HOME=str(tmp_path)))
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        screen = np.asarray(im.convert("RGB")).astype(int)
    assert screen.shape[:2] == (1400, 1200)
    drawn = (screen < 245).any(axis=2)
    assert drawn.mean() > 0.03 and len(np.unique(screen.reshape(-1, 3), axis=0)) > 100  # not blank
    (picture,) = week["out"].glob("week_*.png")
    with Image.open(picture) as im:
        week_png = np.asarray(im.convert("RGB")).astype(int)
    y, x, diff = best_match(screen, week_png)
    assert diff < 6, f"the week picture is not on the page as drawn (best mean difference {diff:.1f} at {x},{y})"
    assert 40 <= y <= 200 and abs(x - (1200 - 1060) // 2) <= 10  # right under the title, in the page's column


def best_match(screen, picture):
    """(y, x, mean absolute difference) of the place in `screen` that looks most like `picture`, at 1:1."""
    h, w = picture.shape[:2]
    rows = np.linspace(0, h - 1, 24).astype(int)
    best = (0, 0, 1e9)
    middle = (screen.shape[1] - w) // 2  # the page's column is centred: look near there
    for x in range(max(middle - 20, 0), min(middle + 20, screen.shape[1] - w) + 1):
        for y in range(0, min(500, screen.shape[0] - h + 1)):
            d = np.abs(screen[y + rows[:4], x:x + w] - picture[rows[:4]]).mean()
            if d < best[2] + 20:
                d = np.abs(screen[y + rows, x:x + w] - picture[rows]).mean()
                if d < best[2]:
                    best = (y, x, d)
    return best


@pytest.mark.parametrize("args, message", [
    (("goal", "set", "soon"), "goal set takes a number of steps from 100 to 100,000, or auto, not 'soon'"),
    (("goal", "set", "50"), "goal set takes a number of steps from 100 to 100,000, or auto, not '50'"),
    (("goal", "set"), "goal set needs a number of steps, or auto"),
    (("report", "--week", "2026-13-01"), "--week takes a date such as 2026-01-11, not '2026-13-01'"),
    (("report", "--week", "--since", "7d"), "--week and --since choose the days each: give one of them"),
    (("config", "set", "goal_most_days=8"), "goal_most_days takes a whole number from 1 to 7, not 8"),
    (("config", "set", "quiet_start_min=22:00"), "quiet_start_min: '22:00' is not a whole number (or a list of "
                                                 "them) (a time of day is written in minutes after midnight: 22:00 "
                                                 "is 1320)"),
    (("config", "set", "inactive_s"), "settings are written NAME=VALUE, not 'inactive_s' (see: stepclip config "
                                      "list)"),
    (("config", "get"), "config get needs at least one setting name (see: stepclip config list)"),
    (("report", "--goal", "0"), "--goal takes a positive number of steps, not 0"),
    (("report", "--since", "yesterday"), "--since takes a span such as 7d or 12h, or a date such as 2026-01-05, not "
                                         "'yesterday'"),
])
def test_bad_goal_and_week_requests_are_one_clear_line(tmp_path, args, message):
    r = stepclip(*args, "--db", tmp_path / "g.db")
    assert r.returncode == 2 and r.stderr.strip() == f"stepclip: error: {message}"
    assert not (tmp_path / "g.db").exists()


def test_a_goal_set_by_hand_holds_from_the_day_after_the_last_synced(week, tmp_path):
    database = tmp_path / "copy.db"
    shutil.copy(week["db"], database)
    r = stepclip("goal", "set", "5000", "--clip", CLIP, "--db", database)
    assert r.returncode == 0, r.stderr
    assert ("goal for clip clip-w: 5,000 steps a day from Mon 12 Jan 2026 (set by hand; the clip gets it at the "
            "next `stepclip sync`)") in r.stdout
    con = db.connect(database)
    assert db.desired_settings(con, CLIP)["goal_steps"] == 5000
    assert goal.decide(con, CLIP) == 5000  # a sync leaves a goal set by hand as it is


def _copy(week, tmp_path):
    database = tmp_path / "copy.db"
    shutil.copy(week["db"], database)
    return database


def test_a_goal_for_every_clip_reaches_every_clip_and_every_view(week, tmp_path):
    database = _copy(week, tmp_path)
    con = db.connect(database)
    auto = goal.decide(con, CLIP)
    con.close()
    assert auto > 500
    r = stepclip("goal", "set", "500", "--db", database)  # no --clip: every clip
    assert r.returncode == 0, r.stderr
    shown = stepclip("goal", "--clip", CLIP, "--db", database).stdout
    listed = stepclip("config", "list", "--clip", CLIP, "--db", database).stdout
    assert shown.startswith("goal for clip clip-w: 500 steps a day") and "set by hand" in shown
    assert re.search(r"^goal_steps .* -> 500 at next sync$", listed, re.M), listed
    con = db.connect(database)
    assert db.desired_settings(con, CLIP)["goal_steps"] == 500 and goal.decide(con, CLIP) == 500
    # a sync hands it over: from then on no view says the clip is still to get it
    db.keep_held_settings(con, CLIP, {"goal_steps": 500}, "now")
    con.close()
    shown = stepclip("goal", "--clip", CLIP, "--db", database).stdout
    assert "(set by hand; the clip has it)" in shown and "next `stepclip sync`" not in shown
    assert re.search(r"^goal_steps .* -> 500 \(the clip has it\)$",
                     stepclip("config", "list", "--clip", CLIP, "--db", database).stdout, re.M)


def test_goal_without_a_clip_shows_each_clips_goal(week, tmp_path):
    database = _copy(week, tmp_path)
    con = db.connect(database)
    auto = goal.decide(con, CLIP)
    con.close()
    r = stepclip("goal", "--db", database)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"goal for clip clip-w: {auto:,} steps a day") and "(automatic" in first
    assert "not known yet" not in r.stdout


def test_next_weeks_goal_is_said_only_when_a_goal_is_set_and_follows_it(week, tmp_path):
    database = _copy(week, tmp_path)
    con = db.connect(database)
    with con:
        con.execute("DELETE FROM goals")
        con.execute("DELETE FROM desired_settings")
    con.close()
    r = stepclip("report", "--week", "--db", database, "--out", tmp_path / "r0")
    assert r.returncode == 0, r.stderr
    assert "next week's goal" not in r.stdout
    assert stepclip("goal", "set", "6,000", "--clip", CLIP, "--db", database).returncode == 0
    r = stepclip("report", "--week", "--db", database, "--out", tmp_path / "r1")
    assert "next week's goal: 6,000" in r.stdout


def test_report_goal_marks_the_days_reached_by_that_goal(week, tmp_path):
    r = stepclip("report", "--week", "--goal", "2500", "--db", week["db"], "--out", tmp_path / "r")
    assert r.returncode == 0, r.stderr
    table = [line for line in r.stdout.splitlines() if re.match(r"^\s*\w{3} 2026-01-\d\d", line)]
    reached_in_table = sum(1 for line in table if " yes " in line)
    said = int(re.search(r"goal reached on (\d+) day", r.stdout).group(1))
    assert reached_in_table == said == sum(1 for d in days_of(week) if d.steps >= 2500) >= 1


@pytest.mark.parametrize("n", [7, 31])
def test_the_steps_chart_dates_never_run_into_each_other(week, tmp_path, monkeypatch, n):
    """For a week and for a month, every date label of the steps-per-day chart stands clear of the next."""
    drawn = []
    monkeypatch.setattr(charts, "_save", lambda fig, path: drawn.append(fig) or path)
    one = days_of(week)[0]
    days = [_day_on(one, k) for k in range(n)]
    charts.steps_per_day(days, 2000, tmp_path / "steps.png")
    fig = drawn[0]
    ax = fig.axes[0]
    boxes = [t.get_window_extent(fig.canvas.get_renderer()) for t in ax.get_xticklabels() if t.get_text()]
    assert len(boxes) == n
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:]))


def _day_on(day, k):
    import copy

    other = copy.copy(day)
    other.date = date.fromordinal(day.date.toordinal() + k)
    return other
