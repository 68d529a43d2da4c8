"""The QMI8658 is modelled twice: in Python for the unix port and CPython (simulator/chips/qmi8658_model.py) and
in JavaScript on the emulated Pico's bus (simulator/pico/qmi8658.mjs). Both get the same register writes, reads
and timing over the same trace, and must give the same answer to every read and the same INT1 level."""

import random
import shutil

import pytest

from model_pair import ModelPair

CTRL1, CTRL2, CTRL7, CTRL8, CTRL9, CAL1_L, CAL1_H = 0x02, 0x03, 0x08, 0x09, 0x0A, 0x0B, 0x0C
FIFO_WTM_TH, FIFO_CTRL, FIFO_SMPL_CNT, FIFO_DATA = 0x13, 0x14, 0x15, 0x17
STATUSINT, STATUS1, AX_L, RST_RESULT, RESET = 0x2D, 0x2F, 0x35, 0x4D, 0x60
RATE_HZ, RANGE_INDEX = 125, 1  # the chip's accelerometer-only rate for a 50 Hz ask; 4 g
STREAM_128 = 0x0E  # FIFO_CTRL: 128 samples, stream mode

pytestmark = pytest.mark.skipif(not shutil.which("node"), reason="no node on PATH: the emulated Pico's model needs it")


def command(t, cmd):
    """The CTRL9 handshake as the driver does it: the command, CmdDone read, the ack, CmdDone read."""
    return [[t, "w", CTRL9, cmd], [t, "r", STATUSINT, 1], [t, "w", CTRL9, 0], [t, "r", STATUSINT, 1]]


def bring_up(t=0, watermark=0):
    """What the firmware's driver writes, in order: reset, little-endian with auto-increment, 125 Hz at 4 g,
    the accelerometer alone, the handshake on STATUSINT, the FIFO in stream mode; with `watermark` (samples),
    the FIFO watermark on INT1."""
    ctrl1 = 0x40 | (0x0C if watermark else 0)
    ops = [[t, "w", RESET, 0xB0], [t, "r", RST_RESULT, 1], [t, "w", CTRL1, ctrl1], [t, "w", CTRL2, 0x16],
           [t, "w", CTRL7, 0x01], [t, "w", CTRL8, 0x80], [t, "w", FIFO_CTRL, STREAM_128]]
    if watermark:
        ops.append([t, "w", FIFO_WTM_TH, watermark])
    return ops


def read_fifo(t, n):
    """The driver's read(): the count, FIFO_RD_MODE by command, a burst of `n` bytes, the mode left."""
    return ([[t, "r", FIFO_SMPL_CNT, 2]] + command(t, 0x05)
            + [[t, "r", FIFO_DATA, n], [t, "w", FIFO_CTRL, STREAM_128]])


def low_power(t, th=42, blank=2):
    """The driver's low_power(): bypass, INT1 on, Wake on Motion set with the accelerometer off, 21 Hz."""
    return ([[t, "w", FIFO_CTRL, 0x0C], [t, "w", CTRL1, 0x4C], [t, "w", CTRL7, 0], [t, "w", CAL1_L, th],
             [t, "w", CAL1_H, blank]] + command(t, 0x08)
            + [[t, "w", CTRL2, 0x1D], [t, "r", STATUS1, 1], [t, "w", CTRL7, 0x01]])


def full_rate(t, watermark=0):
    """The driver's full_rate(): WoM left, the configuration again, the FIFO reset."""
    ops = [[t, "w", CTRL7, 0], [t, "w", CAL1_L, 0], [t, "w", CAL1_H, 0]] + command(t, 0x08)
    ops += [op for op in bring_up(t, watermark) if op[2] not in (RESET, RST_RESULT)]
    return ops + command(t, 0x04)


