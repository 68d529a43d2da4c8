"""The battery-life model behind `stepclip bench`: currents by part, chip-state shares from the ledger."""

import pytest

from host_tools import power
from simulator import project

SLEEPY = {"run": 0.02, "wfi": 0.0, "lightsleep": 0.98, "dormant": 0.0}


@pytest.mark.parametrize("name", project.board_names())
def test_every_board_gets_an_estimate_from_its_own_parts(name):
    desc = project.board(name)
    e = power.estimate(desc, call_equivalents=25, shares=SLEEPY)
    assert sum(e["ma_by_part"].values()) == pytest.approx(e["ma"], abs=0.005)
    assert e["ma_by_part"]["imu"] == power.IMU_MA[desc["imu"]][0]
    assert e["ma_by_part"]["board"] == power.BOARD_MA[name][0]
    assert e["measured"] == (desc["mcu"] == "rp2040")
    if e["measured"]:
        mcu = power.MCU["rp2040"]
        assert e["ma_by_part"]["mcu_run"] == pytest.approx(0.02 * mcu["run_ma"], abs=0.001)
        assert e["ma_by_part"]["mcu_sleep"] == pytest.approx(0.98 * mcu["lightsleep_ma"], abs=0.001)
        assert e["awake_pct"] == 2.0
    assert e["days"] == pytest.approx(power.BATTERY_MAH * power.BATTERY_USABLE / e["ma"] / 24, abs=0.06)


def test_more_time_awake_a_costlier_model_pipeline_and_more_nudges_cost_current():
    pico = project.board("pico_mpu6050")
    base = power.estimate(pico, 25, shares=SLEEPY)
    awake = power.estimate(pico, 25, shares={"run": 0.1, "wfi": 0.0, "lightsleep": 0.9, "dormant": 0.0})
    assert awake["ma"] > base["ma"]
    deeper = power.estimate(pico, 25, shares={"run": 0.02, "wfi": 0.0, "lightsleep": 0.0, "dormant": 0.98})
    assert deeper["ma"] < base["ma"]
    esp = project.board("esp32_devkitc_mpu6050")
    assert power.estimate(esp, 50)["ma"] > power.estimate(esp, 25)["ma"]
    s = __import__("settings").defaults()
    s["nudge_pattern_ms"] = (2000, 200, 2000, 200, 2000)
    assert power.estimate(pico, 25, s, shares=SLEEPY)["ma"] > base["ma"]


def test_the_assumptions_name_every_figure_used():
    text = "\n".join(power.assumptions())
    for key in list(power.MCU) + list(power.IMU_MA) + list(power.BOARD_MA):
        assert f"{key}:" in text
    assert f"{power.BATTERY_MAH} mAh" in text


def fake_ledger(run, imu_day_shares):
    return {"day_shares": {"run": run, "wfi": 0.0, "lightsleep": 1 - run, "dormant": 0.0},
            "day_shares_no_rest": {"run": 4 * run, "wfi": 0.0, "lightsleep": 1 - 4 * run, "dormant": 0.0},
            "imu_day_shares": imu_day_shares}


def test_a_board_with_a_ledger_of_its_own_is_measured_from_it_and_the_others_borrow_the_default_boards():
    ledgers = {"pico_mpu6050": fake_ledger(0.01, {"normal 50 Hz, gyro off": 0.25, "low power 20 Hz": 0.75}),
               "pico_bmi160": fake_ledger(0.005, {"normal 50 Hz": 0.5, "low power 25 Hz": 0.5}),
               "waveshare_rp2040_lcd128": fake_ledger(0.02, {"normal 125 Hz": 0.6, "wake on motion 21 Hz": 0.4})}
    out = power.all_boards(25, ledgers)
    run_ma = power.MCU["rp2040"]["run_ma"]
    mpu, bmi, wave = out["pico_mpu6050"], out["pico_bmi160"], out["waveshare_rp2040_lcd128"]
    nano = out["nano_rp2040_connect"]
    assert mpu["ledger_board"] == "pico_mpu6050" and bmi["ledger_board"] == "pico_bmi160"
    assert wave["ledger_board"] == "waveshare_rp2040_lcd128"
    assert mpu["ma_by_part"]["mcu_run"] == pytest.approx(0.01 * run_ma, abs=0.001)
    assert mpu["ma_by_part"]["imu"] == pytest.approx(0.25 * 0.50 + 0.75 * 0.070, abs=0.001)  # its own modes
    assert bmi["ma_by_part"]["mcu_run"] == pytest.approx(0.005 * run_ma, abs=0.001)
    assert bmi["ma_by_part"]["imu"] == pytest.approx(0.5 * power.IMU_MA["bmi160"][0] + 0.5 * 0.010, abs=0.001)
    assert wave["ma_by_part"]["imu"] == pytest.approx(0.6 * 0.134 + 0.4 * 0.042, abs=0.001)  # table 15
    # a board whose IMU the emulator does not carry, and that does not rest: the default board's chip at the
    # full rate all night, its own IMU in normal mode all day
    assert nano["ledger_board"] == "pico_mpu6050"
    assert nano["ma_by_part"]["mcu_run"] == pytest.approx(0.04 * run_ma, abs=0.001)
    assert nano["ma_by_part"]["imu"] == power.IMU_MA["lsm6dsox"][0]
    assert "ledger_board" not in out["esp32_devkitc_mpu6050"] and not out["esp32_devkitc_mpu6050"]["measured"]
