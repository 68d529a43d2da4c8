"""`stepclip sim replay`: the command contract, on both runtimes, with identical results."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import replay, trace as tracemod, tracegen
from simulator.unix import runtime as unix_port

STEPCLIP = [sys.executable, "-m", "host_tools.cli"]
POSTURES = {"sitting", "standing", "lying", "walking", "off_body", "unknown"}


def generated(schedule, seed=0, rate_hz=50, mount=None):
    g = tracegen.generate(schedule, rate_hz=rate_hz, seed=seed, mount=mount)
    return tracemod.Trace("<generated>", g.t, g.acc, g.gyro), g


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    """Eight minutes: stand, walk, sit (with a tap), walk, lie, written as a CSV with labels."""
    g = tracegen.generate([("stand", 30), ("walk", 150), ("sit", 120), ("tap", 0), ("sit", 60), ("walk", 60),
                           ("lie", 60)], rate_hz=100, seed=5)
    path = tmp_path_factory.mktemp("traces") / "mixed.csv"
    g.write_csv(path)
    return path, g


@pytest.fixture(scope="module")
def mixed_results(mixed_csv):
    path, _ = mixed_csv
    # worn at the full rate: the stream's every sample (a still wearer's rests are test_rest.py's)
    return {rt: replay.replay(path, runtime=rt, overrides={"worn_rest_s": 0}) for rt in replay.SIMULATED}


def test_json_contract(mixed_results, mixed_csv):
    _, g = mixed_csv
    r = mixed_results["micropython"]
    assert isinstance(r["steps"], int) and isinstance(r["samples"], int)
    assert r["runtime"] == "micropython"
    assert r["seconds"] == pytest.approx(g.t[-1], abs=0.01)
    assert r["samples"] == pytest.approx(r["seconds"] * 50, abs=60)  # resampled to the IMU's 50 Hz
    assert len(r["minutes"]) == math.ceil(r["samples"] / r["rate_hz"] / 60)
    assert [m["t"] for m in r["minutes"]] == [60 * i for i in range(len(r["minutes"]))]
    for m in r["minutes"]:
        assert set(m) >= {"t", "steps", "posture"} and m["posture"] in POSTURES
    assert sum(m["steps"] for m in r["minutes"]) == r["steps"]
    times = [t for t, _ in r["posture_changes"]]
    assert times == sorted(times) and all(p in POSTURES for _, p in r["posture_changes"])
    assert r["nudges"] == []


def test_runtimes_agree_exactly(mixed_results):
    mp, cp = dict(mixed_results["micropython"]), dict(mixed_results["cpython"])
    assert mp.pop("runtime") == "micropython" and cp.pop("runtime") == "cpython"
    assert mp == cp


def test_replay_finds_the_walks_and_their_steps(mixed_results, mixed_csv):
    _, g = mixed_csv
    r = mixed_results["cpython"]
    assert abs(r["steps"] - g.true_steps) <= 0.05 * g.true_steps
    walking = [t for t, p in r["posture_changes"] if p == "walking"]
    assert len(walking) == 2
    assert 30 <= walking[0] <= 40 and 360 <= walking[1] <= 370  # walks start at 30 s and 360 s
    assert r["posture_changes"][-1][1] == "lying"


def test_65_minutes_sitting_brings_nudges_at_30_and_60_minutes():
    trace, _ = generated([("sit", 65 * 60)], seed=2)
    told = []
    r = replay.replay(trace, runtime="micropython", progress=told.append)
    assert told[:6] == [600, 1200, 1800, 2400, 3000, 3600] and told[-1] <= 65 * 60  # every 10 min, for a bar
    assert len(r["nudges"]) == 2
    assert r["nudges"][0] == pytest.approx(1800, abs=30)
    assert r["nudges"][1] == pytest.approx(3600, abs=30)
    assert sum(m["nudges"] for m in r["minutes"]) == 2
    # three 200 ms pulses per nudge
    assert [round(d, -1) for _, d in r["motor"]] == [200] * 6


def test_settings_reach_the_firmware():
    trace, _ = generated([("sit", 12 * 60)], seed=4)
    r = replay.replay(trace, runtime="cpython", overrides={"inactive_s": 300, "renudge_s": 240})
    assert [round(t / 60) for t in r["nudges"]] == [5, 9]
    r = replay.replay(trace, runtime="cpython", overrides={"rate_hz": 100, "worn_rest_s": 0})
    assert r["rate_hz"] == 100 and r["samples"] == pytest.approx(12 * 60 * 100, abs=50)


def test_a_rotated_clip_counts_the_same_walk(tmp_path):
    rot = tracegen.random_rotation(np.random.default_rng(11))
    a, g = generated([("stand", 10), ("walk", 120)], seed=8)
    b, _ = generated([("stand", 10), ("walk", 120)], seed=8, mount=rot)
    ra, rb = (replay.replay(x, runtime="cpython")["steps"] for x in (a, b))
    assert abs(ra - g.true_steps) <= 0.03 * g.true_steps
    assert abs(ra - rb) <= 0.02 * ra


def cli(*args, cwd=None):
    return subprocess.run([*STEPCLIP, *args], capture_output=True, text=True, cwd=cwd)


def test_cli_json_is_exactly_one_object(mixed_csv, mixed_results):
    path, _ = mixed_csv
    proc = cli("sim", "replay", str(path), "--json", "--set", "worn_rest_s=0")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == mixed_results["micropython"]


def test_cli_summary_is_readable(mixed_csv, mixed_results):
    path, _ = mixed_csv
    proc = cli("sim", "replay", str(path), "--runtime", "cpython")
    assert proc.returncode == 0, proc.stderr
    assert f"steps: {mixed_results['cpython']['steps']}" in proc.stdout
    assert "walking" in proc.stdout and "nudges: none" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--set", "rate_hz=5"], "rate_hz takes a whole number from 25 to 200, not 5"),
    (["--set", "no_such=1"], "unknown setting 'no_such'"),
    (["--set", "rate_hz"], "settings are written NAME=VALUE"),
    (["--set", "rate_hz=fast"], "is not a whole number"),
    (["--board", "toaster"], "unknown board 'toaster'"),
    (["--start", "25:00"], "--start takes HH:MM"),
])
def test_cli_bad_options_give_one_clear_line(mixed_csv, args, message):
    path, _ = mixed_csv
    proc = cli("sim", "replay", str(path), *args)
    assert proc.returncode == 2  # the command line is wrong
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_bad_trace_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("t,ax,ay,az\n0,0,0,1\n0.02,0,0,1\n0.01,0,0,1\n")
    proc = cli("sim", "replay", str(bad))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"stepclip: error: {bad}:4: time goes backwards: t=0.01 after t=0.02"


def test_micropython_env_names_the_interpreter(tmp_path, monkeypatch, mixed_csv):
    path, _ = mixed_csv
    monkeypatch.setenv("MICROPYTHON", str(tmp_path / "no-such-micropython"))
    with pytest.raises(replay.SimError, match="cannot start MicroPython"):
        replay.replay(path)
    assert unix_port.micropython_command() == str(tmp_path / "no-such-micropython")
