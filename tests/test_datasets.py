"""Every shared real recording replays through the firmware on MicroPython without error.

Skipped, saying where it looked, when ../shared/datasets (or $STEPCLIP_DATASETS) is absent.
"""

import csv
import math

import pytest

from simulator import project, replay


def recordings():
    d = project.datasets_dir()
    out = []
    for index in (d / "steps" / "index.csv", d / "posture" / "index.csv"):
        if index.is_file():
            with open(index, newline="") as f:
                out += [index.parent / row["file"] for row in csv.DictReader(f)]
    return out or [None]


@pytest.mark.parametrize("path", recordings(), ids=lambda p: p.name if p else "none")
def test_recording_replays_on_micropython(datasets, path):
    r = replay.replay(path, runtime="micropython", overrides={"worn_rest_s": 0})  # every sample (rests: test_rest.py)
    assert r["samples"] == pytest.approx(r["seconds"] * r["rate_hz"], abs=r["rate_hz"])
    # minutes follow the MCU clock, which stops within one FIFO poll of the last sample
    assert r["samples"] / r["rate_hz"] <= r["clock_s"] < r["samples"] / r["rate_hz"] + 1
    assert math.ceil(r["samples"] / r["rate_hz"] / 60) <= len(r["minutes"]) <= math.ceil(r["clock_s"] / 60)
    assert sum(m["steps"] for m in r["minutes"]) == r["steps"]
    assert r["errors"] == {"i2c": 0, "flash": 0, "fifo_overflows": 0, "imu_stalls": 0, "imu_line_held": 0}
