"""The LSM6DSOX is modelled twice: in Python for the unix port and CPython (simulator/chips/lsm6dsox_model.py)
and in JavaScript on the emulated Pico's bus (simulator/pico/lsm6dsox.mjs). Both get the same register writes,
reads and timing over the same trace, and must give the same answer to every read."""

import random
import shutil

import pytest

from model_pair import ModelPair

WHO_AM_I, FIFO_CTRL3, FIFO_CTRL4, CTRL1_XL, CTRL2_G, CTRL3_C = 0x0F, 0x09, 0x0A, 0x10, 0x11, 0x12
OUTX_L_A, FIFO_STATUS1, FIFO_STATUS2, FIFO_OUT = 0x28, 0x3A, 0x3B, 0x78
RATE_HZ, RANGE_INDEX = 52, 1  # the chip's rate for a 50 Hz ask; 4 g
ODR_52_4G = 0x38  # CTRL1_XL: ODR_XL 52 Hz, FS_XL 4 g

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="no node on PATH: the emulated Pico's model needs it")


def bring_up(t=0):
    """What the firmware's driver writes, in order: reset, block data update and auto-increment, the gyroscope
    off, 52 Hz at 4 g, every accelerometer sample batched, the FIFO in continuous mode."""
    return [[t, "w", CTRL3_C, 0x01], [t, "r", CTRL3_C, 1], [t, "r", WHO_AM_I, 1], [t, "w", CTRL3_C, 0x44],
            [t, "w", CTRL2_G, 0], [t, "w", CTRL1_XL, ODR_52_4G], [t, "w", FIFO_CTRL3, 3], [t, "w", FIFO_CTRL4, 6]]


def read_fifo(t, n):
    """The driver's read(): FIFO_STATUS1/2, then a burst of `n` bytes from FIFO_DATA_OUT_TAG."""
    return [[t, "r", FIFO_STATUS1, 2], [t, "r", FIFO_OUT, n]]


def random_ops(seed, seconds=60):
    """FIFO reads (more than it holds, at times, and bursts that break off mid-word or start past the tag), its
    status, the data registers and the configuration; auto-increment off for a while; bypass and the FIFO
    mode that stops when full; the accelerometer powered down and long gaps that overrun it."""
    rnd = random.Random(seed)
    ops = bring_up()
    t = 0
    while t < seconds * 1_000_000:
        t += rnd.choice((1_000, 20_000, 150_000, 400_000, 900_000, 12_000_000))
        kind = rnd.random()
        if kind < 0.35:
            ops += read_fifo(t, rnd.choice((7, 70, 73, 300, 3600)))
        elif kind < 0.42:
            ops.append([t, "r", FIFO_OUT + 1, 13])  # from X_L: bytes of the oldest word, then on around
        elif kind < 0.55:
            ops.append([t, "r", FIFO_STATUS1, 4])
        elif kind < 0.62:
            ops.append([t, "r", OUTX_L_A, 6])
        elif kind < 0.67:
            ops.append([t, "r", CTRL1_XL, 3])
        elif kind < 0.73:
            ops += [[t, "w", CTRL3_C, 0x40], [t, "r", FIFO_OUT, 14], [t, "r", OUTX_L_A, 4], [t, "w", CTRL3_C, 0x44]]
        elif kind < 0.82:
            ops.append([t, "w", FIFO_CTRL4, rnd.choice((0, 1, 6))])  # bypass, FIFO, continuous
        elif kind < 0.92:
            ops.append([t, "w", CTRL1_XL, 0x08])  # powered down: the samples go by unseen
            t += rnd.choice((50_000, 2_000_000))
            ops.append([t, "w", CTRL1_XL, ODR_52_4G])
        else:
            ops += [[t, "w", FIFO_CTRL4, 0], [t, "w", FIFO_CTRL4, 6]]  # reset_fifo()
    return ops


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pair = ModelPair("lsm6dsox", "nano_rp2040_connect", RANGE_INDEX, tmp_path_factory.mktemp("lsm"))
    assert pair.rate_hz == RATE_HZ
    return pair


@pytest.mark.parametrize("seed", range(4))
def test_both_models_answer_every_read_alike(pair, seed):
    py, asked = pair.answers(random_ops(seed))
    words = [a for op, a in zip(asked, py) if op[2] == FIFO_OUT and op[3] >= 70]
    assert sum(1 for a in words for k in range(0, len(a) - 6, 7) if a[k] >> 3 == 0x02) > 100  # tagged samples


def test_an_overrun_is_flagged_and_latched_alike(pair):
    """Twelve seconds unread overrun the 512-word FIFO: both say so, keep the newest 512 and clear the latch."""
    ops = bring_up() + [[12_000_000, "r", FIFO_STATUS1, 2], [12_000_000, "r", FIFO_STATUS2, 1]]
    ops += read_fifo(12_000_000, 7 * 512)
    py, _ = pair.answers(ops)
    assert py[2] == [0, 0x02 | 0x40 | 0x20 | 0x08]  # 512 words, overrun, full, latched
    assert py[3] == [0x02 | 0x40 | 0x20]  # FIFO_STATUS2 again: the latch cleared by the read
    assert [b >> 3 for b in py[-1][0::7]] == [0x02] * 512
