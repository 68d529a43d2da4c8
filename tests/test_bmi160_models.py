"""The BMI160 is modelled twice: in Python for the unix port and CPython (simulator/chips/bmi160_model.py) and
in JavaScript on the emulated Pico's bus (simulator/pico/bmi160.mjs). Both get the same register writes, reads
and timing over the same trace, and must give the same answer to every read and the same INT1 level."""

import random
import shutil

import pytest

from model_pair import ModelPair

CHIP_ID, PMU_STATUS, DATA_ACC_X, INT_STATUS_0, FIFO_LENGTH, FIFO_DATA = 0x00, 0x03, 0x12, 0x1C, 0x22, 0x24
ACC_CONF, ACC_RANGE, FIFO_CONFIG_0, FIFO_CONFIG_1 = 0x40, 0x41, 0x46, 0x47
INT_EN_0, INT_EN_1, INT_OUT_CTRL, INT_LATCH, INT_MAP_0, INT_MAP_1 = 0x50, 0x51, 0x53, 0x54, 0x55, 0x56
INT_MOTION_0, INT_MOTION_1, CMD = 0x5F, 0x60, 0x7E
RATE_HZ, RANGE_INDEX = 50, 1  # 4 g

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="no node on PATH: the emulated Pico's model needs it")


def bring_up(t=0, watermark=0):
    """What the firmware's driver writes, in order: reset, 50 Hz, 4 g, the accelerometer alone into the FIFO,
    normal mode; with `watermark` (4-byte words), the FIFO watermark on INT1."""
    ops = [[t, "w", CMD, 0xB6], [t, "r", CHIP_ID, 1], [t, "w", ACC_CONF, 0x27], [t, "w", ACC_RANGE, 0x05],
           [t, "w", FIFO_CONFIG_1, 0x40], [t, "w", CMD, 0x11], [t, "r", PMU_STATUS, 1]]
    if watermark:
        ops += [[t, "w", FIFO_CONFIG_0, watermark], [t, "w", INT_OUT_CTRL, 0x0A], [t, "w", INT_EN_1, 0x40],
                [t, "w", INT_MAP_1, 0x40]]
    return ops


def low_power(t, th=4, dur=0, odr=6):
    """The driver's low_power(): any-motion latched on INT1, the FIFO stopped and flushed, low power at 25 Hz."""
    return [[t, "w", INT_MOTION_0, dur], [t, "w", INT_MOTION_1, th], [t, "w", INT_LATCH, 0x0F],
            [t, "w", INT_OUT_CTRL, 0x0A], [t, "w", INT_MAP_0, 0x04], [t, "w", FIFO_CONFIG_1, 0], [t, "w", CMD, 0xB0],
            [t, "w", CMD, 0xB1], [t, "w", INT_EN_0, 0x07], [t, "w", ACC_CONF, 0x80 | odr], [t, "w", CMD, 0x12]]


def full_rate(t):
    return [[t, "w", CMD, 0x11], [t, "r", PMU_STATUS, 1], [t, "w", ACC_CONF, 0x27], [t, "w", INT_EN_0, 0],
            [t, "w", CMD, 0xB1], [t, "w", FIFO_CONFIG_1, 0x40], [t, "w", CMD, 0xB0]]


def random_ops(seed, seconds=60):
    """Reads of the FIFO (more than it holds, at times, and bursts that break off mid-frame), its length, the
    data registers and the configuration; flushes, suspends and long gaps that fill it; INT1 looked at."""
    rnd = random.Random(seed)
    ops = bring_up(watermark=rnd.choice((0, 15, 60)))
    t = 0
    while t < seconds * 1_000_000:
        t += rnd.choice((1_000, 20_000, 150_000, 400_000, 900_000, 6_000_000))
        kind = rnd.random()
        if kind < 0.35:
            ops.append([t, "r", FIFO_DATA, rnd.choice((6, 60, 61, 300, 1100))])
        elif kind < 0.55:
            ops.append([t, "r", FIFO_LENGTH, 2])
        elif kind < 0.65:
            ops.append([t, "p", 0, 0])
        elif kind < 0.72:
            ops.append([t, "r", DATA_ACC_X, 6])
        elif kind < 0.78:
            ops.append([t, "r", ACC_CONF, 2])
        elif kind < 0.86:
            ops.append([t, "w", CMD, 0xB0])  # fifo_flush
        elif kind < 0.94:
            ops.append([t, "w", CMD, 0x10])  # suspended: the samples go by unseen
            t += rnd.choice((50_000, 2_000_000))
            ops += [[t, "w", CMD, 0x11], [t, "r", PMU_STATUS, 1]]
        else:
            ops.append([t, "r", INT_STATUS_0, 1])
    return ops


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pair = ModelPair("bmi160", "pico_bmi160", RANGE_INDEX, tmp_path_factory.mktemp("bmi"))
    assert pair.rate_hz == RATE_HZ
    return pair


