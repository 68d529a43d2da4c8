"""Every IMU driver against its chip's register model, on CPython and on the unix-port MicroPython.

The scenarios live in simulator/device/imu_check.py so that both
interpreters run the very same code; here their answers are held to what
the datasheets promise.
"""

import json
import subprocess

import numpy as np
import pytest

import imu_check
from imu import CHIPS

from simulator import project, trace as tracemod

# chip -> (I2C address, WHO_AM_I, name, rate the driver gives for 50 Hz, a chip of another family)
CHIP_FACTS = {
    "mpu6050": (0x68, 0x68, "MPU-6050", 50, "lsm6dsox"),
    "mpu6500": (0x68, 0x70, "MPU-6500", 50, "mpu6050"),
    "mpu6886": (0x68, 0x19, "MPU-6886", 50, "qmi8658"),
    "lsm6dsox": (0x6A, 0x6C, "LSM6DSOX", 52, "mpu6886"),
    "lsm6ds3": (0x6A, 0x69, "LSM6DS3", 52, "lsm6dsox"),
    "qmi8658": (0x6B, 0x05, "QMI8658", 125, "lsm6ds3"),
}
RUNTIMES = ("cpython", "micropython")


def test_every_chip_has_facts_here():
    assert sorted(CHIP_FACTS) == sorted(CHIPS)


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    """Sample k reads (k mg, -2k mg, 1 g), gyro (k/10 deg/s, 0, 0), whatever the rate."""
    k = np.arange(5000)
    samples = np.stack([k / 1000, -2 * k / 1000, np.ones_like(k), k / 10, 0 * k, 0 * k], axis=1)
    path = tmp_path_factory.mktemp("ramp") / "ramp.bin"
    tracemod.write_stream(samples, path)
    return str(path)


def _scenarios(chip, ramp, flash):
    addr, _, _, _, other = CHIP_FACTS[chip]
    return {"fifo": ["fifo", chip, addr, ramp], "stops": ["stops_answering", chip, addr, ramp, flash],
            "wrong": ["wrong_chip", chip, addr, ramp, other], "alloc": ["read_allocates", chip, addr, ramp]}


@pytest.fixture(scope="module")
def on_micropython(micropython, ramp, tmp_path_factory):
    """All scenarios of all chips, run in one MicroPython process per chip."""
    out = {}
    for chip in CHIPS:
        work = tmp_path_factory.mktemp(chip)
        calls = _scenarios(chip, ramp, str(work / "flash"))
        (work / "flash").mkdir()
        script = work / "run.py"
        script.write_text(
            f"import sys, json\nsys.path.insert(0, {str(project.DEVICE)!r})\nsys.path.insert(0, {str(project.FIRMWARE)!r})\n"
            f"import imu_check\nout = {{}}\nfor key, call in {calls!r}.items():\n"
            f"    out[key] = getattr(imu_check, call[0])(*call[1:])\nprint(json.dumps(out))\n")
        proc = subprocess.run([micropython, "-X", "heapsize=4M", str(script)], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out[chip] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


@pytest.fixture
def scenario(on_micropython, ramp, tmp_path):
    def run(chip, key, runtime):
        if runtime == "micropython":
            return on_micropython[chip][key]
        call = _scenarios(chip, ramp, str(tmp_path))[key]
        return getattr(imu_check, call[0])(*call[1:])

    return run


def _due(ms, rate):
    return ms * rate // 1000


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("chip", CHIPS)
def test_fifo_delivers_each_sample_once_in_order_and_quantised(scenario, chip, runtime):
    rate = CHIP_FACTS[chip][3]
    r = scenario(chip, "fifo", runtime)
    assert r["rate_hz"] == r["model_rate_hz"] == rate
    assert r["lsb_per_g"] == 8192  # 4 g full scale
    got = np.array(r["samples"])
    n = _due(3300, rate)
    assert got.shape == (n, 3)
    k = np.arange(n)
    expected = np.stack([k / 1000 * 8192, -2 * k / 1000 * 8192, np.full(n, 8192)], axis=1)
    assert np.abs(got - expected).max() <= 0.5 + 1 / 16  # one rounding, at the stream's resolution


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("chip", CHIPS)
def test_overflow_is_detected_counted_and_the_fifo_starts_clean(scenario, chip, runtime):
    rate = CHIP_FACTS[chip][3]
    r = scenario(chip, "fifo", runtime)
    assert r["read_after_overflow"] == [] and r["overflows"] == 1
    t = 3300 + imu_check.OVERFLOW_MS
    after = r["after_overflow"]
    assert len(after) == _due(t + 200, rate) - _due(t, rate)
    assert [s[2] for s in after] == [8192] * len(after)  # whole, aligned samples again


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("chip", CHIPS)
def test_a_chip_that_stops_answering_is_counted_and_set_up_again(scenario, chip, runtime):
    rate = CHIP_FACTS[chip][3]
    r = scenario(chip, "stops", runtime)
    assert r["first"] == rate
    assert r["errors"] == 3 and r["errors_after"] == 3
    assert r["samples"] == rate + _due(2800, rate) - _due(1800, rate)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("chip", CHIPS)
def test_a_wrong_chip_is_named(scenario, chip, runtime):
    addr, who, name, _, other = CHIP_FACTS[chip]
    _, other_who, other_name, _, _ = CHIP_FACTS[other]
    assert scenario(chip, "wrong", runtime) == (
        f"expected {name} (WHO_AM_I 0x{who:02x}) at 0x{addr:02x}, found {other_name} (WHO_AM_I 0x{other_who:02x})")


@pytest.mark.parametrize("chip", CHIPS)
def test_reading_the_fifo_allocates_nothing_on_micropython(on_micropython, chip):
    r = on_micropython[chip]["alloc"]
    assert r["failures"] == 0
    assert r["samples"] == _due(6000, CHIP_FACTS[chip][3])


@pytest.mark.parametrize("chip", CHIPS)
def test_the_loop_drains_a_small_fifo_in_time_whatever_poll_ms_says(chip, ramp, tmp_path):
    """poll_ms at its maximum: the loop still sleeps at most half the time the FIFO takes to fill."""
    import settings
    from clip import Clip
    from imu import open_imu
    from storage import Storage
    from vmotor import VirtualMotor

    clock, bus, model = imu_check._rig(chip, CHIP_FACTS[chip][0], ramp, 50)
    imu = open_imu(chip, bus, CHIP_FACTS[chip][0], 50, 4)
    s = settings.defaults()
    s["poll_ms"] = settings.SCHEMA["poll_ms"][2]
    clip = Clip(imu, clock, VirtualMotor(clock), Storage(str(tmp_path)), s)
    clock.sleep_ms(100)
    wait = clip.step()
    model.close()
    fill_ms = imu.FIFO_SAMPLES * 1000 // CHIP_FACTS[chip][3]
    assert wait == min(s["poll_ms"], fill_ms // 2)
    if chip in ("qmi8658", "mpu6500"):
        assert wait < s["poll_ms"]  # 128 samples at 125 Hz; 85 at 50 Hz
