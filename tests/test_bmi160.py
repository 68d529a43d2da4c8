"""The BMI160 driver against its register-level model: configuration, rates and ranges, the FIFO's edges,
and the board that carries it counting the shipped traces as the MPU-6050 board does."""

import numpy as np
import pytest

import imu_check
from imu.bmi160 import BMI160

from simulator import project, replay, trace as tracemod


@pytest.fixture
def rig(tmp_path):
    """A bus with a model fed at 50 Hz by a ramp: sample k reads (k mg, -2k mg, 1 g)."""
    k = np.arange(3000)
    stream = tmp_path / "s.bin"
    tracemod.write_stream(np.stack([k / 1000, -2 * k / 1000, np.ones_like(k), 0 * k, 0 * k, 0 * k], axis=1), stream)
    clock, bus, chip = imu_check._rig("bmi160", 0x68, str(stream), 50)
    yield clock, bus, chip
    chip.close()


@pytest.mark.parametrize("range_g, code, lsb", [(2, 0x03, 16384), (4, 0x05, 8192), (8, 0x08, 4096), (16, 0x0C, 2048)])
def test_driver_configures_the_chip(rig, range_g, code, lsb):
    clock, bus, chip = rig
    imu = BMI160(bus, 0x68, rate_hz=50, range_g=range_g)
    assert imu.rate_hz == chip.output_rate() == 50 and imu.lsb_per_g == lsb
    assert chip.regs[0x40] == 0x27  # ACC_CONF: acc_us 0, acc_bwp normal (010), acc_odr 50 Hz (0111)
    assert chip.regs[0x41] == code  # ACC_RANGE
    assert chip.regs[0x47] == 0x40  # FIFO_CONFIG[1]: accelerometer only, headerless
    assert chip.regs[0x03] == 0x10  # PMU_STATUS: accelerometer normal, gyroscope suspended


@pytest.mark.parametrize("asked, given", [(25, 25), (40, 50), (50, 50), (100, 100), (150, 200), (200, 200)])
def test_output_rates(asked, given):
    assert BMI160.rate_for(asked) == given


def test_a_full_fifo_drops_whole_frames_and_is_flushed_and_counted(rig):
    clock, bus, chip = rig
    imu = BMI160(bus, 0x68)
    clock.sleep_ms(10000)  # 500 samples: three FIFOs' worth
    raw = bus.readfrom_mem(0x68, 0x22, 2)
    assert raw[0] | (raw[1] & 7) << 8 == 1020  # 170 whole frames; the oldest were dropped frame by frame
    buf = [0] * 96
    assert imu.read(buf) == 0 and imu.overflows == 1
    clock.sleep_ms(200)
    assert imu.read(buf) == 10 and buf[2::3][:10] == [8192] * 10


def test_the_fifo_watermark_raises_int1_until_the_fifo_is_drained_and_survives_a_reset(rig):
    clock, bus, chip = rig
    imu = BMI160(bus, 0x68, max_batch=32)
    assert imu.wake_ms == 0 and not chip.int_pin()  # no line until asked
    assert imu.wake_on_watermark(19) == 400  # made even: 20 samples at 50 Hz
    assert chip.regs[0x46] == 30 and chip.regs[0x53] == 0x0A  # 30 words of 4 bytes; INT1 push-pull, active high
    clock.sleep_ms(19 * 20)
    low = chip.int_pin()
    clock.sleep_ms(20)
    high = chip.int_pin()
    buf = [0] * 96
    n = imu.read(buf)
    assert (low, high, n, chip.int_pin()) == (False, True, 20, False)
    bus.writeto_mem(0x68, 0x7E, b"\xb6")  # the chip resets (a brown-out): its configuration is gone
    assert imu.recover() is True and chip.regs[0x46] == 30 and chip.regs[0x56] == 0x40


