"""The `stepclip` command as a user meets it: help, version, generate, bench and the demo."""

import json
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


def test_generate_writes_a_trace_the_loader_accepts(tmp_path):
    out = tmp_path / "walk.csv"
    proc = cli("sim", "generate", "walk", str(out), "--seconds", "30", "--cadence", "100", "--rate", "100")
    assert proc.returncode == 0, proc.stderr
    steps = int(re.search(r"true steps (\d+)", proc.stdout).group(1))
    assert 45 <= steps <= 52
    tr = tracemod.load(out)
    assert tr.rate_hz == pytest.approx(100) and tr.seconds == pytest.approx(30, abs=0.02)


def test_bench_prints_the_figures():
    proc = cli("bench", "--json")
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
    assert any("mAh" in line for line in figures["power_assumptions"])


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
