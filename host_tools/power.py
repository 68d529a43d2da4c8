"""Estimated current draw and days per charge for each board: a small model with stated assumptions.

Current = MCU active share + MCU light sleep share + IMU + the rest of the
board + the motor's daily use, averaged over a day. The MCU is active for
the per-sample pipeline (call_equivalents, measured by `stepclip bench`,
times the cost of one empty call on that MCU) and for each FIFO batch
(wake-up, I2C burst at the bus speed, loop overhead); it light-sleeps the
rest of the time. Figures are typical datasheet currents, not
measurements: the point is to compare boards and see what dominates.
"""

from simulator import project

BATTERY_MAH = 500  # a small 3.7 V LiPo
BATTERY_USABLE = 0.85  # down to the regulator's dropout, with ageing
NUDGES_PER_DAY = 8
MOTOR_MA = 75  # 10 mm coin motor at 3 V

# MCU: active mA running MicroPython, light-sleep mA, us per empty Python call, ms to wake.
MCU = {
    "rp2040": {"active_ma": 24.0, "sleep_ma": 1.4, "call_us": 9.0, "wake_ms": 1.0,
               "source": "RP2040/Pico datasheets: ~24 mA busy at 125 MHz, ~1.4 mA in light sleep (clocks gated)"},
    "esp32": {"active_ma": 40.0, "sleep_ma": 0.8, "call_us": 5.0, "wake_ms": 0.5,
              "source": "ESP32 datasheet: 30-50 mA at 160 MHz with radio off, 0.8 mA light-sleep"},
}
# IMU, accelerometer only at about 50 Hz, FIFO on, gyroscope off.
IMU_MA = {
    "mpu6050": (0.50, "MPU-6050 datasheet: accelerometer-only normal mode 500 uA"),
    "mpu6500": (0.45, "MPU-6500 datasheet: accelerometer low-noise mode 450 uA"),
    "mpu6886": (0.39, "MPU-6886 datasheet: accelerometer low-noise mode 390 uA"),
    "lsm6dsox": (0.17, "LSM6DSOX datasheet: accelerometer high-performance mode 170 uA"),
    "lsm6ds3": (0.24, "LSM6DS3 datasheet: accelerometer high-performance mode 240 uA"),
    "qmi8658": (0.18, "QMI8658A datasheet: accelerometer-only normal mode about 180 uA"),
    "bmi160": (0.18, "BMI160 datasheet: accelerometer alone in normal mode about 180 uA (925 uA with the gyroscope)"),
}
# What else on the board draws from the battery while the clip runs.
BOARD_MA = {
    "pico_mpu6050": (0.8, "GY-521 power LED (0.5 mA, remove it) and its LDO; Pico RT6150 quiescent"),
    "pico_bmi160": (0.8, "BMI160 breakout power LED (about 0.5 mA, remove it) and its LDO; Pico RT6150 quiescent"),
    "esp32_devkitc_mpu6050": (7.5, "DevKitC AMS1117 LDO quiescent ~5 mA, power LED ~2 mA, GY-521 LED 0.5 mA"),
    "nano_rp2040_connect": (1.5, "MP2322 buck quiescent, NINA-W102 held in reset, power LED ~1 mA"),
    "m5_atom_matrix": (8.0, "25 WS2812C LEDs idle at ~0.3 mA each, 3.3 V regulator"),
    "waveshare_rp2040_lcd128": (0.4, "ME6217 LDO quiescent, LCD in sleep and backlight off, charger"),
}
I2C_BITS_PER_BYTE = 9
BATCH_OVERHEAD_MS = 0.5  # Python around each FIFO read: count, checks, the loop pass
SECOND_OVERHEAD_MS = 1.0  # posture and coach once a second


def assumptions():
    lines = [f"battery {BATTERY_MAH} mAh LiPo, {BATTERY_USABLE:.0%} usable, through a linear regulator "
             f"(battery current = board current)",
             f"motor {MOTOR_MA} mA, {NUDGES_PER_DAY} nudges a day of the default pattern and the goal's once",
             f"per FIFO batch: wake-up, I2C burst at the board's bus speed, {BATCH_OVERHEAD_MS} ms of Python; "
             f"{SECOND_OVERHEAD_MS} ms a second for posture and coach",
             "per sample, RP2040 boards: measured on the emulated RP2040 (stepclip bench, pico.us_per_sample) "
             "when it ran, else as ESP32 boards: call_equivalents (stepclip bench) x the MCU's empty-call time "
             "(a datasheet-based guess)",
             "measured: per-sample cost (unix port and emulated RP2040); from datasheets: every current, "
             "the ESP32's empty-call time, wake-up times"]
    lines += [f"{k}: {v['source']}; empty call ~{v['call_us']} us, wake-up {v['wake_ms']} ms"
              for k, v in MCU.items()]
    lines += [f"{k}: {v[1]}" for k, v in IMU_MA.items()]
    lines += [f"{k}: {v[0]} mA, {v[1]}" for k, v in BOARD_MA.items()]
    return lines


def estimate(desc, call_equivalents, s=None, pico_us=None):
    """Average mA and days per charge for board description `desc` with settings `s` (defaults).

    `pico_us`: the per-sample pipeline measured on the emulated RP2040 (`stepclip bench`); it replaces
    call_equivalents x the empty-call time for RP2040 boards.
    """
    project.use_firmware()
    import settings
    from imu import driver, output_rate

    s = s or settings.defaults()
    mcu = MCU[desc["mcu"]]
    rate = output_rate(desc["imu"], s["rate_hz"])
    batches = 1000 / s["poll_ms"]
    frame = driver(desc["imu"]).FRAME
    i2c_ms = rate / batches * frame * I2C_BITS_PER_BYTE * 1000 / desc["i2c"].get("freq", 400000)
    measured = pico_us is not None and desc["mcu"] == "rp2040"
    sample_us = pico_us if measured else call_equivalents * mcu["call_us"]
    active_ms = (rate * sample_us / 1000
                 + batches * (mcu["wake_ms"] + i2c_ms + BATCH_OVERHEAD_MS) + SECOND_OVERHEAD_MS)
    active = min(active_ms / 1000, 1.0)
    motor_ms = NUDGES_PER_DAY * sum(s["nudge_pattern_ms"][0::2]) + sum(s["goal_pattern_ms"][0::2])  # goal: once
    motor_ma = MOTOR_MA * motor_ms / 86400000
    ma = (active * mcu["active_ma"] + (1 - active) * mcu["sleep_ma"] + IMU_MA[desc["imu"]][0]
          + BOARD_MA.get(desc["name"], (0.0, ""))[0] + motor_ma)
    return {"ma": round(ma, 2), "active_pct": round(100 * active, 1), "rate_hz": rate,
            "sample_us": round(sample_us, 1), "sample_us_from": "emulated RP2040" if measured else "ratio",
            "days": round(BATTERY_MAH * BATTERY_USABLE / ma / 24, 1)}


def all_boards(call_equivalents, pico_us=None):
    return {name: estimate(project.board(name), call_equivalents, pico_us=pico_us) for name in project.board_names()}
