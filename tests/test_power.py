"""The battery-life model behind `stepclip bench`."""

import pytest

from host_tools import power
from simulator import project


@pytest.mark.parametrize("name", project.board_names())
def test_every_board_gets_an_estimate_from_its_own_parts(name):
    desc = project.board(name)
    e = power.estimate(desc, call_equivalents=25)
    mcu = power.MCU[desc["mcu"]]
    floor = mcu["sleep_ma"] + power.IMU_MA[desc["imu"]][0] + power.BOARD_MA[name][0]
    assert floor < e["ma"] < floor + mcu["active_ma"] * e["active_pct"] / 100 + 0.1
    assert e["days"] == pytest.approx(power.BATTERY_MAH * power.BATTERY_USABLE / e["ma"] / 24, abs=0.06)  # both rounded


def test_a_costlier_pipeline_a_faster_imu_and_more_nudges_cost_current():
    desc = project.board("pico_mpu6050")
    base = power.estimate(desc, 25)
    assert power.estimate(desc, 50)["ma"] > base["ma"]
    s = __import__("settings").defaults()
    s["rate_hz"] = 100
    assert power.estimate(desc, 25, s)["active_pct"] > base["active_pct"]
    s = __import__("settings").defaults()
    s["nudge_pattern_ms"] = (2000, 200, 2000, 200, 2000)
    assert power.estimate(desc, 25, s)["ma"] > base["ma"]


def test_the_assumptions_name_every_figure_used():
    text = "\n".join(power.assumptions())
    for key in list(power.MCU) + list(power.IMU_MA) + list(power.BOARD_MA):
        assert f"{key}:" in text
    assert f"{power.BATTERY_MAH} mAh" in text
