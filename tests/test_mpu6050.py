"""The MPU-6050 driver against the register-level model: configuration, FIFO, overflow, faults."""

import numpy as np
import pytest

import settings
from clip import Clip
from imu import open_imu
from imu.fifo import IMUError
from imu.mpu6050 import MPU6050, output_rate
from mpu6050_model import MPU6050Model
from storage import Storage
from vclock import VirtualClock
from vi2c import VirtualI2C
from vmotor import VirtualMotor

from simulator import trace as tracemod


@pytest.fixture
def rig(tmp_path):
    """A bus with a model fed by a known ramp: sample k reads (k mg, -2k mg, 1 g) and gyro (k/10 deg/s, 0, 0)."""
    k = np.arange(3000)
    samples = np.stack([k / 1000, -2 * k / 1000, np.ones_like(k), k / 10, 0 * k, 0 * k], axis=1)
    stream = tmp_path / "s.bin"
    tracemod.write_stream(samples, stream)
    clock = VirtualClock()
    bus = VirtualI2C()
    chip = MPU6050Model(clock, str(stream), 50)
    bus.attach(0x68, chip)
    yield clock, bus, chip
    chip.close()


def drain(imu):
    buf = [0] * (3 * imu.max_batch)
    out = []
    while True:
        n = imu.read(buf)
        out += [tuple(buf[3 * i:3 * i + 3]) for i in range(n)]
        if n < imu.max_batch:
            return out


def test_driver_configures_the_chip(rig):
    clock, bus, chip = rig
    imu = MPU6050(bus, 0x68, rate_hz=50, range_g=8)
    assert imu.rate_hz == chip.output_rate() == 50
    assert imu.lsb_per_g == 4096
    assert chip.regs[0x1C] >> 3 & 3 == 2  # AFS_SEL for 8 g
    assert chip.regs[0x6B] & 0x40 == 0  # awake
    assert chip.regs[0x6C] == 0x07  # gyro in standby: it is not needed
    assert chip.regs[0x23] == 0x08  # only the accelerometer goes into the FIFO
    assert bus.scan() == [0x68]


@pytest.mark.parametrize("asked, given", [(25, 25), (50, 50), (100, 100), (60, 62), (200, 200)])
def test_output_rates(asked, given):
    assert output_rate(asked) == given


def test_fifo_delivers_each_sample_once_in_order_and_quantised(rig):
    clock, bus, chip = rig
    imu = MPU6050(bus, 0x68, rate_hz=50, range_g=4)
    got = []
    for _ in range(10):
        clock.sleep_ms(330)
        got += drain(imu)
    n = 3300 * 50 // 1000
    assert len(got) == n
    k = np.arange(n)
    got = np.array(got)
    expected = np.stack([k / 1000 * 8192, -2 * k / 1000 * 8192, np.full(n, 8192)], axis=1)
    # the stream's own resolution may move a value sitting on a half count by one
    assert np.abs(got - expected).max() <= 0.5 + 1 / 16
    assert (got[:, 2] == 8192).all()


def test_data_registers_hold_the_latest_sample_big_endian(rig):
    clock, bus, chip = rig
    MPU6050(bus, 0x68, rate_hz=50, range_g=2)
    bus.writeto_mem(0x68, 0x6C, b"\x00")  # gyro out of standby
    clock.sleep_ms(1000)  # sample 49 is the latest
    raw = bus.readfrom_mem(0x68, 0x3B, 14)
    words = [int.from_bytes(raw[i:i + 2], "big", signed=True) for i in range(0, 14, 2)]
    assert words[0] == round(0.049 * 16384) and words[1] == round(-0.098 * 16384) and words[2] == 16384
    assert words[4] == round(4.9 * 131)


def test_overflow_is_detected_counted_and_the_fifo_realigned(rig):
    clock, bus, chip = rig
    imu = MPU6050(bus, 0x68, rate_hz=50, range_g=4)
    clock.sleep_ms(5000)  # 250 samples: far more than 1024 bytes
    assert bus.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10 == 0x10  # FIFO_OFLOW_INT, cleared by the read
    assert bus.readfrom_mem(0x68, 0x3A, 1)[0] & 0x10 == 0
    assert drain(imu) == []
    assert imu.overflows == 1
    clock.sleep_ms(200)
    got = drain(imu)
    assert [g[2] for g in got] == [8192] * 10  # frames are whole again


def test_wrong_chip_is_named(rig):
    clock, bus, chip = rig
    chip.regs[0x75] = 0x70
    chip.WHO_AM_I_VALUE = 0x70
    with pytest.raises(IMUError, match=r"expected MPU-6050 \(WHO_AM_I 0x68\) at 0x68, found MPU-6500 \(WHO_AM_I 0x70\)"):
        MPU6050(bus, 0x68)
    with pytest.raises(ValueError, match="no driver for IMU 'bmi999' \\(known: mpu6050, "):
        open_imu("bmi999", bus, 0x68, 50, 4)


