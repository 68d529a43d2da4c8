"""The host database: blocks stored once, eras for a reformatted clip, dropped blocks, migrations."""

import settings
from host_tools import db
from minutelog import MinuteLog
from storage import Storage


def logged_blocks(tmp_path, minutes, sessions=1, budget_kb=None):
    s = settings.defaults()
    if budget_kb:
        s["log_max_kb"], s["log_file_kb"], s["log_block_min"] = budget_kb, 1, 4
    storage = Storage(str(tmp_path / "flash"))
    (tmp_path / "flash").mkdir(exist_ok=True)
    secs = bytearray([0, 60, 0, 0, 0, 0])
    for _ in range(sessions):
        log = MinuteLog(storage, s)
        log.start_session()
        for m in range(minutes):
            log.add(m, m % 100, secs, 0, 0, lambda: (0, 0, 0, 0, 0))
        log.flush(lambda: (0, 0, 0, 0, 0))
    return log.blocks_after(0)


def test_blocks_are_stored_once(tmp_path):
    blocks = logged_blocks(tmp_path, 100)
    con = db.connect(tmp_path / "c.db")
    era, restarted = db.clip_era(con, "c1", blocks[-1].seq, "pico", "0.1.0", "now")
    assert (era, restarted) == (0, False)
    assert db.store_blocks(con, "c1", era, blocks, "now") == len(blocks)
    assert db.store_blocks(con, "c1", era, blocks[3:], "now") == 0
    assert con.execute("SELECT count(*), sum(steps) FROM minutes").fetchone() == (100, sum(m % 100 for m in range(100)))
    assert db.last_seq(con, "c1", era) == blocks[-1].seq


def test_a_clip_whose_log_restarted_gets_a_new_era(tmp_path):
    blocks = logged_blocks(tmp_path, 64)
    con = db.connect(tmp_path / "c.db")
    db.clip_era(con, "c1", blocks[-1].seq, "pico", "0.1.0", "now")
    db.store_blocks(con, "c1", 0, blocks, "now")
    era, restarted = db.clip_era(con, "c1", 1, "pico", "0.1.0", "later")  # reflashed: its seqs start again
    assert (era, restarted) == (1, True) and db.last_seq(con, "c1", era) == 0
    assert db.store_blocks(con, "c1", era, blocks[:1], "later") == 1  # kept apart, not mistaken for a duplicate


def test_blocks_the_clip_dropped_for_space_are_reported(tmp_path):
    blocks = logged_blocks(tmp_path, 2000, sessions=2, budget_kb=16)
    con = db.connect(tmp_path / "c.db")
    db.clip_era(con, "c1", blocks[-1].seq, "pico", "0.1.0", "now")
    db.store_blocks(con, "c1", 0, blocks, "now")
    per_session = {}
    for b in blocks:
        per_session[b.session] = max(per_session.get(b.session, 0), b.dropped)
    assert db.dropped(con, "c1", 0) == sum(per_session.values()) > 0


def test_data_survives_reopening_and_the_schema_is_versioned(tmp_path):
    path = tmp_path / "c.db"
    con = db.connect(path)
    db.clip_era(con, "c1", 0, "pico", "0.1.0", "now")
    db.store_blocks(con, "c1", 0, logged_blocks(tmp_path, 20), "now")
    con.commit()
    con.close()
    con = db.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == db.VERSION
    assert con.execute("SELECT count(*) FROM minutes").fetchone()[0] == 20


def test_a_database_from_schema_1_is_migrated_keeping_its_data(tmp_path):
    """Schema 1 (before block flags): its blocks and minutes stay, and new blocks carry their flags."""
    import sqlite3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(db.MIGRATIONS[0])
    old.execute("INSERT INTO clips VALUES ('c1', 'pico', '0.1.0', 0, 'then', 'then')")
    old.execute("INSERT INTO blocks VALUES ('c1', 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, x'00', 'then')")
    old.execute("INSERT INTO minutes VALUES ('c1', 0, 1, 0, 1, 0, 7, 0, 60, 0, 0, 0, 0, 0, 0)")
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    con = db.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == db.VERSION
    assert con.execute("SELECT seq, flags FROM blocks").fetchall() == [(1, 0)]
    assert con.execute("SELECT steps FROM minutes").fetchall() == [(7,)]
    blocks = logged_blocks(tmp_path, 4)
    for b in blocks:
        b.flags = 1
        b.seq += 1
    db.store_blocks(con, "c1", 0, blocks, "now")
    assert con.execute("SELECT seq, flags FROM blocks ORDER BY seq").fetchall() == [(1, 0), (2, 1)]
