"""The host's database: every clip's log blocks and minutes, in one SQLite file.

Blocks are keyed by (clip, era, seq): a clip numbers its blocks for its
whole life, so storing one twice is impossible and a sync can start again
anywhere. An era starts when a clip's log restarts below what is stored
(a reformatted flash). Minutes are unpacked from the blocks as they arrive;
their wall-clock time comes from their session's start (`sessions`), which
the clip writes into every block once its clock is set.

Settings the user asks for wait in `desired_settings`; each sync compares
them with what the clip holds and writes the difference.

The schema is versioned with `PRAGMA user_version`; MIGRATIONS[n] takes a
database from version n to n + 1.
"""

import fcntl
import json
import os
import sqlite3
from pathlib import Path

STATES = ("unknown", "sitting", "standing", "lying", "walking", "off_body")  # posture.NAMES, the record order

MIGRATIONS = [
    """
    CREATE TABLE clips (
        id TEXT PRIMARY KEY,
        board TEXT,
        firmware TEXT,
        era INTEGER NOT NULL DEFAULT 0,
        first_sync TEXT NOT NULL,
        last_sync TEXT NOT NULL
    );
    CREATE TABLE blocks (
        clip TEXT NOT NULL REFERENCES clips(id),
        era INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        session INTEGER NOT NULL,
        first_minute INTEGER NOT NULL,
        count INTEGER NOT NULL,
        session_epoch INTEGER NOT NULL,
        battery_mv INTEGER NOT NULL,
        i2c_errors INTEGER NOT NULL,
        flash_errors INTEGER NOT NULL,
        fifo_overflows INTEGER NOT NULL,
        dropped INTEGER NOT NULL,
        raw BLOB NOT NULL,
        synced_at TEXT NOT NULL,
        PRIMARY KEY (clip, era, seq)
    );
    CREATE TABLE sessions (
        clip TEXT NOT NULL,
        era INTEGER NOT NULL,
        session INTEGER NOT NULL,
        start_epoch INTEGER,
        placed_by TEXT,
        PRIMARY KEY (clip, era, session)
    );
    CREATE TABLE minutes (
        clip TEXT NOT NULL,
        era INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        session INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        steps INTEGER NOT NULL,
        unknown_s INTEGER NOT NULL,
        sitting_s INTEGER NOT NULL,
        standing_s INTEGER NOT NULL,
        lying_s INTEGER NOT NULL,
        walking_s INTEGER NOT NULL,
        off_body_s INTEGER NOT NULL,
        nudges INTEGER NOT NULL,
        snoozes INTEGER NOT NULL,
        PRIMARY KEY (clip, era, seq, idx)
    );
    CREATE INDEX minutes_by_session ON minutes (clip, era, session, minute);
    CREATE TABLE desired_settings (
        clip TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (clip, name)
    );
    CREATE VIEW minutes_on_clock AS
        SELECT m.*, s.start_epoch + 60 * m.minute AS epoch
        FROM minutes m LEFT JOIN sessions s USING (clip, era, session);
    """,
    # 2: block flags (log version 2): a session that began with a watchdog restart
    """
    ALTER TABLE blocks ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: the minute the day's step goal was reached (log version 3); the goals the host decided (goal.py),
    # and the host's own settings (config.HOST_SCHEMA), which never go to a clip
    """
    ALTER TABLE minutes ADD COLUMN goal INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE goals (
        clip TEXT NOT NULL,
        since TEXT NOT NULL,
        steps INTEGER NOT NULL,
        auto INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (clip, since)
    );
    CREATE TABLE host_settings (
        clip TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (clip, name)
    );
    """,
    # 4: the settings each clip held after its last sync, so that "at the next sync" is said only while true
    """
    CREATE TABLE clip_settings (
        clip TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (clip, name)
    );
    """,
]
VERSION = len(MIGRATIONS)
EVERY_CLIP = "*"  # desired_settings.clip for a value meant for every clip


class DatabaseError(Exception):
    """The database file cannot be used: one line saying why."""


def default_path():
    from platformdirs import user_data_dir

    return Path(os.environ.get("STEPCLIP_DB") or Path(user_data_dir("stepclip")) / "stepclip.db")


def connect(path=None):
    """Open (creating or migrating) the database at `path`."""
    path = Path(path or default_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and path.stat().st_size:
        with open(path, "rb") as f:
            # SQLite takes a short file for an empty database and would write over it
            if f.read(16) != b"SQLite format 3\x00":
                raise DatabaseError(f"{path} is not a Stepclip database (not an SQLite file)")
    try:
        con = sqlite3.connect(path, timeout=30)
        version = con.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise DatabaseError(f"{path} is not a Stepclip database ({e})") from None
    if version > VERSION:
        con.close()
        raise DatabaseError(f"{path} was written by a newer stepclip (schema {version}; this one knows up to "
                            f"{VERSION})")
    if version < VERSION:
        try:
            with con:
                for script in MIGRATIONS[version:]:
                    con.executescript("BEGIN;" + script)
                con.execute(f"PRAGMA user_version = {VERSION}")
        except sqlite3.DatabaseError as e:
            con.close()
            raise DatabaseError(f"cannot bring {path} to schema {VERSION}: {e}") from None
    con.execute("PRAGMA foreign_keys = ON")
    return con


class SyncLock:
    """One sync at a time per database: a second one is refused, clearly, instead of interleaving."""

    def __init__(self, db_path):
        self.path = Path(str(db_path) + ".lock")
        self._f = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "a+")
        try:
            fcntl.flock(self._f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._f.close()
            raise DatabaseError(f"another stepclip sync is using {str(self.path)[:-5]}; try again when it ends") \
                from None
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._f, fcntl.LOCK_UN)
        self._f.close()


def clip_era(con, clip_id, device_last_seq, board, firmware, now):
    """The era the clip's blocks go into now (a new one if its log restarted); records the sync."""
    row = con.execute("SELECT era FROM clips WHERE id = ?", (clip_id,)).fetchone()
    if row is None:
        con.execute("INSERT INTO clips (id, board, firmware, era, first_sync, last_sync) VALUES (?, ?, ?, 0, ?, ?)",
                    (clip_id, board, firmware, now, now))
        return 0, False
    era = row[0]
    restarted = last_seq(con, clip_id, era) > device_last_seq
    if restarted:
        era += 1
    con.execute("UPDATE clips SET board = ?, firmware = ?, era = ?, last_sync = ? WHERE id = ?",
                (board, firmware, era, now, clip_id))
    return era, restarted


def current_era(con, clip_id):
    """The era the clip's blocks go into, or None for a clip never synced."""
    row = con.execute("SELECT era FROM clips WHERE id = ?", (clip_id,)).fetchone()
    return None if row is None else row[0]


def sessions_on_defaults(con, clip_id, era, synced_at):
    """Sessions of the blocks stored by the sync at `synced_at` that ran on the default settings."""
    from minutelog import FLAG_DEFAULTS

    return [r[0] for r in con.execute(
        "SELECT DISTINCT session FROM blocks WHERE clip = ? AND era = ? AND synced_at = ? AND flags & ? "
        "ORDER BY session", (clip_id, era, synced_at, FLAG_DEFAULTS))]


def block_raw(con, clip_id, era, seq):
    row = con.execute("SELECT raw FROM blocks WHERE clip = ? AND era = ? AND seq = ?", (clip_id, era, seq)).fetchone()
    return None if row is None else bytes(row[0])


def last_seq(con, clip_id, era):
    return con.execute("SELECT coalesce(max(seq), 0) FROM blocks WHERE clip = ? AND era = ?",
                       (clip_id, era)).fetchone()[0]


def store_blocks(con, clip_id, era, blocks, now):
    """Insert decoded blocks and their minutes; ones already stored are left as they are. New block count."""
    added = 0
    for b in blocks:
        cur = con.execute(
            "INSERT OR IGNORE INTO blocks (clip, era, seq, session, first_minute, count, session_epoch, battery_mv, "
            "i2c_errors, flash_errors, fifo_overflows, dropped, raw, synced_at, flags) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (clip_id, era, b.seq, b.session, b.minute, b.count, b.session_epoch, b.battery_mv, b.i2c_errors,
             b.flash_errors, b.fifo_overflows, b.dropped, bytes(b.raw), now, b.flags))
        if not cur.rowcount:
            continue
        added += 1
        con.executemany(
            "INSERT INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(clip_id, era, b.seq, k, b.session, b.minute + k, steps, *secs, nudges, snoozes, int(k == b.goal))
             for k, (steps, secs, nudges, snoozes) in enumerate(b.records)])
        if b.session_epoch:
            place_session(con, clip_id, era, b.session, b.session_epoch, "clip clock")
        else:
            con.execute("INSERT OR IGNORE INTO sessions (clip, era, session) VALUES (?, ?, ?)",
                        (clip_id, era, b.session))
    return added