def test_reading_past_the_last_frame_gives_0x80(rig):
    clock, bus, chip = rig
    BMI160(bus, 0x68)
    clock.sleep_ms(40)  # two frames
    data = bus.readfrom_mem(0x68, 0x24, 16)
    assert data[12:] == b"\x80" * 4


@pytest.mark.parametrize("trace", ["walk_1min", "sit_2min"])
@pytest.mark.parametrize("overrides", [{}, {"rate_hz": 25}, {"rate_hz": 100}, {"accel_range_g": 8}])
def test_the_bmi160_board_counts_the_shipped_traces_as_the_mpu6050_board(trace, overrides):
    """Same rates (25/50/100 Hz) and the same 16-bit ranges as the MPU-6050: the same counts, minute by minute."""
    t = tracemod.load(project.ROOT / "simulator" / "traces" / f"{trace}.csv")
    bmi = replay.replay(t, board_name="pico_bmi160", overrides=overrides)
    mpu = replay.replay(t, board_name="pico_mpu6050", overrides=overrides)
    for key in ("rate_hz", "samples", "steps", "minutes", "posture_changes", "nudges", "motor", "errors"):
        assert bmi[key] == mpu[key], key


def test_still_the_chip_rests_in_low_power_mode_and_any_motion_brings_it_back(still_tilt_swing):
    """Low power mode at 6.25 Hz (the first at or above 4 Hz) with the FIFO stopped; a slow tilt raises nothing
    and reaches the data registers; the first swing over the threshold latches INT1 until full_rate(); the
    ledger has each mode's time."""
    clock, bus, chip = imu_check._rig("bmi160", 0x68, still_tilt_swing, 50)
    imu = BMI160(bus, 0x68)
    clock.sleep_ms(2000)
    assert imu.low_power(4, 64, 1) == 6 and chip.mode() == "low power 6.25 Hz"
    assert chip.regs[0x40] == 0x84 and chip.regs[0x60] == 8  # acc_us, no averaging; 64 mg at 4 g: 8 x 7.81 mg
    g = [0, 0, 0]
    imu.accel_into(g)
    assert g == [0, 0, 1024]  # the last sample (taken at 2 s), 1/1024 g
    clock.sleep_ms(7000)
    assert (chip.int_pin(), imu.moved(), chip.fifo_count()) == (False, False, 0)  # stopped and emptied
    imu.accel_into(g)
    assert g == [0, -256, 1024]  # its samples still reach the data registers
    clock.sleep_ms(1300)  # the swing starts at 10 s
    assert chip.int_pin() and imu.moved() and chip.int_pin() and chip.motion_edges == 1  # latched
    mode, pin, n, ledger = imu_check.back_to_full_rate(clock, imu, chip)
    assert (mode, pin, imu.moved()) == ("normal 50 Hz", False, False)  # the latch cleared
    assert n == 32  # back at the full rate: 50 samples a second into the FIFO
    assert abs(ledger["low power 6.25 Hz"] - 8.3) < 0.01 and abs(ledger["normal 50 Hz"] - 3.0) < 0.01
    chip.close()


def test_any_motion_wants_its_samples_in_a_row(tmp_path):
    """int_anym_dur: motion_ms over one low-power period needs that many slopes in a row (a single knock
    is not enough)."""
    t = np.arange(1500) / 50
    ax = np.where((t >= 5) & (t < 5.04), 0.5, 0.0)  # one 25 Hz sample knocked
    stream = tmp_path / "s.bin"
    tracemod.write_stream(np.stack([ax, 0 * t, 1 + 0 * t, 0 * t, 0 * t, 0 * t], axis=1), stream)
    for motion_ms, fired in ((1, True), (120, False)):
        clock, bus, chip = imu_check._rig("bmi160", 0x68, str(stream), 50)
        imu = BMI160(bus, 0x68)
        imu.low_power(25, 64, motion_ms)
        assert chip.regs[0x5F] == (0 if motion_ms == 1 else 3)
        clock.sleep_ms(8000)
        assert imu.moved() is fired
        chip.close()
