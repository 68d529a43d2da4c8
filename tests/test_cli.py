"""The `stepclip` command as a user meets it: help, version, generate, bench and the demo."""

import json
import os
import re
import subprocess
import sys

import pytest

from host_tools import __version__
from simulator import project, trace as tracemod

STEPCLIP = [sys.executable, "-m", "host_tools.cli"]


def cli(*args, **kw):
    return subprocess.run([*STEPCLIP, *args], capture_output=True, text=True, **kw)


def test_help_explains_with_examples():
    out = cli("--help")
    assert out.returncode == 0
    for word in ("demo", "sim", "bench", "examples:", "stepclip sim replay walk.csv"):
        assert word in out.stdout
    sub = cli("sim", "replay", "--help")
    assert sub.returncode == 0 and "--runtime" in sub.stdout and "MICROPYTHON" in sub.stdout


def test_version():
    out = cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"stepclip {__version__}"


def test_usage_mistakes_exit_2():
    assert cli("sim", "replay").returncode == 2
    assert cli("fly").returncode == 2


@pytest.mark.parametrize("args, message", [
    (("sim", "generate", "walk", "x.csv", "--rate", "0"), "--rate takes 10 to 400 samples a second"),
    (("sim", "generate", "walk", "x.csv", "--rate", "-50"), "--rate takes 10 to 400 samples a second"),
    (("sim", "generate", "walk", "x.csv", "--rate", "5"), "--rate takes 10 to 400 samples a second"),
    (("sim", "generate", "walk", "x.csv", "--rate", "10000"), "--rate takes 10 to 400 samples a second"),
    (("sim", "generate", "walk", "x.csv", "--seed", "-1"), "--seed takes a whole number, 0 or more, not -1"),
    (("sim", "generate", "walk", "x.csv", "--seconds", "1e9"), "--seconds takes 1 to 86400"),
    (("sim", "generate", "walk", "x.csv", "--seconds", "-5"), "--seconds takes 1 to 86400"),
    (("report", "--since", "0d"), "--since takes 1 to 36,500 days back (a hundred years), not '0d'"),
    (("export", "--since", "99999999999d"), "--since takes 1 to 36,500 days back"),
    (("report", "--since", "876001h"), "--since takes 1 to 876,000 hours back"),
    (("deploy", "--board", "nosuch", "--dry-run"), "unknown board 'nosuch' (known: esp32_devkitc_mpu6050,"),
    (("sim", "eval", "steps", "--board", "nosuch"), "unknown board 'nosuch' (known: esp32_devkitc_mpu6050,"),
    (("virtual-clip", "--port", "99999"), "--port takes a TCP port, 1 to 65535"),
    (("virtual-clip", "--board", "nosuch"), "unknown board 'nosuch' (known: esp32_devkitc_mpu6050,"),
    (("virtual-clip", "--charge", "150"), "--charge takes the battery's charge at the start, 0 to 100 (%), not '150'"),
    (("virtual-clip", "--charge", "full"), "--charge takes the battery's charge at the start, 0 to 100 (%), not 'full'"),
    (("virtual-clip", "--worn"), "--worn is for --target pico"),
    (("sim", "replay", "x.csv", "--charge", "-1"), "--charge takes the battery's charge at the start, 0 to 100"),
    (("config", "unset", "nosuch", "--db", "{db}"), "unknown setting 'nosuch' (all "),
    (("config", "get", "quiet_start", "--db", "{db}"),
     "unknown setting 'quiet_start' (known ones like it: quiet_start_min"),
    (("config", "set", "inactive=2400", "--db", "{db}"), "unknown setting 'inactive' (known ones like it: inactive_s;"),
])
def test_wrong_values_are_one_line_and_exit_2(tmp_path, args, message):
    from host_tools import db

    db.connect(tmp_path / "c.db").close()
    proc = cli(*(a.format(db=tmp_path / "c.db") for a in args), cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"stepclip: error: {message}") and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_debug_works_after_the_command_too(tmp_path):
    proc = cli("report", "--since", "yesterday", "--debug", "--db", str(tmp_path / "none.db"))
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "SinceError" in proc.stderr
    assert cli("--debug", "report", "--since", "yesterday").stderr == proc.stderr


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`stepclip export | head`: the reader has gone before the first line is written."""
    from host_tools import db

    db.connect(tmp_path / "c.db").close()
    script = ("import os, sys\nr, w = os.pipe()\nos.close(r)\nsys.stdout = os.fdopen(w, 'w', buffering=1)\n"
              "from host_tools import cli\n"
              f"code = cli.main(['config', 'list', '--db', {str(tmp_path / 'c.db')!r}])\n"
              "sys.stderr.write(f'exit {code}')\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=project.ROOT,
                          timeout=60)
    assert proc.returncode == 0 and proc.stderr == "exit 0", proc.stderr


def test_config_alone_lists_the_settings(tmp_path):
    from host_tools import db

    db.connect(tmp_path / "c.db").close()
    alone = cli("config", "--db", str(tmp_path / "c.db"))
    assert alone.returncode == 0 and "inactive_s" in alone.stdout
    assert alone.stdout == cli("config", "list", "--db", str(tmp_path / "c.db")).stdout


@pytest.mark.parametrize("action", ["get", "unset"])
def test_an_unknown_setting_leaves_no_default_database_behind(tmp_path, action):
    missing = tmp_path / "data" / "stepclip.db"
    proc = cli("config", action, "nosuch", cwd=tmp_path, env={**os.environ, "STEPCLIP_DB": str(missing)})
    assert proc.returncode == 2 and "unknown setting 'nosuch'" in proc.stderr
    assert not missing.parent.exists()


def test_config_unset_says_what_it_undid(tmp_path):
    from host_tools import db

    path = str(tmp_path / "c.db")
    db.connect(path).close()
    assert cli("config", "set", "inactive_s=2400", "goal_cap_steps=8000", "--db", path).returncode == 0
    proc = cli("config", "unset", "inactive_s", "goal_cap_steps", "snooze_s", "--db", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "inactive_s: no longer written to every clip at a sync; the clip keeps what it has",
        "goal_cap_steps: back to 10000 for every clip",
        "snooze_s: nothing was waiting for every clip"]
    assert "->" not in cli("config", "list", "--db", path).stdout


def test_help_texts_print_as_meant():
    out = cli("goal", "--help").stdout
    assert "10 % a week" in out and "%%" not in out


def test_generate_writes_a_trace_the_loader_accepts(tmp_path):
    out = tmp_path / "walk.csv"
    proc = cli("sim", "generate", "walk", str(out), "--seconds", "30", "--cadence", "100", "--rate", "100")
    assert proc.returncode == 0, proc.stderr
    steps = int(re.search(r"true steps (\d+)", proc.stdout).group(1))
    assert 45 <= steps <= 52
    tr = tracemod.load(out)
    assert tr.rate_hz == pytest.approx(100) and tr.seconds == pytest.approx(30, abs=0.02)


def test_bench_prints_the_figures():
    # the chip's ledgers of the default board alone, 20 s an activity (the others: tests/test_pico_ledger.py)
    proc = cli("bench", "--json", "--ledger-seconds", "20", "--ledger-boards", "pico_mpu6050")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert set(figures) >= {"us_per_sample", "call_us", "call_equivalents", "alloc_bytes_per_sample",
                            "sim_realtime_factor"}
    assert figures["alloc_bytes_per_sample"] == 0
    assert figures["call_equivalents"] == pytest.approx(figures["us_per_sample"] / figures["call_us"], rel=0.01)
    assert set(figures["sim_realtime_factor"]) == {"micropython", "cpython"}
    # a month of minutes: within the log's 8-byte budget, and every one of them synced
    assert figures["log_bytes_per_minute"] <= 8 and figures["log_kib_30_days"] <= 350
    assert figures["sync_minutes"] >= 30 * 1440 and figures["sync_30_days_s"] > 0 and figures["report_30_days_s"] > 0
    assert set(figures["power"]) == set(project.board_names())
    assert all(p["ma"] > 0 and p["days"] > 0 for p in figures["power"].values())
    for name, p in figures["power"].items():
        assert sum(p["ma_by_part"].values()) == pytest.approx(p["ma"], abs=0.01)
        assert set(p["ma_by_part"]) == {"mcu_run", "mcu_sleep", "imu", "board", "motor"}
        assert p["measured"] == (project.board(name)["mcu"] == "rp2040" and "missing" not in figures["pico"])
    if "missing" not in figures["pico"]:
        # the boards asked for are measured on their own ledgers, the other RP2040 boards on the default's
        ledgers = {project.DEFAULT_BOARD: figures["pico"]["ledger"], **figures["pico"]["ledgers"]}
        assert set(ledgers) == {"pico_mpu6050"}
        for name, led in ledgers.items():
            assert led["board"] == name
            assert sum(led["seconds"].values()) == pytest.approx(led["seconds_replayed"], rel=0.01)
        for name, p in figures["power"].items():
            if p["measured"]:
                assert p["ledger_board"] == (name if name in ledgers else project.DEFAULT_BOARD)
    assert any("mAh" in line for line in figures["power_assumptions"])
    # boards/README.md's table says what the bench says (to its rounding); it holds the chip's measured figures,
    # so without the emulated Pico only the boards that are a model either way are compared
    table = dict(re.findall(r"^\| `(\w+)` \|.*\| ([\d.]+) mA, [\d.]+ days \|$",
                            (project.BOARDS / "README.md").read_text(), re.M))
    assert set(table) == set(figures["power"])
    for name, p in figures["power"].items():
        if p.get("ledger_board") == name or project.board(name)["mcu"] != "rp2040":
            assert abs(float(table[name]) - p["ma"]) <= 0.1, (name, table[name], p["ma"])


def test_bench_refuses_a_board_the_chip_cannot_measure():
    for boards, word in (("pico_mpu6050,m5_atom_matrix", "m5_atom_matrix"), ("pico_bmi160", "pico_mpu6050")):
        proc = cli("bench", "--json", "--ledger-boards", boards)
        assert proc.returncode != 0 and word in proc.stderr and "Traceback" not in proc.stderr


def test_demo_summarises_the_working_day(tmp_path):
    proc = cli("demo", "--workdir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Your day from 08:30 to 17:05" in out
    synced = int(re.search(r"synced ([\d,]+) minutes .* with mpremote into", out).group(1).replace(",", ""))
    assert synced == 515  # 8 h 35 min: every minute of the day, once
    steps = int(re.search(r"steps:\s+([\d,]+)", out).group(1).replace(",", ""))
    truth = int(re.search(r"holds ([\d,]+) true steps", out).group(1).replace(",", ""))
    assert abs(steps - truth) <= 0.05 * truth
    assert re.search(r"time sitting:\s+\d+ h \d+ min", out)
    nudges = re.findall(r"^\s+(\d\d:\d\d)\s+(got up .* later|did not get up)", out, re.M)
    assert len(nudges) == int(re.search(r"nudges:\s+(\d+)", out).group(1)) >= 3
    # the first reminder: 30 min after the commute ends and the wearer stands for coffee (08:42)
    assert nudges[0][0] == "09:12"
    assert (tmp_path / "day.csv").is_file() and list((tmp_path / "flash").glob("log_*.blk"))
    assert (tmp_path / "stepclip.db").is_file()
