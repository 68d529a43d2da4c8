"""Bad input at the `stepclip` entry points: one clear error line, a non-zero exit, nothing stored changed."""

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from host_tools import cli, db
from simulator import project

project.use_firmware()
import settings as fw_settings  # noqa: E402

FAST = hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run(argv, capsys):
    """Exit code and stderr lines of `stepclip argv`, in this process."""
    capsys.readouterr()
    try:
        rc = cli.main(argv)
    except SystemExit as e:  # argparse's usage errors
        rc = e.code
    err = capsys.readouterr().err.strip().splitlines()
    return rc, err


def assert_one_clear_line(rc, err):
    assert rc not in (0, None)
    assert len([line for line in err if line.startswith("stepclip") or "error" in line]) == 1, err
    assert not any("Traceback" in line for line in err)


@pytest.fixture
def stored_db(tmp_path):
    path = tmp_path / "clips.db"
    con = db.connect(path)
    db.clip_era(con, "c1", 0, "pico", "0.1.0", "now")
    con.commit()
    con.close()
    return path


@FAST
@given(st.binary(max_size=400))
def test_a_damaged_trace_file(tmp_path_factory, capsys, data):
    path = tmp_path_factory.mktemp("t") / "bad.csv"
    path.write_bytes(data)
    rc, err = run(["sim", "replay", str(path), "--runtime", "cpython"], capsys)
    assert_one_clear_line(rc, err)


def _invalid(name, value):
    try:
        fw_settings.check(name, value)
    except (ValueError, TypeError):
        return True
    return False


@FAST
@given(st.sampled_from(sorted(fw_settings.SCHEMA)),
       st.one_of(st.text(max_size=12), st.integers(-10**9, 10**9).map(str)))
def test_a_bad_setting_value_changes_nothing(stored_db, capsys, name, value):
    from host_tools.config import parse_value

    try:
        valid = not _invalid(name, parse_value(name, value))
    except (ValueError, TypeError, SyntaxError):
        valid = False
    if valid or "=" in value or not value.strip():
        return  # only the bad ones here
    before = stored_db.read_bytes()
    rc, err = run(["config", "set", f"{name}={value}", "--db", str(stored_db)], capsys)
    assert_one_clear_line(rc, err)
    assert stored_db.read_bytes() == before


@FAST
@given(st.binary(min_size=1, max_size=300).filter(lambda b: not b.startswith(b"SQLite format 3")))
def test_a_file_that_is_not_a_database_is_left_alone(tmp_path_factory, capsys, data):
    path = tmp_path_factory.mktemp("d") / "notadb.db"
    path.write_bytes(data)
    for argv in (["export", "--db", str(path)], ["config", "list", "--db", str(path)]):
        rc, err = run(argv, capsys)
        assert_one_clear_line(rc, err)
        assert path.read_bytes() == data


def test_a_database_from_a_newer_schema_is_refused_unchanged(stored_db, capsys):
    con = sqlite3.connect(stored_db)
    con.execute(f"PRAGMA user_version = {db.VERSION + 1}")
    con.commit()
    con.close()
    before = stored_db.read_bytes()
    rc, err = run(["export", "--db", str(stored_db)], capsys)
    assert_one_clear_line(rc, err)
    assert "newer" in err[-1] and stored_db.read_bytes() == before


@FAST
@given(st.text(max_size=15).filter(lambda s: not s.startswith("-")))
def test_bad_since_values(stored_db, capsys, since):
    rc, err = run(["export", "--db", str(stored_db), "--since", since], capsys)
    if rc == 0:
        return  # a value the parser accepts (e.g. "3d")
    assert_one_clear_line(rc, err)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)


@FAST
@given(st.one_of(st.binary(max_size=200),
                 st.dictionaries(st.sampled_from(sorted(fw_settings.SCHEMA)) | st.text(max_size=8), json_values,
                                 max_size=6).map(lambda d: __import__("json").dumps(d).encode())))
def test_a_damaged_settings_file_on_the_clip_leaves_valid_settings(tmp_path_factory, data):
    """What the firmware loads at boot is always a whole, valid set: damaged entries keep their defaults."""
    from storage import Storage

    folder = tmp_path_factory.mktemp("flash")
    (folder / "settings.json").write_bytes(data)
    s = fw_settings.load(Storage(str(folder)))
    assert set(s) == set(fw_settings.SCHEMA)
    for k, v in s.items():
        assert fw_settings.check(k, v) == v


@FAST
@given(st.lists(st.tuples(st.sampled_from(["log_00000001.blk", "log_00000a00.blk", "log_zz.blk", "log_.blk",
                                           "logstate.json", "log_ffffffff.blk"]), st.binary(max_size=300)),
                max_size=4))
def test_damaged_log_files_on_the_clip_neither_stop_it_nor_hide_new_minutes(tmp_path_factory, files):
    """A clip booting over garbage log files keeps logging, and its new minutes read back."""
    from minutelog import MinuteLog
    from storage import Storage

    folder = tmp_path_factory.mktemp("flash")
    for name, data in files:
        (folder / name).write_bytes(data)
    log = MinuteLog(Storage(str(folder)), fw_settings.defaults())
    log.start_session()
    seq = log.next_seq
    log.add(0, 42, [0, 60, 0, 0, 0, 0], 0, 0, lambda: (0, 0, 0, 0, 0))
    log.flush(lambda: (0, 0, 0, 0, 0))
    (block,) = [b for b in log.blocks_after(seq - 1) if b.session == log.session]
    assert block.seq == seq and block.records[0][0] == 42