def dropped(con, clip_id, era):
    """Blocks the clip had to free unsynced for lack of space: each session counts its own, in every block."""
    return con.execute("SELECT coalesce(sum(d), 0) FROM (SELECT max(dropped) AS d FROM blocks "
                       "WHERE clip = ? AND era = ? GROUP BY session)", (clip_id, era)).fetchone()[0]


def place_session(con, clip_id, era, session, start_epoch, placed_by):
    """Record when a session started, unless the clip's own clock already said so."""
    con.execute("INSERT OR IGNORE INTO sessions (clip, era, session) VALUES (?, ?, ?)", (clip_id, era, session))
    con.execute("UPDATE sessions SET start_epoch = ?, placed_by = ? WHERE clip = ? AND era = ? AND session = ? "
                "AND (placed_by IS NULL OR placed_by != 'clip clock')", (start_epoch, placed_by, clip_id, era, session))


def session_end_minute(con, clip_id, era, session):
    """(last minute, seconds it covers) of a session, or None."""
    row = con.execute(
        "SELECT minute, unknown_s + sitting_s + standing_s + lying_s + walking_s + off_body_s FROM minutes "
        "WHERE clip = ? AND era = ? AND session = ? ORDER BY minute DESC LIMIT 1", (clip_id, era, session)).fetchone()
    return row