def _unplugged(rig, tmp_path, passes, brownout=False):
    """The clip's loop: a second of samples, then the chip unplugged (every access NACKs) for `passes` passes
    of 200 ms, back as it was or, after a brown-out, asleep with its reset values; then another second."""
    clock, bus, chip = rig
    s = settings.defaults()
    imu = open_imu("mpu6050", bus, 0x68, s["rate_hz"], s["accel_range_g"])
    clip = Clip(imu, clock, VirtualMotor(clock), Storage(str(tmp_path)), s)
    clock.sleep_ms(1000)
    clip.step()
    assert clip.samples == 50
    bus.detach(0x68)
    for _ in range(passes):
        clock.sleep_ms(200)
        clip.step()
    bus.attach(0x68, chip)
    if brownout:
        chip._reset()
    clock.sleep_ms(200)
    clip.step()
    clock.sleep_ms(1000)
    clip.step()
    return clip


def test_a_chip_that_stops_answering_is_counted_and_reinitialised(rig, tmp_path):
    """Back from a brown-out after 600 ms: its configuration reads back different, so it is set up again."""
    clip = _unplugged(rig, tmp_path, 3, brownout=True)
    assert clip.i2c_errors == 3 and clip.samples == 100


def test_a_chip_that_comes_back_with_its_configuration_keeps_its_fifo(rig, tmp_path):
    """Unplugged for 600 ms (a loose wire), back as it was: nothing is initialised, no sample lost."""
    clip = _unplugged(rig, tmp_path, 3)
    assert clip.i2c_errors == 3 and clip.imu_stalls == 0
    assert clip.samples == 140  # every sample of the 2.8 s


def test_a_chip_that_gave_nothing_for_imu_stall_ms_is_initialised_when_it_answers(rig, tmp_path):
    """Silent for 2.4 s, longer than imu_stall_ms (2 s): it stopped answering, and is set up afresh when it
    answers, its FIFO (overflowed after 3.4 s anyway) emptied."""
    clip = _unplugged(rig, tmp_path, 12)
    assert clip.i2c_errors == 12 and clip.imu.overflows == 0
    assert clip.samples == 50 + 50  # the first second, and the second after the chip came back


def test_still_the_chip_cycles_at_its_low_power_rate_and_motion_brings_it_back(still_tilt_swing):
    """Low-power cycle at 5 Hz with the FIFO stopped; stillness raises nothing, the first swing over motion_mg raises INT (held until read);
    the ledger has each mode's time."""
    import imu_check
    from imu.mpu6050 import MPU6050

    clock, bus, chip = imu_check._rig("mpu6050", 0x68, still_tilt_swing, 50)
    imu = MPU6050(bus, 0x68)
    clock.sleep_ms(2000)
    assert imu.low_power(4, 64, 1) == 5 and chip.mode() == "low power 5 Hz"
    taken = chip.fifo_count(), chip.motion_edges
    g = [0, 0, 0]
    imu.accel_into(g)
    assert g == [0, 0, 1024]  # the cycle's last sample (taken at 2 s), 1/1024 g
    clock.sleep_ms(7000)
    assert (chip.int_pin(), imu.moved(), chip.fifo_count()) == (False, False, taken[0])  # the FIFO stopped
    imu.accel_into(g)
    assert g == [0, -256, 1024]  # its samples still reach the data registers
    clock.sleep_ms(1300)  # the swing starts at 10 s; the next 5 Hz sample after it at 10.18 s
    high = chip.int_pin()
    assert high and imu.moved() and not chip.int_pin() and chip.motion_edges == taken[1] + 1
    mode, _, n, ledger = imu_check.back_to_full_rate(clock, imu, chip)
    assert (mode, n) == ("normal 50 Hz, gyro off", 32)  # back at the full rate: 50 samples a second into the FIFO
    assert abs(ledger["low power 5 Hz"] - 8.3) < 0.01 and abs(ledger["normal 50 Hz, gyro off"] - 3.0) < 0.01
    chip.close()


def test_a_rest_compares_its_first_sample_with_the_sample_before_not_with_the_last_rest(tmp_path):
    """The motion filter's hold is renewed by every sample, the motion interrupt enabled or not: a tilt taken
    slowly at the full rate between two rests is no motion when the second rest starts."""
    import numpy as np
    import imu_check
    from imu.mpu6050 import MPU6050

    t = np.arange(1500) / 50
    ax = 0.5 * np.clip((t - 3) / 3, 0, 1)  # tilting slowly from 3 to 6 s, at the full rate
    stream = tmp_path / "s.bin"
    tracemod.write_stream(np.stack([ax, 0 * t, 1 + 0 * t, 0 * t, 0 * t, 0 * t], axis=1), stream)
    clock, bus, chip = imu_check._rig("mpu6050", 0x68, str(stream), 50)
    imu = MPU6050(bus, 0x68)
    clock.sleep_ms(1000)
    imu.low_power(4, 64, 1)
    clock.sleep_ms(1000)
    imu.full_rate()
    clock.sleep_ms(6000)
    imu.low_power(4, 64, 1)
    clock.sleep_ms(2000)
    assert (imu.moved(), chip.motion_edges) == (False, 0)
    chip.close()
