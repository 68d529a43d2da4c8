"""Board descriptions: the schema, and each board's IMU model running the firmware."""

import copy
import json

import pytest

from simulator import boards
from simulator import project, replay, trace as tracemod, tracegen

NAMES = project.board_names()


def test_at_least_the_five_boards_of_the_guide():
    assert {"pico_mpu6050", "esp32_devkitc_mpu6050", "nano_rp2040_connect", "m5_atom_matrix",
            "waveshare_rp2040_lcd128"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_board_follows_the_schema(name):
    assert boards.problems(json.loads((project.BOARDS / f"{name}.json").read_text()), name) == []


@pytest.mark.parametrize("change, problem", [
    (lambda d: d.pop("motor"), "no 'motor'"),
    (lambda d: d.update(imu="bmi999"), "imu 'bmi999' is not one of"),
    (lambda d: d.update(arch="armv7m"), "arch for rp2040 is armv6m, not 'armv7m'"),
    (lambda d: d.update(imu_addr="0x99"), "imu_addr '0x99' is not a 7-bit I2C address"),
    (lambda d: d["motor"].update(pin=4), "two functions share a pin"),
    (lambda d: d.update(button={"pin": 3, "pull": "sideways"}), "button is null or takes a pin and pull"),
    (lambda d: d.update(colour="red"), "unknown key 'colour'"),
    (lambda d: d.update(imu_int={"pin": 14, "line": "INT"}), "two functions share a pin"),
    (lambda d: d.update(imu_int={"pin": 6}), "imu_int is null or takes a pin and the IMU's line"),
])
def test_the_schema_names_what_is_wrong(change, problem):
    desc = copy.deepcopy(json.loads((project.BOARDS / "pico_mpu6050.json").read_text()))
    change(desc)
    assert any(p.startswith(problem) for p in boards.problems(desc))


def test_loading_an_unknown_board_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown board 'nope' \\(known: esp32_devkitc_mpu6050, "):
        boards.load("nope")


@pytest.fixture(scope="module")
def walk():
    g = tracegen.generate([("walk", 40)], rate_hz=100, seed=5)
    return tracemod.Trace("<generated>", g.t, g.acc, g.gyro)


@pytest.mark.parametrize("name", NAMES)
def test_every_board_counts_steps_through_its_own_imu_model(name, walk):
    """The rig picks the model of the board's chip; the firmware counts the same walk on each."""
    r = replay.replay(walk, runtime="cpython", board_name=name)
    desc = project.board(name)
    assert r["rate_hz"] == __import__("imu").output_rate(desc["imu"], 50)
    assert r["errors"] == {"i2c": 0, "flash": 0, "fifo_overflows": 0, "imu_stalls": 0, "imu_line_held": 0}
    assert 55 <= r["steps"] <= 80  # 40 s at about 110 steps a minute: ~73


def test_a_restart_keeps_the_log_and_the_learned_upright_direction(tmp_path):
    """Runs on one flash, as a watchdog reset or a power cut leaves it: nothing learned is lost."""
    def trace(schedule, seed):
        g = tracegen.generate(schedule, rate_hz=50, seed=seed)
        return tracemod.Trace("<generated>", g.t, g.acc, g.gyro)

    first = replay.replay(trace([("walk", 90), ("sit", 60)], 8), runtime="micropython", flash=tmp_path / "clip")
    assert json.loads((tmp_path / "clip" / "settings.json").read_text())["upright_mg"] != [0, 0, 0]
    sit = trace([("sit", 90)], 9)
    again = replay.replay(sit, runtime="micropython", flash=tmp_path / "clip")
    fresh = replay.replay(sit, runtime="micropython", flash=tmp_path / "new")
    assert again["posture_changes"] == [[3, "sitting"]]  # it knows upright without walking first
    assert fresh["posture_changes"] == []  # a new clip cannot tell sitting from standing yet
    assert len(again["minutes"]) == len(first["minutes"]) + len(fresh["minutes"])  # the first run's log is kept
