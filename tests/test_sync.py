"""`stepclip sync` with the real mpremote against the virtual clip: every minute exactly once."""

import json
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest

from host_tools import config, db
from host_tools.sync import local_epoch
from minutelog import MinuteLog
from posture import NAMES
from simulator import project, replay, tracegen
import settings
from storage import Storage

STATES = ["unknown_s", "sitting_s", "standing_s", "lying_s", "walking_s", "off_body_s"]


def stepclip(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "host_tools.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=project.ROOT)


def sync(url, database):
    r = stepclip("sync", "--port", url, "--db", database)
    assert r.returncode == 0, r.stderr
    return r.stdout


def db_minutes(database):
    con = db.connect(database)
    rows = list(db.minutes(con))
    con.close()
    return rows


def as_replay_minute(row):
    """A database minute in the shape `sim replay` reports (posture: the state held longest)."""
    secs = [row[k] for k in STATES]
    return {"t": row["minute"] * 60, "steps": row["steps"], "posture": NAMES[secs.index(max(secs))],
            "nudges": row["nudges"], "snoozes": row["snoozes"], "goal": bool(row["goal"])}


def fill_log(flash, minutes, epoch=1767571200, seed=1):
    """A clip's flash holding `minutes` of logged minutes of one session, as after weeks of wear."""
    flash.mkdir(parents=True, exist_ok=True)
    storage = Storage(str(flash))
    log = MinuteLog(storage, settings.defaults())
    log.start_session()
    rnd = random.Random(seed)
    secs = bytearray(6)
    header = lambda: (epoch, 3900, 0, 0, 0)  # noqa: E731
    for m in range(minutes):
        for i in range(6):
            secs[i] = 0
        secs[rnd.randrange(6)] = 60
        log.add(m, rnd.randrange(130), secs, rnd.randrange(2), 0, header)
    log.flush(header)
    return {(b.seq, k): rec for b in log.blocks_after(0) for k, rec in enumerate(b.records)}


def stored_records(database):
    return {(m["seq"], m["idx"]): (m["steps"], [m[k] for k in STATES], m["nudges"], m["snoozes"])
            for m in db_minutes(database)}


@pytest.fixture(scope="module")
def two_hours(tmp_path_factory):
    schedule = [("walk", 600), ("sit", 2400), ("walk", 120), ("sit", 2100), ("stand", 300), ("walk", 480),
                ("lie", 900)]
    path = tmp_path_factory.mktemp("trace") / "two_hours.csv"
    tracegen.generate(schedule, seed=3).write_csv(path)
    return path


def test_synced_minutes_equal_the_simulators(virtual_clip, tmp_path, two_hours):
    clip = virtual_clip(tmp_path / "flash", two_hours)
    expected = replay.replay(two_hours, runtime="micropython")
    clip.wait_finished()
    database = tmp_path / "clips.db"
    before = local_epoch()
    out = sync(clip.url, database)
    assert "new blocks" in out
    rows = db_minutes(database)
    assert [as_replay_minute(r) for r in rows] == expected["minutes"]
    assert sum(r["steps"] for r in rows) == expected["steps"] > 500
    # the clock was not set while it ran: the session is placed so that it ends at the sync
    end = rows[-1]["epoch"] + sum(rows[-1][k] for k in STATES)
    assert before - 5 <= end <= local_epoch() + 5

    # again: nothing new, nothing doubled; the clip now keeps the clock the sync set
    assert "0 new blocks" in sync(clip.url, database)
    assert db_minutes(database) == rows
    ident = json.loads(subprocess.run(
        [sys.executable, "-m", "mpremote", "connect", clip.url, "resume", "exec",
         "import clipapi; clipapi.identity()"], capture_output=True, text=True, timeout=30).stdout.splitlines()[-1])
    assert ident["acked"] == rows[-1]["seq"] and ident["clock"] > 0


def test_a_sync_killed_anywhere_then_rerun_loses_and_doubles_nothing(virtual_clip, tmp_path):
    flash = tmp_path / "flash"
    logged = fill_log(flash, 10 * 1440)  # ten days
    clip = virtual_clip(flash, speed="1")
    database = tmp_path / "clips.db"
    rnd = random.Random(7)
    cmd = [sys.executable, "-m", "host_tools.cli", "sync", "--port", clip.url, "--db", str(database)]
    kills = 0
    for delay in [0.05, 0.3] + [rnd.uniform(0.4, 2.0) for _ in range(4)]:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=project.ROOT)
        time.sleep(delay)
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait()
        got = stored_records(database) if database.exists() else {}
        assert all(got[k] == logged[k] for k in got if k in logged)  # what is stored is right
        acked = Storage(str(flash)).read_json("logstate.json")["acked"]
        assert acked <= max((s for s, _ in got), default=0)  # nothing is acknowledged before it is stored
    assert kills >= 3
    sync(clip.url, database)
    got = stored_records(database)
    assert {k: v for k, v in got.items() if k in logged} == logged
    # and the minutes the virtual clip logged itself, between the syncs that got through
    on_flash = MinuteLog(Storage(str(flash)), settings.defaults()).blocks_after(0)
    assert got == {(b.seq, k): rec for b in on_flash for k, rec in enumerate(b.records)}


