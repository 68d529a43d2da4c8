"""The QMI8658 driver against its register-level model: the FIFO watermark on INT1, and Wake on Motion while
the wearer is still (datasheet QMI8658A rev. A, 8.5 and 12), back to the full rate after it."""

import numpy as np
import pytest

import imu_check
from imu.qmi8658 import QMI8658

from simulator import trace as tracemod

RATE_HZ = 125  # the chip's accelerometer-only rate for a 50 Hz ask


@pytest.fixture
def still_then_swing(tmp_path):
    """30 s at 125 Hz: still, turning slowly from 2 to 7 s (far under the WoM threshold per sample), then
    swinging along x from 10 s."""
    t = np.arange(30 * RATE_HZ) / RATE_HZ
    ax = np.where(t >= 10, 0.3 * np.sin(2 * np.pi * 1.7 * (t - 10)), 0.0)
    ay = -0.25 * np.clip((t - 2) / 5, 0, 1)
    stream = tmp_path / "still_then_swing.bin"
    tracemod.write_stream(np.stack([ax, ay, 1 + 0 * t, 0 * t, 0 * t, 0 * t], axis=1), stream)
    return str(stream)


def rig(stream):
    return imu_check._rig("qmi8658", 0x6B, stream, 50)


def test_the_fifo_watermark_raises_int1_until_the_fifo_is_read_and_survives_a_reset(still_then_swing):
    clock, bus, chip = rig(still_then_swing)
    imu = QMI8658(bus, 0x6B, max_batch=32)
    assert imu.wake_ms == 0 and not chip.int_armed()  # no line until asked
    assert imu.wake_on_watermark(100) == 512  # at most half the FIFO: 64 samples at 125 Hz
    assert chip.regs[0x13] == 64 and chip.regs[0x02] & 0x0C == 0x0C  # FIFO_WTM_TH; INT1_EN, FIFO_INT_SEL
    clock.sleep_ms(63 * 8)
    low = chip.int_pin()
    clock.sleep_ms(8)
    high = chip.int_pin()
    status = bus.readfrom_mem(0x6B, 0x16, 1)[0]
    buf = [0] * 96
    n = imu.read(buf) + imu.read(buf)
    assert (low, high, status & 0x40, n, chip.int_pin()) == (False, True, 0x40, 64, False)
    bus.writeto_mem(0x6B, 0x60, b"\xb0")  # the chip resets (a brown-out): its configuration is gone
    assert imu.recover() is True and chip.regs[0x13] == 64 and chip.regs[0x02] & 0x0C == 0x0C
    chip.close()


def test_still_the_chip_wakes_on_motion_and_full_rate_brings_the_fifo_back(still_then_swing):
    """Wake on Motion at 21 Hz (the first low-power rate at or above 20 Hz), 42 mg: no data and no FIFO while
    it rests; the slow turn raises nothing, the first swing over the threshold toggles INT1 until STATUS1 is
    read; full_rate() leaves WoM and the FIFO fills again at 125 Hz; the ledger has each mode's time."""
    clock, bus, chip = rig(still_then_swing)
    imu = QMI8658(bus, 0x6B)
    clock.sleep_ms(2000)
    assert imu.low_power(20, 42, 40) == 21 and chip.mode() == "wake on motion 21 Hz"
    assert (chip.regs[0x03] & 0x0F, chip.regs[0x0B], chip.regs[0x14] & 3) == (13, 42, 0)  # aODR, CAL1_L, bypass
    assert not imu.REST_SAMPLES
    clock.sleep_ms(7000)
    assert (chip.int_armed(), chip.int_pin(), imu.moved(), chip.fifo_count()) == (True, False, False, 0)
    clock.sleep_ms(1300)  # the swing starts at 10 s
    pin = chip.int_pin()  # sampled up to now
    edges = chip.motion_edges
    assert edges >= 1 and pin == (edges % 2 == 1)  # each event toggles the line
    assert imu.moved() and not chip.int_pin() and not imu.moved()  # STATUS1 read: cleared, the line back to 0
    mode, pin, n, ledger = imu_check.back_to_full_rate(clock, imu, chip)
    assert (mode, pin) == ("normal 125 Hz", False)
    assert n == 32 and chip.fifo_count() == (125 - 32) * 6  # 125 samples a second into the FIFO again
    assert abs(ledger["wake on motion 21 Hz"] - 8.3) < 0.01 and abs(ledger["normal 125 Hz"] - 3.0) < 0.01
    chip.close()


def test_a_knock_inside_the_blanking_time_does_not_wake_it(tmp_path):
    """The first samples after WoM starts are blanked (startup transients): a knock then is not an event, one
    later is."""
    t = np.arange(10 * RATE_HZ) / RATE_HZ
    ax = np.where(((t >= 1.0) & (t < 1.024)) | ((t >= 5) & (t < 5.2)), 0.5, 0.0)  # 3 frames; 25
    stream = tmp_path / "s.bin"
    tracemod.write_stream(np.stack([ax, 0 * t, 1 + 0 * t, 0 * t, 0 * t, 0 * t], axis=1), stream)
    clock, bus, chip = rig(str(stream))
    imu = QMI8658(bus, 0x6B)
    clock.sleep_ms(990)
    imu.low_power(20, 100, 0)
    clock.sleep_ms(2000)
    assert not imu.moved()
    clock.sleep_ms(3000)
    assert imu.moved()
    chip.close()
