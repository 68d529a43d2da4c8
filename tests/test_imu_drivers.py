"""Every IMU driver against its chip's register model, on CPython and on the unix-port MicroPython.

The scenarios live in simulator/unix/imu_check.py so that both
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
    "bmi160": (0x68, 0xD1, "BMI160", 50, "mpu6050"),
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


CUTS = (0, 1, 9, 20)  # bytes a broken burst has taken


def _scenarios(chip, ramp, flash):
    addr, _, _, _, other = CHIP_FACTS[chip]
    calls = {"fifo": ["fifo", chip, addr, ramp], "stops": ["stops_answering", chip, addr, ramp, flash],
             "wrong": ["wrong_chip", chip, addr, ramp, other], "alloc": ["read_allocates", chip, addr, ramp]}
    for cut in CUTS:
        calls[f"broken_{cut}"] = ["broken_burst", chip, addr, ramp, cut]
    return calls


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
            f"import sys, json\nsys.path.insert(0, {str(project.CHIPS)!r})\nsys.path.insert(0, {str(project.UNIX)!r})\nsys.path.insert(0, {str(project.FIRMWARE)!r})\n"
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


def _index(sample):
    """Which ramp sample this is (its x reads k mg at 4 g full scale)."""
    return round(sample[0] * 1000 / 8192)


# What a burst that broke off after `cut` bytes costs, by how each chip's FIFO hands out data (imu/README.md):
# (samples lost, or None where the FIFO is emptied; whether the driver had to put the FIFO back on a frame).
BROKEN_BURST_COST = {
    "mpu6050": lambda cut: (-(-cut // 6), cut % 6 != 0),  # each byte read leaves; a part-read frame's rest is dropped
    "mpu6500": lambda cut: (-(-cut // 6), cut % 6 != 0),
    "mpu6886": lambda cut: (-(-cut // 8), cut % 8 != 0),
    "lsm6dsox": lambda cut: (cut // 7, False),  # a 7-byte word leaves once its last byte is read
    "lsm6ds3": lambda cut: (-(-(cut // 2) // 3), cut // 2 % 3 != 0),  # 2-byte words leave; a sample's rest is dropped
    "qmi8658": lambda cut: (None, True),  # a read left in FIFO_RD_MODE: where it stopped is unknown, FIFO emptied
    "bmi160": lambda cut: (cut // 6, False),  # whole frames leave; a part-read frame comes again
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("chip", CHIPS)
def test_a_broken_burst_costs_what_it_took_and_the_fifo_goes_on_aligned(scenario, chip, cut, runtime):
    rate = CHIP_FACTS[chip][3]
    r = scenario(chip, f"broken_{cut}", runtime)
    assert r["failed"] and not r["reinit"] and r["overflows"] == 0
    before = [_index(s) for s in r["before"]]
    after = [_index(s) for s in r["after"]]
    assert before == list(range(_due(330, rate)))
    lost, resynced = BROKEN_BURST_COST[chip](cut)
    first = _due(660, rate) if lost is None else len(before) + lost
    assert after == list(range(first, _due(860, rate)))  # whole samples, in order, none twice
    assert all(s[2] == 8192 for s in r["after"])
    assert r["resyncs"] == resynced


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


def test_an_lsm6ds3_whose_burst_does_not_wrap_is_read_a_word_at_a_time(ramp, monkeypatch):
    """The datasheet does not say that a burst wraps from FIFO_DATA_OUT_H back to _L: the first burst after
    init is checked with FIFO_PATTERN; if it did not wrap, that batch is dropped and the driver reads one
    word per transfer from then on, losing nothing more."""
    from lsm6dsox_model import LSM6DS3Model

    monkeypatch.setattr(LSM6DS3Model, "BURST_WRAPS", False)
    clock, bus, model = imu_check._rig("lsm6ds3", 0x6A, ramp, 50)
    imu = imu_check.open_imu("lsm6ds3", bus, 0x6A, 50, 4)
    buf = imu_check.array("h", bytes(6 * imu.max_batch))
    clock.sleep_ms(330)
    assert imu_check._drain(imu, buf, []) == []  # the first burst read registers past the FIFO: dropped
    assert imu._split and imu.resyncs == 1
    clock.sleep_ms(330)
    got = [_index(s) for s in imu_check._drain(imu, buf, [])]
    model.close()
    assert got == list(range(1, _due(660, 52)))  # only the sample the first burst broke into is lost


def test_a_fifo_frame_other_than_the_tables_is_named(ramp, monkeypatch):
    """The FIFO count after whole samples gives the frame size: an MPU-6886 writing no TEMP_OUT into its FIFO
    (6-byte frames, not the 8 of the table) is caught at the first read."""
    from mpu6500_model import MPU6886Model
    from imu.fifo import IMUError

    monkeypatch.setattr(MPU6886Model, "TEMP_IN_ACCEL_FRAME", False)
    clock, bus, model = imu_check._rig("mpu6886", 0x68, ramp, 50)
    imu = imu_check.open_imu("mpu6886", bus, 0x68, 50, 4)
    clock.sleep_ms(100)  # 5 samples: 30 bytes
    with pytest.raises(IMUError, match="MPU-6886 FIFO holds 30 bytes, not whole 8-byte frames"):
        imu.read(imu_check.array("h", bytes(6 * imu.max_batch)))
    model.close()
