"""Every driver and every chip model held to the summary table of firmware/imu/README.md, whose rows the
per-chip tables there trace to datasheets and reference drivers."""

import re

import numpy as np
import pytest

import imu_check
from imu import CHIPS, driver

from simulator import project, trace as tracemod

README = project.FIRMWARE / "imu" / "README.md"
ROW = re.compile(r"^\| `(\w+)` \| (0x[0-9A-F]{2}) = (0x[0-9A-F]{2}) \| ([A-Z ]+) \| (big|little) \| (\d+) "
                 r"\| ([\d ]+) \| ([\d ]+) \|$")
ADDR = {"mpu6050": 0x68, "mpu6500": 0x68, "mpu6886": 0x68, "lsm6dsox": 0x6A, "lsm6ds3": 0x6A, "qmi8658": 0x6B,
        "bmi160": 0x68}


def _table():
    facts = {}
    for line in README.read_text().splitlines():
        m = ROW.match(line)
        if m:
            chip, reg, who, frame, order, fifo, rates, ranges = m.groups()
            facts[chip] = {"reg": int(reg, 16), "who": int(who, 16), "frame": frame.split(), "order": order,
                           "fifo": int(fifo), "rates": [int(r) for r in rates.split()],
                           "ranges": [int(g) for g in ranges.split()]}
    return facts


FACTS = _table()


def frame_bytes(fields):
    return sum(1 if f == "TAG" else 2 for f in fields)


def z_offset(fields):
    return frame_bytes(fields[:fields.index("Z")])


@pytest.fixture(scope="module")
def one_g(tmp_path_factory):
    """Every sample reads (0, 0, 1 g), whatever the rate."""
    samples = np.zeros((20000, 6))
    samples[:, 2] = 1.0
    path = tmp_path_factory.mktemp("one_g") / "s.bin"
    tracemod.write_stream(samples, path)
    return str(path)


def _opened(chip, stream, rate_hz=50, range_g=4):
    clock, bus, model = imu_check._rig(chip, ADDR[chip], stream, rate_hz)
    imu = imu_check.open_imu(chip, bus, ADDR[chip], rate_hz, range_g)
    return clock, bus, model, imu


def _first_z(model, fields, order):
    k = z_offset(fields)
    lo, hi = (model.fifo.peek(k + 1), model.fifo.peek(k)) if order == "big" else (
        model.fifo.peek(k), model.fifo.peek(k + 1))
    v = lo | hi << 8
    return v - ((v & 0x8000) << 1)


def test_the_table_has_every_chip():
    assert sorted(FACTS) == sorted(CHIPS)


@pytest.mark.parametrize("chip", CHIPS)
def test_who_am_i_is_the_tables(chip, one_g):
    f = FACTS[chip]
    d = driver(chip)
    assert (d.WHO_AM_I_REG, d.WHO_AM_I) == (f["reg"], f["who"])
    clock, bus, model, imu = _opened(chip, one_g)
    assert bus.readfrom_mem(ADDR[chip], f["reg"], 1)[0] == f["who"]
    model.close()


@pytest.mark.parametrize("chip", CHIPS)
def test_one_sample_puts_one_frame_of_the_tables_layout_in_the_fifo(chip, one_g):
    """The FIFO count after a known number of samples gives the frame size; the z word its byte order."""
    f = FACTS[chip]
    assert driver(chip).FRAME == frame_bytes(f["frame"])
    clock, bus, model, imu = _opened(chip, one_g)
    clock.sleep_ms(1000 // imu.rate_hz + 1)  # one sample
    model.finished()  # the model samples when asked
    assert model.fifo_count() == frame_bytes(f["frame"])
    assert _first_z(model, f["frame"], f["order"]) == 8192  # 1 g at 4 g full scale
    model.close()


@pytest.mark.parametrize("chip", CHIPS)
def test_the_fifo_holds_what_the_table_says(chip, one_g):
    f = FACTS[chip]
    frame = frame_bytes(f["frame"])
    assert driver(chip).FIFO_SAMPLES == f["fifo"] // frame
    clock, bus, model, imu = _opened(chip, one_g)
    clock.sleep_ms(1000 * (f["fifo"] // frame + 10) // imu.rate_hz)  # more samples than it holds
    model.finished()
    assert f["fifo"] - frame < model.fifo_count() <= f["fifo"]
    model.close()


@pytest.mark.parametrize("chip", CHIPS)
def test_rates_are_the_tables_on_driver_and_model(chip, one_g):
    for asked, rate in zip((25, 50, 100, 200), FACTS[chip]["rates"]):
        assert driver(chip).rate_for(asked) == rate
        clock, bus, model, imu = _opened(chip, one_g, rate_hz=asked)
        assert imu.rate_hz == model.output_rate() == rate
        model.close()


@pytest.mark.parametrize("chip", CHIPS)
def test_ranges_are_the_tables_on_driver_and_model(chip, one_g):
    f = FACTS[chip]
    for g in f["ranges"]:
        clock, bus, model, imu = _opened(chip, one_g, range_g=g)
        assert imu.lsb_per_g == 32768 // g
        clock.sleep_ms(1000 // imu.rate_hz + 1)
        model.finished()
        assert _first_z(model, f["frame"], f["order"]) == 32768 // g
        model.close()
