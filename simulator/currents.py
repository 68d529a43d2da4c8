"""What each part of a clip draws, and its battery: every current a datasheet figure or a published
measurement, named beside it (and in boards/README.md).

host_tools/power.py turns these into a worn day's mean current and days per charge; the emulated
Pico's battery (simulator/pico/ledger.mjs) is drained with them, state by state of the chip's ledger.
"""

from simulator import project

BATTERY_MAH = 500  # a small 3.7 V LiPo
BATTERY_USABLE = 0.85  # down to the regulator's dropout, with ageing
MOTOR_MA = 75  # 10 mm coin motor at 3 V

# MCU currents per chip state. RP2040 boards: the time in each state is the emulated chip's ledger
# (simulator/pico/ledger.mjs, `pico.ledger` of `stepclip bench`); ESP32 boards stay a model.
MCU = {
    "rp2040": {"run_ma": 24.0, "wfi_ma": 24.0, "lightsleep_ma": 1.5, "dormant_ma": 0.9, "call_us": 9.0,
               "source": "RP2040 datasheet ch. 5 (electrical: power consumption tables): ~24 mA running at 125 MHz, WFI at "
                         "the system clock charged as running (upper bound); MicroPython rp2 port, the commit "
                         "adding machine.lightsleep: ~1.5 mA in lightsleep, ~0.9 mA with the crystal dormant "
                         "(a Pico on USB)"},
    "esp32": {"run_ma": 40.0, "lightsleep_ma": 0.8, "call_us": 5.0,
              "source": "ESP32 datasheet (power consumption by power modes table): 30-50 mA at 160 MHz with "
                        "the radio off, 0.8 mA light-sleep"},
}
# IMU, accelerometer only at about 50 Hz, FIFO on, gyroscope off.
IMU_MA = {
    "mpu6050": (0.50, "MPU-6050 datasheet: accelerometer-only normal mode 500 uA"),
    "mpu6500": (0.45, "MPU-6500 datasheet: accelerometer low-noise mode 450 uA"),
    "mpu6886": (0.39, "MPU-6886 datasheet: accelerometer low-noise mode 390 uA"),
    "lsm6dsox": (0.17, "LSM6DSOX datasheet: accelerometer high-performance mode 170 uA"),
    "lsm6ds3": (0.24, "LSM6DS3 datasheet: accelerometer high-performance mode 240 uA"),
    "qmi8658": (0.134, "QMI8658A datasheet rev. A, table 15: accelerometer only, 125 Hz (its rate for a 50 Hz ask) 134 uA"),
    "bmi160": (0.18, "BMI160 datasheet: accelerometer alone in normal mode about 180 uA (925 uA with the gyroscope)"),
}
# The current of each mode the emulated Pico's IMU models name in their ledgers (`imu_s`: "normal 50 Hz, gyro off",
# "low power 20 Hz"; every normal mode is "normal" here), for the boards whose IMU the emulator carries.
MPU6050_MODE_MA = {"normal": 0.50, "low power 1.25 Hz": 0.010, "low power 5 Hz": 0.020, "low power 20 Hz": 0.070,
                   "low power 40 Hz": 0.140, "sleep": 0.005}
BMI160_REST_MA = 0.010
BMI160_MODE_MA = {"normal": IMU_MA["bmi160"][0], "suspend": BMI160_REST_MA,
                  **{f"low power {hz:g} Hz": BMI160_REST_MA for hz in (6.25, 12.5, 25, 50)}}
QMI8658_MODE_MA = {"normal": IMU_MA["qmi8658"][0], "sleep": 0.015,
                   **{f"{mode} {hz} Hz": ma for hz, ma in ((128, 0.055), (21, 0.042), (11, 0.035), (3, 0.030))
                      for mode in ("low power", "wake on motion")}}
IMU_MODE_MA = {"mpu6050": MPU6050_MODE_MA, "bmi160": BMI160_MODE_MA, "qmi8658": QMI8658_MODE_MA,
               "lsm6dsox": {"normal": IMU_MA["lsm6dsox"][0]}}
IMU_MODE_SOURCE = {
    "mpu6050": "MPU-6050 product specification PS-MPU-6000A rev. 3.4, 6.3: accelerometer only 500 uA; low-power "
               "mode 10 / 20 / 70 / 140 uA at 1.25 / 5 / 20 / 40 Hz; idle 5 uA",
    "bmi160": "BMI160 datasheet (BST-BMI160-DS000), power consumption in low power mode, as quoted in "
              "boschsensortec/BMI160_SensorAPI issue #41: about 10 uA at 12.5 Hz with 4 samples averaged (50 "
              "conversions a second); the firmware's low power mode at up to 50 Hz without averaging converts at "
              "most as often: 10 uA is an upper bound, and for its suspend mode too",
    "lsm6dsox": "its normal mode only (IMU_MA): the firmware never rests it, having no line to wake on",
    "qmi8658": "QMI8658A datasheet rev. A (QST 13-52-25), table 15: accelerometer only 134 uA at 125 Hz; low power "
               "55 / 42 / 35 / 30 uA at 128 / 21 / 11 / 3 Hz; table 31: Wake on Motion is that low-power accelerometer "
               "(aEN 1, aODR 11xx), and the sensors off with the clock on (power-on default) 15 uA",
}


def imu_mode_ma(chip, mode):
    """The current of `chip` in `mode` as its emulated model's ledger names it."""
    table = IMU_MODE_MA[chip]
    return table["normal"] if mode.startswith("normal") else table[mode]


# What else on the board draws from the battery while the clip runs.
BOARD_MA = {
    "pico_mpu6050": (0.8, "GY-521 power LED (0.5 mA, remove it) and its LDO; Pico RT6150 quiescent"),
    "pico_bmi160": (0.8, "BMI160 breakout power LED (about 0.5 mA, remove it) and its LDO; Pico RT6150 quiescent"),
    "esp32_devkitc_mpu6050": (7.5, "DevKitC AMS1117 LDO quiescent ~5 mA, power LED ~2 mA, GY-521 LED 0.5 mA"),
    "nano_rp2040_connect": (1.5, "MP2322 buck quiescent, NINA-W102 held in reset, power LED ~1 mA"),
    "m5_atom_matrix": (8.0, "25 WS2812C LEDs idle at ~0.3 mA each, 3.3 V regulator"),
    "waveshare_rp2040_lcd128": (0.4, "ME6217 LDO quiescent, LCD in sleep and backlight off, charger"),
}


def chip_battery(desc, charge=1.0, mah=BATTERY_MAH):
    """The LiPo of an emulated RP2040 board: {mah, soc, ma, curve_mv}: the currents by the ledger's chip
    state, the IMU's by its mode (IMU_MODE_MA: an IMU the emulator carries), `rest` the board all along,
    `motor` while it runs; the cell's curve (simulator/chips/lipo.py)."""
    project.use_firmware()
    import lipo

    mcu = MCU[desc["mcu"]]
    ma = {state: mcu[state + "_ma"] for state in ("run", "wfi", "lightsleep", "dormant")}
    ma["imu"] = dict(IMU_MODE_MA[desc["imu"]])
    ma["rest"] = BOARD_MA.get(desc["name"], (0.0, ""))[0]
    ma["motor"] = MOTOR_MA
    return {"mah": mah, "soc": charge, "ma": ma, "curve_mv": list(lipo.CURVE_MV)}
