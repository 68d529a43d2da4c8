"""Current draw and days per charge for each board, part by part.

Current = MCU running + MCU asleep + IMU + the rest of the board + the
motor's daily use, averaged over a worn day. For RP2040 boards the time in
each chip state is measured: the emulated Pico's ledger
(simulator/pico/ledger.mjs). ESP32 boards stay a model (awake for the
pipeline and the I2C bursts). Every current is a datasheet figure or a
published measurement, named beside it and in boards/README.md.
"""

from simulator import project
from simulator.currents import (BATTERY_MAH, BATTERY_USABLE, BOARD_MA, IMU_MA, IMU_MODE_SOURCE, MCU,  # noqa: F401 (power's API)
                                MOTOR_MA, imu_mode_ma)

NUDGES_PER_DAY = 8
I2C_BITS_PER_BYTE = 9
STATES = ("run", "wfi", "lightsleep", "dormant")


def assumptions():
    lines = [f"battery {BATTERY_MAH} mAh LiPo, {BATTERY_USABLE:.0%} usable, through a linear regulator "
             f"(battery current = board current)",
             f"motor {MOTOR_MA} mA, {NUDGES_PER_DAY} nudges a day of the default pattern and the goal's once",
             "RP2040 boards (measured): the share of a worn day in each chip state is the emulated Pico's "
             "ledger (pico.ledger: a short worn replay of each activity, USB out, weighted by the demo "
             "day's minutes with the rest of the 24 h off the body), on the board itself where the emulator "
             "carries its IMU (pico_mpu6050, pico_bmi160, waveshare_rp2040_lcd128: `ledger_board`), else on "
             "pico_mpu6050 with the IMU at the full rate all day",
             "ESP32 boards (model): awake for the per-sample pipeline (call_equivalents x the empty-call "
             "time) and each FIFO batch's I2C burst at the bus speed, light sleep the rest",
             "every current from a datasheet or a published measurement (boards/README.md)"]
    lines += [f"{k}: {v['source']}; empty call ~{v['call_us']} us" for k, v in MCU.items()]
    lines += [f"{k}: {v[1]}" for k, v in IMU_MA.items()]
    lines += [f"{k} by mode (its emulated model's ledger): {v}" for k, v in IMU_MODE_SOURCE.items()]
    lines += [f"{k}: {v[0]} mA, {v[1]}" for k, v in BOARD_MA.items()]
    return lines


def imu_ma(desc, imu_shares=None):
    """The IMU's mean current: from the share of a worn day in each of its modes on the emulated chip (its
    own model's ledger), measured; else its normal mode all day."""
    if not imu_shares:
        return IMU_MA[desc["imu"]][0]
    total = sum(imu_shares.values())
    return sum(f / total * imu_mode_ma(desc["imu"], mode) for mode, f in imu_shares.items())


def estimate(desc, call_equivalents, s=None, shares=None, imu_shares=None):
    """Average mA, days per charge and each part's mA for board description `desc` with settings `s`.

    `shares`: the fraction of a worn day in each chip state (STATES), from the emulated RP2040's
    ledger; it is used for RP2040 boards (`measured`), the others are modelled. `imu_shares`: the
    fraction in each of the board's own IMU's modes, from the same ledger (None: normal mode all day).
    """
    project.use_firmware()
    import settings
    from imu import driver, output_rate

    s = s or settings.defaults()
    mcu = MCU[desc["mcu"]]
    measured = shares is not None and desc["mcu"] == "rp2040"
    if measured:
        total = sum(shares[k] for k in STATES)
        frac = {k: shares[k] / total for k in STATES}
        mcu_run = frac["run"] * mcu["run_ma"] + frac["wfi"] * mcu["wfi_ma"]
        mcu_sleep = frac["lightsleep"] * mcu["lightsleep_ma"] + frac["dormant"] * mcu["dormant_ma"]
        awake = frac["run"] + frac["wfi"]
    else:
        rate = output_rate(desc["imu"], s["rate_hz"])
        batches = 1000 / s["poll_ms"]
        frame = driver(desc["imu"]).FRAME
        i2c_ms = rate / batches * frame * I2C_BITS_PER_BYTE * 1000 / desc["i2c"].get("freq", 400000)
        awake = min((rate * call_equivalents * mcu["call_us"] / 1000 + batches * i2c_ms) / 1000, 1.0)
        mcu_run = awake * mcu["run_ma"]
        mcu_sleep = (1 - awake) * mcu["lightsleep_ma"]
    motor_ms = NUDGES_PER_DAY * sum(s["nudge_pattern_ms"][0::2]) + sum(s["goal_pattern_ms"][0::2])  # goal: once
    parts = {"mcu_run": mcu_run, "mcu_sleep": mcu_sleep, "imu": imu_ma(desc, imu_shares if measured else None),
             "board": BOARD_MA.get(desc["name"], (0.0, ""))[0], "motor": MOTOR_MA * motor_ms / 86400000}
    ma = sum(parts.values())
    return {"ma": round(ma, 3), "days": round(BATTERY_MAH * BATTERY_USABLE / ma / 24, 1),
            "awake_pct": round(100 * awake, 2), "measured": measured,
            "ma_by_part": {k: round(v, 3) for k, v in parts.items()},
            "biggest": max(parts, key=parts.get)}


def all_boards(call_equivalents, ledgers=None):
    """estimate() of every board; `ledgers`: {board: `pico.ledger`} of the bench for the boards whose IMU the
    emulated chip carries, None where it could not run. A board with a ledger of its own is measured from it
    (chip states and IMU modes, its rests as its firmware took them); another RP2040 board takes the default
    board's chip states with the night spent at the full rate (day_shares_no_rest) and its IMU in normal mode
    all day: whatever rest its IMU has is not measured, so not charged (an upper bound)."""
    ledgers = ledgers or {}
    out = {}
    for name in project.board_names():
        desc = project.board(name)
        own = name in ledgers
        source = name if own else project.DEFAULT_BOARD
        led = ledgers.get(source)
        shares = imu_shares = None
        if led:
            shares = led["day_shares"] if own else led["day_shares_no_rest"]
            imu_shares = led["imu_day_shares"] if own else None
        est = estimate(desc, call_equivalents, shares=shares, imu_shares=imu_shares)
        if est["measured"]:
            est["ledger_board"] = source
        out[name] = est
    return out