def minutes(con, clip_id=None):
    """Every stored minute, oldest first: dicts with the clip, session, minute, epoch and counts."""
    sql = "SELECT * FROM minutes_on_clock" + (" WHERE clip = ?" if clip_id else "") + \
          " ORDER BY clip, era, seq, idx"
    cur = con.execute(sql, (clip_id,) if clip_id else ())
    names = [d[0] for d in cur.description]
    for row in cur:
        yield dict(zip(names, row))


def clip_ids(con):
    """The clips synced into this database, by id."""
    return [r[0] for r in con.execute("SELECT id FROM clips ORDER BY id")]


def held_settings(con, clip_id):
    """The settings the clip held when it was last synced: {name: value}."""
    rows = con.execute("SELECT name, value FROM clip_settings WHERE clip = ?", (clip_id,)).fetchall()
    return {name: json.loads(value) for name, value in rows}


def keep_held_settings(con, clip_id, held, when):
    with con:
        for name, value in held.items():
            con.execute("INSERT OR REPLACE INTO clip_settings VALUES (?, ?, ?, ?)",
                        (clip_id, name, json.dumps(value), when))


def desired_settings(con, clip_id, table="desired_settings"):
    """Settings the user wants on this clip (`stepclip config set`): its own over those for every clip.

    `table="host_settings"`: the host's own settings for this clip, likewise."""
    rows = con.execute(f"SELECT name, value FROM {table} WHERE clip IN (?, ?) ORDER BY clip = ?",
                       (clip_id, EVERY_CLIP, clip_id)).fetchall()
    return {name: json.loads(value) for name, value in rows}