@pytest.mark.parametrize("seed", range(4))
def test_both_models_answer_every_read_alike(pair, seed):
    py, asked = pair.answers(random_ops(seed))
    data = [a for op, a in zip(asked, py) if op[2] == FIFO_DATA and op[1] == "r"]
    assert sum(len(a) for a in data) > 1000 and any(b != 0x80 for a in data for b in a)


def test_the_watermark_raises_int1_alike(pair):
    """INT1 follows the FIFO watermark: low after a read, high once 15 words (10 frames) are in again."""
    ops = bring_up(watermark=15)
    for k in range(1, 60):
        t = k * 250_000  # 12.5 frames a time
        ops += [[t, "p", 0, 0], [t, "r", FIFO_LENGTH, 2], [t, "r", FIFO_DATA, 120], [t, "p", 0, 0]]
    py, asked = pair.answers(ops)
    pins = [a[0] for op, a in zip(asked, py) if op[1] == "p"]
    assert pins[0::2] == [1] * 59 and pins[1::2] == [0] * 59  # high before each read, low after it


def test_the_low_power_mode_and_any_motion_are_seen_alike(pair):
    """The driver's low_power() through the walk and into the sitting: INT1, INT_STATUS[0] and the data
    registers read alike, motion is seen during the walk, and full_rate() brings the FIFO back."""
    ops = bring_up() + low_power(2_000_000)
    t = 2_000_000
    while t < 85_000_000:
        t += 370_000
        ops += [[t, "p", 0, 0], [t, "r", DATA_ACC_X, 6], [t, "r", INT_STATUS_0, 1]]
        if t // 370_000 % 40 == 0:  # now and then back to the full rate for a while, as a wake does
            ops += full_rate(t) + [[t + 200_000, "r", FIFO_LENGTH, 2], [t + 200_000, "r", FIFO_DATA, 60]]
            t += 200_000
            ops += low_power(t)
    py, asked = pair.answers(ops)
    pins = [a[0] for op, a in zip(asked, py) if op[1] == "p"]
    assert 1 in pins[:100] and 0 in pins[-50:]  # the walk fires any-motion; the sitting does not


def test_a_full_fifo_is_seen_alike(pair):
    """Five seconds unread fill the 1024-byte FIFO: both hold the newest 170 frames, the same bytes."""
    ops = bring_up() + [[5_000_000, "r", FIFO_LENGTH, 2], [5_000_000, "r", FIFO_DATA, 1024],
                        [5_000_000, "r", FIFO_LENGTH, 2]]
    py, asked = pair.answers(ops)
    assert py[2] == [1020 & 0xFF, 1020 >> 8] and py[4] == [0, 0] and py[3][-4:] == [0x80] * 4


def test_a_burst_broken_off_mid_frame_gets_the_frame_again(pair):
    """Three bytes of a frame read, then a new burst: the frame is still the oldest, read again from its first byte."""
    ops = bring_up() + [[1_000_000, "r", FIFO_DATA, 3], [1_000_000, "r", FIFO_DATA, 12], [1_000_000, "r", FIFO_LENGTH, 2]]
    py, asked = pair.answers(ops)
    assert py[3][:3] == py[2] and (py[4][0] | py[4][1] << 8) == 50 * 6 - 12
