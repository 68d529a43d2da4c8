"""Reports and exports from a database filled by traces replayed through the firmware."""

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date

import pytest
from PIL import Image

from host_tools import db, days as daysmod
from minutelog import MinuteLog
from simulator import project, replay, tracegen
from storage import Storage
import settings

SCHEDULE = [("walk", 600), ("sit", 2400), ("walk", 90), ("sit", 2100), ("stand", 300), ("walk", 480)]


def stepclip(*args):
    return subprocess.run([sys.executable, "-m", "host_tools.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=project.ROOT)


def store_flash(con, clip_id, flash):
    blocks = MinuteLog(Storage(str(flash)), settings.defaults()).blocks_after(0)
    with con:
        db.clip_era(con, clip_id, blocks[-1].seq, "pico_mpu6050", "0.1.0", "now")
        db.store_blocks(con, clip_id, 0, blocks, "now")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Clip A wore the trace on two days (Mon 5 and Tue 6 Jan 2026, from 08:00); clip B on the Monday."""
    work = tmp_path_factory.mktemp("study")
    trace = tracegen.generate(SCHEDULE, seed=5)
    path = work / "morning.csv"
    trace.write_csv(path)
    database = work / "study.db"
    con = db.connect(database)
    steps = {}
    for clip_id, day_starts in (("clip-a", (8 * 60, 1440 + 8 * 60)), ("clip-b", (8 * 60,))):
        flash = work / clip_id
        for start in day_starts:
            r = replay.replay(path, runtime="cpython", start_minute=start, flash=flash)
            steps[(clip_id, start // 1440)] = r["steps"]
        store_flash(con, clip_id, flash)
    con.close()
    return {"db": database, "steps": steps, "work": work}


def test_days_add_up_to_what_the_firmware_counted(study):
    con = db.connect(study["db"])
    by_clip, unplaced = daysmod.load(con)
    assert unplaced == 0
    assert [d.date for d in by_clip["clip-a"]] == [date(2026, 1, 5), date(2026, 1, 6)]
    assert [d.date for d in by_clip["clip-b"]] == [date(2026, 1, 5)]
    for k, d in enumerate(by_clip["clip-a"]):
        assert d.steps == study["steps"][("clip-a", k)] > 1000
        assert daysmod.wall(d.minutes[0][0]).strftime("%H:%M") == "08:00"
        bouts = d.bouts()
        assert [n for _, n in bouts if n >= 30] and len(bouts) >= 2  # the two long sits
        assert 60 * 60 <= d.sitting_s <= 80 * 60


def test_report_draws_every_picture_and_one_page(study, tmp_path):
    out = tmp_path / "report"
    r = stepclip("report", "--db", study["db"], "--out", out)
    assert r.returncode == 0, r.stderr
    assert "clip clip-a: 2026-01-05 to 2026-01-06 (2 days)" in r.stdout
    assert f"{study['steps'][('clip-a', 1)]:,}" in r.stdout
    pictures = sorted(p.name for p in out.glob("*.png"))
    assert pictures == ["sitting_bouts_clip-a.png", "sitting_bouts_clip-b.png", "steps_clip-a.png",
                        "steps_clip-b.png", "timeline_clip-a_2026-01-05.png", "timeline_clip-a_2026-01-06.png",
                        "timeline_clip-b_2026-01-05.png"]
    for name in pictures:
        with Image.open(out / name) as im:
            im.load()
            assert im.width >= 500 and im.height >= 300
            colours = im.convert("RGB").getcolors(1 << 20)
            assert len(colours) > 20  # drawn, not blank
    with Image.open(out / "timeline_clip-a_2026-01-05.png") as im:
        assert im.size == (1000, 380)
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(pictures)
    for text in ("Clip clip-a", "Clip clip-b", "Monday 05 January 2026", "Tuesday 06 January 2026",
                 "steps per day, clip clip-a", f"{study['steps'][('clip-b', 0)]:,}"):
        assert text in page


def test_report_narrows_to_a_clip_and_dates(study, tmp_path):
    r = stepclip("report", "--db", study["db"], "--out", tmp_path, "--clip", "clip-a", "--since", "2026-01-06")
    assert r.returncode == 0, r.stderr
    assert "clip clip-a: 2026-01-06 to 2026-01-06 (1 day)" in r.stdout and "clip-b" not in r.stdout


def test_an_empty_database_is_reported_as_such(tmp_path):
    db.connect(tmp_path / "empty.db").close()
    r = stepclip("report", "--db", tmp_path / "empty.db", "--out", tmp_path / "r")
    assert r.returncode == 0
    assert "no synced minutes" in r.stdout and "stepclip sync" in r.stdout
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [["report"], ["export"], ["goal"], ["config", "list"], ["goal", "set", "5000"],
                                     ["config", "set", "inactive_s=2400"]])
def test_a_mistyped_db_is_refused_and_not_created(tmp_path, command):
    missing = tmp_path / "typo" / "stepclip.db"
    r = stepclip(*command, "--db", missing)
    assert r.returncode == 1 and "no database at" in r.stderr and "--db" in r.stderr
    assert not missing.parent.exists()


def test_a_since_that_holds_nothing_names_the_days_held(study, tmp_path):
    r = stepclip("report", "--db", study["db"], "--out", tmp_path, "--since", "2026-02-01")
    assert r.returncode == 0
    assert "it holds 2026-01-05 to 2026-01-06 (try --since 2026-01-05)" in r.stdout
    r = stepclip("report", "--db", study["db"], "--out", tmp_path, "--week", "2027-01-01")
    assert r.returncode == 0
    assert "in the week to 2027-01-01" in r.stdout and "it holds 2026-01-05 to 2026-01-06 (try --week 2026-01-06)" \
        in r.stdout


def test_an_empty_export_names_the_days_held(study, tmp_path):
    r = stepclip("export", "--db", study["db"], "--since", "2026-02-01", "--clip", "clip-b",
                 "--out", tmp_path / "e.csv")
    assert r.returncode == 0
    assert r.stderr.splitlines() == [
        "0 minutes written to " + str(tmp_path / "e.csv"),
        f"stepclip: no synced minutes for clip clip-b since 2026-02-01 in {study['db']}; it holds 2026-01-05 to "
        "2026-01-05 (try --since 2026-01-05)"]
    full = stepclip("export", "--db", study["db"], "--since", "2026-01-06")
    assert full.returncode == 0 and full.stderr == ""


def test_an_unknown_clip_is_named_with_the_known_ones(study, tmp_path):
    for command in (["report", "--out", tmp_path], ["export"], ["goal", "set", "5000"], ["config", "set", "snooze_s=600"]):
        r = stepclip(*command, "--db", study["db"], "--clip", "nope")
        assert r.returncode == 1 and "unknown clip 'nope' (known: clip-a, clip-b" in r.stderr, (command, r.stderr)
    r = stepclip("goal", "set", "5000", "--db", study["db"], "--clip", "nope", "--new-clip")
    assert r.returncode == 0 and "goal for nope: 5,000 steps a day" in r.stdout


@pytest.mark.parametrize("since", ["yesterday", "7x", "2026-13-01"])
def test_a_bad_since_is_one_clear_line(study, tmp_path, since):
    r = stepclip("report", "--db", study["db"], "--out", tmp_path, "--since", since)
    assert r.returncode == 2
    assert r.stderr.strip() == f"stepclip: error: --since takes a span such as 7d or 12h, or a date such as " \
                               f"2026-01-05, not {since!r}"


def test_csv_export_opens_as_a_table(study, tmp_path):
    out = tmp_path / "minutes.csv"
    r = stepclip("export", "--format", "csv", "--db", study["db"], "--out", out)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(newline="")))
    con = db.connect(study["db"])
    assert len(rows) == con.execute("SELECT count(*) FROM minutes").fetchone()[0]
    a_monday = [r for r in rows if r["clip"] == "clip-a" and r["time"].startswith("2026-01-05")]
    assert a_monday[0]["time"] == "2026-01-05 08:00:00"
    assert sum(int(r["steps"]) for r in a_monday) == study["steps"][("clip-a", 0)]
    assert {r["posture"] for r in rows} >= {"walking", "sitting"}


def test_json_export_is_one_array_and_daily_rows_sum_the_minutes(study):
    r = stepclip("export", "--format", "json", "--daily", "--db", study["db"])
    assert r.returncode == 0, r.stderr
    days = json.loads(r.stdout)
    assert [(d["clip"], d["date"]) for d in days] == [("clip-a", "2026-01-05"), ("clip-a", "2026-01-06"),
                                                      ("clip-b", "2026-01-05")]
    assert days[1]["steps"] == study["steps"][("clip-a", 1)]
    minutes = json.loads(stepclip("export", "--format", "json", "--clip", "clip-b", "--db", study["db"]).stdout)
    assert sum(m["steps"] for m in minutes) == days[2]["steps"]
    r = stepclip("export", "--format", "csv", "--daily", "--db", study["db"])
    assert list(csv.DictReader(io.StringIO(r.stdout)))[0]["sitting_bouts"] == str(days[0]["sitting_bouts"])


def test_a_nudge_is_answered_by_a_walk_within_five_minutes():
    day = daysmod.Day("c", date(2026, 1, 5))
    t0 = 1767600000 - 1767600000 % 60

    day.minutes = [daysmod.Minute(t0 + 60 * k, 0, "sitting", 0, 0, 60, 0) for k in range(40)]
    day.minutes[30] = daysmod.Minute(t0 + 1800, 0, "sitting", 1, 0, 60, 0)  # nudge, then a walk 4 minutes later
    day.minutes[34] = daysmod.Minute(t0 + 2040, 50, "walking", 0, 45, 15, 0)
    day.minutes[36] = daysmod.Minute(t0 + 2160, 0, "sitting", 1, 0, 60, 0)  # nudge, no walk before the end
    assert day.nudges() == [(t0 + 1800, True), (t0 + 2160, False)]
    assert day.bouts() == [(t0, 34), (t0 + 2100, 5)]


def test_a_watchdog_restart_shows_in_the_days_errors(tmp_path):
    """A hung loop restarted by the watchdog is flagged in the log and reaches the day's error counters."""
    path = tmp_path / "walk.csv"
    tracegen.generate([("walk", 240)], seed=2).write_csv(path)
    flash = tmp_path / "flash"
    r = replay.replay(path, runtime="cpython", start_minute=9 * 60, flash=flash, faults={"hang": [100]})
    assert r["watchdog_restarts"] == 1
    con = db.connect(tmp_path / "w.db")
    store_flash(con, "clip-w", flash)
    by_clip, unplaced = daysmod.load(con)
    (day,) = by_clip["clip-w"]
    assert day.errors.get("watchdog restarts") == 1


def test_durations_round_one_way_everywhere():
    """An hour or more reads the same in every view (the demo summary and the report once differed by a minute)."""
    from host_tools.summary import duration, minutes

    assert duration(7 * 3600 + 18 * 60 + 40) == minutes(7 * 3600 + 18 * 60 + 40) == "7 h 19 min"
    for s in range(3570, 50000, 97):
        assert duration(s) == minutes(s)


def test_counts_of_one_read_in_the_singular():
    """The demo's day summary: one sitting bout is 'in 1 bout', two are 'in 2 bouts'."""
    from host_tools import summary

    def minute(state):
        row = {s + "_s": 0 for s in ("unknown", "sitting", "standing", "lying", "walking", "off_body")}
        return {**row, state + "_s": 60, "steps": 0, "nudges": 0, "epoch": 8 * 3600}

    one = summary.day_text(*summary.from_minutes([minute("standing")] + [minute("sitting")] * 40))
    two = summary.day_text(*summary.from_minutes(([minute("sitting")] * 40 + [minute("walking")]) * 2))
    assert "time sitting:        40 min 00 s in 1 bout\n" in one
    assert "time sitting:        1 h 20 min in 2 bouts\n" in two


def _curve_readings(start_epoch, hours, pct_start, pct_per_day, every_s=900):
    project.use_firmware()
    import lipo

    return [(start_epoch + t, round(lipo.millivolts((pct_start - pct_per_day * t / 86400) / 100)))
            for t in range(0, int(hours * 3600) + 1, every_s)]


def test_the_days_left_are_the_charge_over_its_fall_since_the_last_recharge():
    from host_tools import battery

    t0 = 1767600000
    o = battery.outlook(_curve_readings(t0, 72, 90, 10))  # 90 % falling 10 % a day for 3 days: 60 % left
    assert o["pct"] == pytest.approx(60, abs=0.5) and o["days_left"] == pytest.approx(6, rel=0.05)
    # recharged to full after a day: the rate is the fall since then
    drained = _curve_readings(t0, 24, 70, 20)
    recharged = _curve_readings(t0 + 86400 + 900, 48, 100, 5)
    o = battery.outlook(drained + recharged)
    assert o["pct"] == pytest.approx(90, abs=0.5) and o["days_left"] == pytest.approx(18, rel=0.1)
    assert o["span_h"] == pytest.approx(48)
    # too little to go on: two hours, or a day of a charge that hardly moved
    for points in (_curve_readings(t0, 2, 80, 10), _curve_readings(t0, 24, 50, 1)):
        o = battery.outlook(points)
        assert o["days_left"] is None and o["mv"] > 0
    assert battery.outlook([]) is None


@pytest.mark.parametrize("mv, shown", [(0, "-"), (-5, "-"), (None, "-"), (4200, "4.20 V 100%"),
                                       (5000, "5.00 V 100%"), (3840, "3.84 V 50%"), (1, "0.00 V 0%")])
def test_a_battery_cell_shows_any_reading_or_a_dash(mv, shown):
    from host_tools import battery

    assert battery.cell(mv) == shown


def test_the_report_shows_the_battery_and_the_days_left(tmp_path):
    """Nine hours logged by the firmware's minute log, each block's header holding the battery as it fell
    along the curve, 12 % a day: the report's column and its line."""
    project.use_firmware()
    import lipo

    flash = tmp_path / "flash"
    flash.mkdir()
    log = MinuteLog(Storage(str(flash)), settings.defaults())
    log.start_session()
    epoch = 1767600000 - 1767600000 % 86400 + 8 * 3600  # Mon 5 Jan 2026, 08:00
    minute = [0]
    header = lambda: (epoch, round(lipo.millivolts(1 - 0.12 * minute[0] / 1440)), 0, 0, 0)  # noqa: E731
    secs = bytearray([0, 60, 0, 0, 0, 0])
    for minute[0] in range(9 * 60):
        log.add(minute[0], 0, secs, 0, 0, header)
    log.flush(header)
    database = tmp_path / "b.db"
    con = db.connect(database)
    store_flash(con, "clip-b", flash)
    con.close()
    r = stepclip("report", "--db", database, "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    left = re.search(r"battery: (\d\.\d\d) V \((\d+)%\) at .*; about ([0-9.]+) days left at the present rate", r.stdout)
    assert left, r.stdout
    pct = 100 - 12 * 9 * 60 / 1440
    assert float(left.group(2)) == pytest.approx(pct, abs=1)
    assert float(left.group(3)) == pytest.approx(pct / 12, rel=0.05)
    assert f"{left.group(1)} V {left.group(2)}%" in r.stdout  # the day's column
    assert "days left at the present rate" in (tmp_path / "out" / "report.html").read_text()


def test_no_reading_and_no_battery_adc_are_said_plainly(study, tmp_path, monkeypatch):
    """The study's clips ran without a battery (the cpython runtime): a dash and why; a board description
    without a battery ADC says so."""
    from host_tools import battery

    r = stepclip("report", "--db", study["db"], "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("battery: - (no reading in the log yet)") == 2
    boards = tmp_path / "boards"
    boards.mkdir()
    desc = json.loads((project.BOARDS / "pico_mpu6050.json").read_text())
    (boards / "pico_no_adc.json").write_text(json.dumps(dict(desc, name="pico_no_adc", battery_adc=None)))
    monkeypatch.setattr(project, "BOARDS", boards)
    con = db.connect(study["db"])
    con.execute("UPDATE clips SET board = 'pico_no_adc' WHERE id = 'clip-b'")
    try:
        assert battery.line(con, "clip-b") == "battery: - (no battery ADC on this board)"
        assert battery.line(con, "clip-a") == "battery: - (no reading in the log yet)"  # pico_mpu6050: not there
    finally:
        con.rollback()
        con.close()
