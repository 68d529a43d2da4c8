"""The MPU-6050 is modelled twice: in Python for the unix port and CPython (simulator/chips/mpu6050_model.py)
and in JavaScript on the emulated Pico's bus (simulator/pico/mpu6050.mjs). Both get the same register writes,
reads and timing over the same trace, and must give the same answer to every read."""

import random
import shutil

import pytest

from model_pair import ModelPair

PWR_MGMT_1, SMPLRT_DIV, CONFIG, ACCEL_CONFIG, FIFO_EN = 0x6B, 0x19, 0x1A, 0x1C, 0x23
INT_STATUS, USER_CTRL, FIFO_COUNTH, FIFO_R_W, WHO_AM_I = 0x3A, 0x6A, 0x72, 0x74, 0x75
RATE_HZ, AFS_SEL = 50, 1

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="no node on PATH: the emulated Pico's model needs it")


def bring_up(t=0):
    """What the firmware's driver writes, in order: reset, wake, 50 Hz, 4 g, the accelerometer into the FIFO."""
    return [[t, "w", PWR_MGMT_1, 0x80], [t, "r", PWR_MGMT_1, 1], [t, "r", WHO_AM_I, 1], [t, "w", PWR_MGMT_1, 0],
            [t, "w", SMPLRT_DIV, 1000 // RATE_HZ - 1], [t, "w", CONFIG, 1], [t, "w", ACCEL_CONFIG, AFS_SEL << 3],
            [t, "w", FIFO_EN, 0x08], [t, "w", USER_CTRL, 0x44]]


def random_ops(seed, seconds=60):
    """Reads of the FIFO (more than it holds, at times), its count, INT_STATUS and the configuration; FIFO resets,
    sleeps and long gaps that overflow it."""
    rnd = random.Random(seed)
    ops = bring_up()
    t = 0
    while t < seconds * 1_000_000:
        t += rnd.choice((1_000, 20_000, 150_000, 400_000, 900_000, 6_000_000))
        kind = rnd.random()
        if kind < 0.35:
            ops.append([t, "r", FIFO_R_W, rnd.choice((6, 60, 300, 1100))])
        elif kind < 0.6:
            ops.append([t, "r", FIFO_COUNTH, 2])
        elif kind < 0.75:
            ops.append([t, "r", INT_STATUS, 1])
        elif kind < 0.82:
            ops.append([t, "r", SMPLRT_DIV, 4])
        elif kind < 0.88:
            ops.append([t, "w", USER_CTRL, 0x44])  # FIFO_RESET, FIFO kept on
        elif kind < 0.94:
            ops.append([t, "w", PWR_MGMT_1, 0x40])  # asleep: the samples go by unseen
            t += rnd.choice((50_000, 2_000_000))
            ops.append([t, "w", PWR_MGMT_1, 0])
        else:
            ops.append([t, "r", PWR_MGMT_1, 1])
    return ops


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pair = ModelPair("mpu6050", "pico_mpu6050", AFS_SEL, tmp_path_factory.mktemp("mpu"))
    assert pair.rate_hz == RATE_HZ
    return pair


@pytest.mark.parametrize("seed", range(4))
def test_both_models_answer_every_read_alike(pair, seed):
    py, reads = pair.answers(random_ops(seed))
    fifo_bytes = sum(len(a) for op, a in zip(reads, py) if op[2] == FIFO_R_W)
    assert fifo_bytes > 1000 and any(any(a) for op, a in zip(reads, py) if op[2] == FIFO_R_W)


def test_the_low_power_cycle_and_the_motion_interrupt_are_seen_alike(pair):
    """The driver's low_power(): a 5 Hz cycle with the FIFO off and the motion interrupt on INT, through the
    walk and into the sitting; INT_STATUS, the data registers and the INT pin read alike, and motion is seen."""
    ops = bring_up() + [[2_000_000, "w", 0x1F, 32], [2_000_000, "w", 0x20, 1], [2_000_000, "w", 0x37, 0x20],
                        [2_000_000, "w", USER_CTRL, 0], [2_000_000, "r", INT_STATUS, 1],
                        [2_000_000, "w", 0x38, 0x40], [2_000_000, "w", 0x6C, 0x47], [2_000_000, "w", PWR_MGMT_1, 0x28]]
    t = 2_000_000
    while t < 85_000_000:
        t += 370_000
        ops += [[t, "p", 0, 0], [t, "r", 0x3B, 6], [t, "r", INT_STATUS, 1], [t, "p", 0, 0]]
    py, asked = pair.answers(ops)
    pins = [a[0] for op, a in zip(asked, py) if op[1] == "p"]
    assert 1 in pins[:200] and 0 in pins  # the walk raises INT; reading INT_STATUS lowers it


def test_an_overflow_and_its_flag_are_seen_alike(pair):
    """Five seconds unread at 300 bytes a second overflow the 1024-byte FIFO: both flag it and hold the same newest bytes."""
    ops = bring_up() + [[5_000_000, "r", INT_STATUS, 1], [5_000_000, "r", FIFO_COUNTH, 2],
                        [5_000_000, "r", FIFO_R_W, 1024], [5_000_000, "r", INT_STATUS, 1]]
    py, asked = pair.answers(ops)
    assert py[2][0] & 0x10 and (py[3][0] << 8 | py[3][1]) == 1024 and not py[5][0] & 0x10