def test_settings_set_on_the_host_reach_the_clip_at_sync(virtual_clip, tmp_path):
    clip = virtual_clip(tmp_path / "flash", project.ROOT / "simulator" / "traces" / "walk_1min.csv")
    database = tmp_path / "clips.db"
    db.connect(database).close()  # the study's database, before this clip's first sync
    r = stepclip("config", "set", "inactive_s=2400", "nudge_pattern_ms=300,200,300", "--db", database)
    assert r.returncode == 2 and r.stderr.strip() == \
        "stepclip: error: nudge_pattern_ms takes 5 whole numbers"
    r = stepclip("config", "set", "inactive_s=2400", "snooze_s=600", "--db", database)
    assert r.returncode == 0, r.stderr
    assert stepclip("config", "get", "inactive_s", "--db", database).stdout.strip() == "inactive_s=2400"
    clip.wait_finished()
    out = sync(clip.url, database)
    assert "settings inactive_s, snooze_s written" in out
    stored = json.loads((tmp_path / "flash" / "settings.json").read_text())
    assert stored["inactive_s"] == 2400 and stored["snooze_s"] == 600
    assert "written" not in sync(clip.url, database)  # the clip has them now


@pytest.mark.parametrize("item, message", [
    ("inactive_s=5", "inactive_s takes a whole number from 60 to 14400, not 5"),
    ("no_such=1", "unknown setting 'no_such' (all {n}: stepclip config list)"),
    ("snooze=60", "unknown setting 'snooze' (known ones like it: snooze_s; all {n}: stepclip config list)"),
    ("inactive_s", "settings are written NAME=VALUE, not 'inactive_s' (see: stepclip config list)"),
    ("inactive_s=soon", "inactive_s: 'soon' is not a whole number (or a list of them)"),
])
def test_config_refuses_bad_values_in_one_line(tmp_path, item, message):
    database = tmp_path / "clips.db"
    db.connect(database).close()
    assert stepclip("config", "set", "snooze_s=600", "--db", database).returncode == 0
    r = stepclip("config", "set", item, "--db", database)
    n = len(settings.SCHEMA) + len(config.HOST_SCHEMA)  # every setting the clip and the host know
    assert r.returncode == 2 and r.stderr.strip() == f"stepclip: error: {message.format(n=n)}"
    assert stepclip("config", "get", "snooze_s", "--db", database).stdout.strip() == "snooze_s=600"


def test_a_second_sync_on_the_same_database_is_refused(tmp_path):
    database = tmp_path / "clips.db"
    with db.SyncLock(database):
        r = stepclip("sync", "--port", "socket://127.0.0.1:9", "--db", database)
    assert r.returncode == 1
    assert r.stderr.strip() == f"stepclip: error: another stepclip sync is using {database}; try again when it ends"