def random_ops(seed, seconds=40):
    """FIFO reads by the handshake (more than it holds, at times) and without it; the count, the data
    registers, STATUS1 and the configuration; auto-increment off and big-endian for a while; FIFO resets, the
    FIFO mode that stops when full, smaller FIFOs, bypass, the accelerometer off and long gaps; INT1 looked at."""
    rnd = random.Random(seed)
    wm = rnd.choice((0, 16, 64))
    ops = bring_up(watermark=wm)
    t = 0
    while t < seconds * 1_000_000:
        t += rnd.choice((1_000, 20_000, 150_000, 400_000, 900_000, 3_000_000))
        kind = rnd.random()
        if kind < 0.3:
            ops += read_fifo(t, rnd.choice((6, 60, 61, 300, 800)))
        elif kind < 0.38:
            ops.append([t, "r", FIFO_DATA, 12])  # not in FIFO_RD_MODE: zeros
        elif kind < 0.48:
            ops.append([t, "r", FIFO_SMPL_CNT, 2])
        elif kind < 0.56:
            ops.append([t, "p", 0, 0])
        elif kind < 0.62:
            ops.append([t, "r", AX_L, 6])
        elif kind < 0.66:
            ops.append([t, "r", CTRL1, 3])
        elif kind < 0.72:
            ctrl1 = rnd.choice((0x00, 0x20, 0x60))  # no auto-increment, big-endian, or both
            ops += [[t, "w", CTRL1, ctrl1 | (0x0C if wm else 0)], [t, "r", AX_L, 6], [t, "r", FIFO_SMPL_CNT, 2]]
            ops += command(t, 0x04)
            t += 100_000  # samples that arrive in that byte order
            ops += [[t, "r", AX_L, 6]] + read_fifo(t, 24) + [[t, "w", CTRL1, 0x40 | (0x0C if wm else 0)]]
        elif kind < 0.78:
            ops += command(t, 0x04)  # CTRL_CMD_RST_FIFO
        elif kind < 0.84:
            ops.append([t, "w", FIFO_CTRL, rnd.choice((0x0D, 0x02, 0x00, STREAM_128))])  # FIFO, 16, bypass, back
        elif kind < 0.92:
            ops.append([t, "w", CTRL7, 0])  # the accelerometer off: the samples go by unseen
            t += rnd.choice((50_000, 2_000_000))
            ops.append([t, "w", CTRL7, 0x01])
        else:
            ops.append([t, "r", STATUS1, 1])
    return ops


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pair = ModelPair("qmi8658", "waveshare_rp2040_lcd128", RANGE_INDEX, tmp_path_factory.mktemp("qmi"))
    assert pair.rate_hz == RATE_HZ
    return pair


@pytest.mark.parametrize("seed", range(4))
def test_both_models_answer_every_read_alike(pair, seed):
    py, asked = pair.answers(random_ops(seed))
    data = [a for op, a in zip(asked, py) if op[2] == FIFO_DATA and op[3] > 12]
    assert sum(len(a) for a in data) > 500 and sum(1 for a in data for b in a if b) > 200  # real samples read


def test_the_watermark_raises_int1_alike(pair):
    """INT1 follows the FIFO watermark: high once 16 samples are in, kept through FIFO_RD_MODE, low after."""
    ops = bring_up(watermark=16)
    for k in range(1, 60):
        t = k * 200_000  # 25 samples a time
        ops += [[t, "p", 0, 0]] + read_fifo(t, 150)[:-1] + [[t, "p", 0, 0], [t, "w", FIFO_CTRL, STREAM_128],
                                                         [t, "p", 0, 0]]
    py, asked = pair.answers(ops)
    pins = [a[0] for op, a in zip(asked, py) if op[1] == "p"]
    assert pins[0::3] == [1] * 59 and pins[1::3] == [1] * 59 and pins[2::3] == [0] * 59


def test_wake_on_motion_is_seen_alike(pair):
    """The driver's low_power() through the walk and into the sitting: INT1, STATUS1 and the data registers read
    alike, the walk toggles the line, the sitting does not; full_rate() brings the FIFO back."""
    ops = bring_up(watermark=32) + low_power(2_000_000)
    t = 2_000_000
    while t < 85_000_000:
        t += 370_000
        ops += [[t, "p", 0, 0], [t, "r", AX_L, 6], [t, "r", STATUS1, 1], [t, "p", 0, 0]]
        if t // 370_000 % 40 == 0:  # now and then back to the full rate for a while, as a wake does
            ops += full_rate(t, 32) + read_fifo(t + 300_000, 240)
            t += 300_000
            ops += low_power(t)
    py, asked = pair.answers(ops)
    status = [a[0] & 0x04 for op, a in zip(asked, py) if op[2] == STATUS1]
    assert any(status[:100]) and not any(status[-50:])


def test_a_full_fifo_is_seen_alike(pair):
    """Two seconds unread overflow the 128-sample FIFO in stream mode; in FIFO mode it stops: both alike."""
    ops = bring_up() + [[2_000_000, "r", FIFO_SMPL_CNT, 2]] + read_fifo(2_000_000, 768)
    ops += [[2_000_000, "w", FIFO_CTRL, 0x0D]] + command(2_000_000, 0x04) + [[4_000_000, "r", FIFO_SMPL_CNT, 2]]
    ops += read_fifo(4_000_000, 768)
    py, asked = pair.answers(ops)
    assert py[1] == [384 & 0xFF, 0xB0 | 384 >> 8]  # 128 samples (384 words), full, overflowed, not empty
    assert py[8] == [384 & 0xFF, 0x90 | 384 >> 8]  # FIFO mode: full, stopped, no overflow
    assert py[-1][:6] != py[5][:6] and any(py[-1][-6:])  # the samples after the reset, all 128 of them
