"""`stepclip sim eval steps`: the evaluation contract, and the targets on the shared recordings."""

import json
from array import array
import subprocess
import sys

import pytest

import settings as fw_settings
from simulator import evaluate_steps, replay, trace as tracemod, tracegen
from steps import StepCounter

STEPCLIP = [sys.executable, "-m", "host_tools.cli"]


def cli(*args):
    return subprocess.run(STEPCLIP + list(args), capture_output=True, text=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Three generated recordings: a belt walk with its true count, one listed with a wrong count, a ride."""
    d = tmp_path_factory.mktemp("recordings")
    walk = tracegen.generate([("stand", 5), ("walk", 60), ("stand", 5)], rate_hz=100, seed=3)
    walk.write_csv(d / "walk.csv")
    tracegen.generate([("sit", 5), ("ride", 60)], rate_hz=100, seed=4).write_csv(d / "ride.csv")
    (d / "index.csv").write_text(
        "file,position,activity,true_steps\n"
        f"walk.csv,belt,walking,{walk.true_steps}\n"
        f"walk.csv,hip,walking,{2 * walk.true_steps}\n"
        "ride.csv,belt,riding a bus,0\n")
    return d, walk.true_steps


def test_eval_reports_files_groups_and_both_runtimes_agree(folder):
    d, true = folder
    results = {rt: evaluate_steps.evaluate(d, runtime=rt) for rt in replay.SIMULATED}
    assert results["micropython"]["files"] == results["cpython"]["files"]
    r = results["micropython"]
    walk, doubled, ride = r["files"]
    assert walk["counted"] == doubled["counted"] and abs(walk["counted"] - true) <= 0.02 * true
    assert doubled["error"] == walk["counted"] - 2 * true
    s = r["summary"]
    assert s["belt"]["files"] == 2 and s["belt"]["true"] == 3 * true
    assert s["belt"]["abs_error_pct"] == pytest.approx(
        100 * (abs(walk["error"]) + abs(doubled["error"])) / (3 * true), abs=0.01)
    assert s["by_position"]["hip"]["files"] == 1
    assert s["non_walking"]["files"] == 1 and s["non_walking"]["false_steps"] == ride["counted"]
    assert s["worst_walking_file"]["file"] == "walk.csv" and s["worst_walking_file"]["error_pct"] < -40


def test_counting_many_recordings_in_one_run_equals_a_full_replay(folder):
    d, _ = folder
    r = evaluate_steps.evaluate(d)
    for f in r["files"][::2]:
        assert replay.replay(d / f["file"])["steps"] == f["counted"]


def test_cli_table_json_and_max_error_gate(folder):
    d, _ = folder
    proc = cli("sim", "eval", "steps", str(d), "--max-error", "60")
    assert proc.returncode == 0, proc.stderr
    assert "belt level (lower back, waist, hip): 2 files" in proc.stdout
    proc = cli("sim", "eval", "steps", str(d), "--json", "--max-error", "5")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["summary"]["belt"]["abs_error_pct"] > 5
    assert proc.stderr.startswith("stepclip: error: belt-level absolute error rate") and "Traceback" not in proc.stderr


def test_cli_bad_folder_and_index_say_what_is_wrong(tmp_path):
    proc = cli("sim", "eval", "steps", str(tmp_path))
    assert proc.returncode == 1 and "index.csv: no such file" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "index.csv").write_text("file,position,activity,true_steps\nnone.csv,belt,walking,10\n")
    proc = cli("sim", "eval", "steps", str(tmp_path))
    assert proc.returncode == 1 and "recording none.csv not found" in proc.stderr
    (tmp_path / "index.csv").write_text("file,position,true_steps\n")
    proc = cli("sim", "eval", "steps", str(tmp_path))
    assert proc.returncode == 1 and "missing column activity" in proc.stderr


@pytest.fixture(scope="module")
def shared(datasets):
    return evaluate_steps.evaluate(datasets / "steps")


def test_every_shared_recording_is_counted(shared):
    assert len(shared["files"]) >= 100
    assert all(f["counted"] >= 0 and f["seconds"] > 0 for f in shared["files"])


def test_all_recordings_net_error_and_non_walking_false_steps_meet_the_targets(shared):
    s = shared["summary"]
    assert s["all_with_true_count"]["net_error_pct"] <= 5
    assert s["non_walking"]["false_steps_per_10min"] <= 1


@pytest.mark.parametrize("rate", [25, 100])
def test_non_walking_recordings_give_at_most_one_false_step_per_10_minutes_at_the_other_imu_rates(datasets, rate):
    """The supported IMUs run at 25 to 100 Hz. A run's timing slack is a time: at 25 Hz a whole sample
    (40 ms) let driving's irregular swings start walks (32 false steps in 85 minutes)."""
    rows = [r for r in evaluate_steps.read_index(datasets / "steps") if r["true"] == 0]
    steps, samples, got = evaluate_steps.count_all(rows, "cpython", overrides={"rate_hz": rate})
    assert got == rate and len(rows) >= 5
    assert sum(steps) <= sum(samples) / rate / 600


def broken_runs(acc, rate):
    """Runs of three or more regular swings that broke up before they started a walk."""
    s = fw_settings.defaults()
    c = StepCounter(rate, 32768 // 4, s)
    n = last = 0
    buf = array("h", evaluate_steps.chip_counts(acc, 4).tobytes())
    for j in range(0, len(buf), 3):
        c.scan(buf, j, j + 3)  # a sample at a time, to see every run break
        if c.run < last and 3 <= last < s["step_start_run"]:
            n += 1
        last = c.run
    return n


def test_driving_makes_as_many_near_walks_at_25_50_and_100_hz(datasets):
    """Hands on the wheel swing the wrist in runs of regular-looking swings that must break up before
    they start a walk. How many get three swings long must not depend on the IMU rate: with one sample
    of timing slack (40 ms at 25 Hz, 10 ms at 100 Hz) they were 78, 64 and 46."""
    rows = [r for r in evaluate_steps.read_index(datasets / "steps") if r["true"] == 0 and "driv" in r["activity"]]
    assert rows
    trace = tracemod.load(rows[0]["path"])
    runs = {rate: broken_runs(tracemod.resample(trace, rate)[:, :3], rate) for rate in (25, 50, 100)}
    assert runs[50] >= 20
    assert abs(runs[25] - runs[50]) <= 0.15 * runs[50] and abs(runs[100] - runs[50]) <= 0.15 * runs[50], runs


@pytest.mark.xfail(strict=True, reason="targets not met yet: belt-level absolute error <= 2 % (measured 2.94 %) and "
                                       "worst walking file within 10 % (measured -22 %, a 12.5 Hz wrist recording "
                                       "whose missed steps leave no trace in the samples); README.md, step counter")
def test_belt_error_and_worst_walking_file_meet_the_targets(shared):
    s = shared["summary"]
    assert s["belt"]["abs_error_pct"] <= 2
    assert abs(s["worst_walking_file"]["error_pct"]) <= 10