def test_sync_without_a_clip_says_so(tmp_path):
    r = stepclip("sync", "--port", "socket://127.0.0.1:9", "--db", tmp_path / "new" / "clips.db")
    assert r.returncode == 1 and "cannot reach a clip on socket://127.0.0.1:9" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "new").exists()  # a failed first sync leaves no empty database behind


def test_a_file_that_is_not_a_database_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    r = stepclip("config", "set", "snooze_s=600", "--db", path)
    assert r.returncode == 1 and f"{path} is not a Stepclip database" in r.stderr
    assert path.read_bytes() == b"these are my notes, not a database\n" * 100


def test_a_database_from_a_newer_stepclip_is_refused(tmp_path):
    path = tmp_path / "new.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {db.VERSION + 1}")
    con.close()
    with pytest.raises(db.DatabaseError, match="written by a newer stepclip"):
        db.connect(path)


def test_an_automatic_goal_is_decided_at_sync_and_written_to_the_clip(virtual_clip, tmp_path):
    """`goal set auto`: the sync that brings the first day decides the goal (its median, in hundreds) and writes
    it; the host's own settings never go to the clip."""
    clip = virtual_clip(tmp_path / "flash", project.ROOT / "simulator" / "traces" / "walk_1min.csv")
    database = tmp_path / "clips.db"
    db.connect(database).close()  # the study's database, before the clip's first sync
    for args in (("goal", "set", "auto"), ("config", "set", "goal_raise_pct=15")):
        r = stepclip(*args, "--db", database)
        assert r.returncode == 0, r.stderr
    assert "goal for every clip: automatic, decided at its first sync with steps" in stepclip("goal", "--db", database).stdout
    clip.wait_finished()
    assert "settings goal_steps written" in sync(clip.url, database)
    steps = sum(r["steps"] for r in db_minutes(database))
    stored = json.loads((tmp_path / "flash" / "settings.json").read_text())
    assert stored["goal_steps"] == round(steps / 100) * 100 > 0 and "goal_raise_pct" not in stored
    shown = stepclip("goal", "--clip", ident_of(clip.url), "--db", database).stdout
    assert f"{stored['goal_steps']:,} steps a day" in shown and "+15 % a week" in shown
    assert "written" not in sync(clip.url, database)  # decided the same again: nothing to write
    # a goal set by hand for every clip replaces the automatic one the clip holds, and every view agrees
    r = stepclip("goal", "set", "500", "--db", database)
    assert r.returncode == 0 and "the clip gets it at the next `stepclip sync`" in r.stdout, r.stdout
    assert "settings goal_steps written" in sync(clip.url, database)
    assert json.loads((tmp_path / "flash" / "settings.json").read_text())["goal_steps"] == 500
    shown = stepclip("goal", "--db", database).stdout
    assert "500 steps a day" in shown and "(set by hand; the clip has it)" in shown and "next `stepclip" not in shown
    listed = stepclip("config", "list", "--clip", ident_of(clip.url), "--db", database).stdout
    assert re.search(r"^goal_steps .* -> 500 \(the clip has it\)$", listed, re.M), listed


def ident_of(url):
    out = subprocess.run([sys.executable, "-m", "mpremote", "connect", url, "resume", "exec",
                          "import clipapi; clipapi.identity()"], capture_output=True, text=True, timeout=30).stdout
    return json.loads(out.splitlines()[-1])["id"]


def test_a_clip_faster_than_real_time_keeps_its_own_timeline_through_syncs(virtual_clip, tmp_path, two_hours):
    clip = virtual_clip(tmp_path / "flash", two_hours, start="08:30")
    assert clip.banner.rstrip().endswith(", clock at Mon 2026-01-05 08:30 when the trace starts; not at real time, "
                                         "so syncs keep this timeline"), clip.banner
    clip.wait_finished()
    database = tmp_path / "clips.db"
    first = sync(clip.url, database)
    assert "clock kept: the clip keeps its own timeline, now 2026-01-05 10:" in first, first
    rows = db_minutes(database)
    assert datetime.fromtimestamp(rows[0]["epoch"], timezone.utc).strftime("%Y-%m-%d %H:%M") == "2026-01-05 08:30"
    second = sync(clip.url, database)
    assert "clock kept" in second and "0 new blocks" in second
    assert db_minutes(database) == rows  # no session laid over another


def test_a_clip_whose_history_contradicts_the_database_is_refused(virtual_clip, tmp_path):
    """Two clips answering to one ID (as emulated Picos did, all reading a zero unique ID; a virtual clip's
    ID comes from its flash folder): the second holds the same minutes with other counts; its sync is
    refused in one line and stores nothing."""
    import shutil

    database = tmp_path / "clips.db"
    flash = tmp_path / "flash"
    fill_log(flash, 120, seed=1)
    first = virtual_clip(flash, speed="1")
    sync(first.url, database)
    first.stop()
    before = stored_records(database)
    shutil.rmtree(flash)
    fill_log(flash, 120, seed=2)
    other = virtual_clip(flash, speed="1")
    r = stepclip("sync", "--port", other.url, "--db", database)
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, (r.stdout, r.stderr)
    assert "not the one synced from this ID" in r.stderr and "nothing was stored" in r.stderr
    assert stored_records(database) == before


@pytest.mark.parametrize("damaged", [b'{"inactive_s": 2400, "renudge_s', b"\xff\xfe not json"])
def test_a_damaged_settings_file_on_the_clip_runs_the_defaults_and_the_sync_says_so(virtual_clip, tmp_path,
                                                                                    damaged):
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / settings.FILENAME).write_bytes(damaged)
    store = Storage(str(flash))
    assert settings.damaged(store) and settings.load(store) == settings.defaults()
    clip = virtual_clip(flash, project.ROOT / "simulator" / "traces" / "walk_1min.csv")
    clip.wait_finished()
    out = sync(clip.url, tmp_path / "clips.db")
    assert "settings file was damaged (cut short or not JSON); session 1 ran on the defaults" in out, out
    # logged with the session's blocks
    con = db.connect(tmp_path / "clips.db")
    assert [r[0] for r in con.execute("SELECT DISTINCT flags FROM blocks")] == [2]
    con.close()
    # a later session on a sound file is not reported again
    assert "settings file was damaged" not in sync(clip.url, tmp_path / "clips.db")


def test_sync_brings_the_battery_home_falling_as_modelled(virtual_clip, tmp_path, two_hours):
    """The unix virtual clip's battery: the board's modelled current (host_tools/power.py) over the virtual
    time, on the LiPo curve; every block's header brings its reading home, and 2 h are too few for a rate."""
    from host_tools import battery

    project.use_firmware()
    import lipo

    clip = virtual_clip(tmp_path / "flash", two_hours, start="08:00")
    ma = float(re.search(r"battery a model: 500 mAh from 100% at ([0-9.]+) mA", clip.banner).group(1))
    clip.wait_finished()
    database = tmp_path / "clips.db"
    sync(clip.url, database)
    con = db.connect(database)
    points = battery.readings(con, con.execute("SELECT id FROM clips").fetchone()[0])
    mvs = [mv for _, mv in points]
    assert len(mvs) >= 8 and mvs[0] <= 4200 and all(a >= b for a, b in zip(mvs, mvs[1:])) and mvs[-1] < mvs[0]
    hours = (points[-1][0] - points[0][0]) / 3600 + 16 / 60  # from power-on to the end of the last block
    assert abs(mvs[-1] - lipo.millivolts(1 - ma * hours / 500)) <= 5
    text = battery.line(con, con.execute("SELECT id FROM clips").fetchone()[0])
    con.close()
    assert f"{mvs[-1] / 1000:.2f} V" in text and "days left: not yet known" in text
