"""Trace files: checked reading, clear errors, resampling and quantisation."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from simulator import trace as tracemod


def write(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def test_reads_required_optional_and_ignored_columns(tmp_path):
    p = write(tmp_path, "label,t,ax,ay,az,gx,gy,gz\nsit,10.0,0.1,0.2,0.9,1,2,3\nsit,10.02,0.1,0.2,1.0,4,5,6\n")
    tr = tracemod.load(p)
    assert tr.t.tolist() == pytest.approx([0.0, 0.02])
    assert tr.acc.tolist() == [[0.1, 0.2, 0.9], [0.1, 0.2, 1.0]]
    assert tr.gyro.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert tr.rate_hz == pytest.approx(50)


def test_gyro_is_optional(tmp_path):
    tr = tracemod.load(write(tmp_path, "t,ax,ay,az\n0,0,0,1\n0.1,0,0,1\n"))
    assert tr.gyro is None and tr.seconds == pytest.approx(0.1)


@pytest.mark.parametrize("text, line, problem", [
    ("", 1, "empty file"),
    ("t,ax,ay\n0,0,0\n", 1, "missing column az"),
    ("t,ax,ay,az,gx\n0,0,0,1,0\n", 1, "gyro needs all of gx, gy, gz"),
    ("t,ax,ay,az\n0,0,0,1\n0.02,0,zero,1\n", 3, "ay is not a number: 'zero'"),
    ("t,ax,ay,az\n0,0,0,1\n0.02,0,nan,1\n", 3, "ay is nan, not a finite number"),
    ("t,ax,ay,az\n0,0,0,1\n0.02,0,0,inf\n", 3, "az is inf, not a finite number"),
    ("t,ax,ay,az\n0,0,0,1\n0.02,0,0\n", 3, "expected 4 columns, found 3"),
    ("t,ax,ay,az\n0,0,0,1\n0.02,0,0,1\n0.01,0,0,1\n", 4, "time goes backwards: t=0.01 after t=0.02"),
    ("t,ax,ay,az\n0,0,0,1\n0,0,0,1\n", 3, "time does not advance"),
    ("t,ax,ay,az\n0,0,0,1\n", 0, "needs at least 2 samples, has 1"),
    ("t,ax,ay,az\n0,0,0,1\n1,0,0,1\n2,0,0,1\n", 0, "sample rate 1.0 Hz is outside 10-400 Hz"),
    (b"\xff\xfe\x00\x01garbage", 0, "not a text CSV file"),
])
def test_bad_files_name_line_and_problem(tmp_path, text, line, problem):
    p = write(tmp_path, text)
    with pytest.raises(tracemod.TraceError) as err:
        tracemod.load(p)
    assert err.value.line == line and problem in err.value.problem
    assert str(err.value).startswith(f"{p}:{line}: " if line else f"{p}: ")


def test_missing_file(tmp_path):
    with pytest.raises(tracemod.TraceError, match="cannot read"):
        tracemod.load(tmp_path / "nope.csv")


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.lists(st.sampled_from(["0", "1", "-2.5", "nan", "x", "", "1e9", "0.02"]),
                                   max_size=6), max_size=8).map(
                     lambda rows: "t,ax,ay,az\n" + "\n".join(",".join(r) for r in rows))))
def test_garbage_gives_a_trace_error_or_a_valid_trace(tmp_path, data):
    p = write(tmp_path, data)
    try:
        tr = tracemod.load(p)
    except tracemod.TraceError as e:
        assert str(p) in str(e)
    else:
        assert np.isfinite(tr.acc).all() and (np.diff(tr.t) > 0).all()


def _tone(rate, seconds, hz, amp=0.3):
    t = np.arange(0, seconds, 1 / rate)
    acc = np.stack([np.zeros_like(t), np.zeros_like(t), 1 + amp * np.sin(2 * np.pi * hz * t)], axis=1)
    return tracemod.Trace("tone", t, acc, None)


@pytest.mark.parametrize("src_rate", [12.5, 50, 100, 200, 400])
def test_resampling_keeps_a_walking_tone(src_rate):
    tone = _tone(src_rate, 20, 1.8)
    out = tracemod.resample(tone, 50)
    assert len(out) == int(tone.seconds * 50) + 1
    z = out[50:-50, 2] - 1
    spectrum = np.abs(np.fft.rfft(z))
    assert np.fft.rfftfreq(len(z), 1 / 50)[spectrum.argmax()] == pytest.approx(1.8, abs=0.06)
    assert z.max() == pytest.approx(0.3, rel=0.1)  # the chip's low-pass barely touches 1.8 Hz
    assert (out[:, 3:] == 0).all()  # no gyro in, zeros out


def test_downsampling_averages_away_what_the_chip_cannot_see():
    out = tracemod.resample(_tone(400, 10, 60, amp=0.5), 50)  # 60 Hz vibration, far above 25 Hz
    assert np.abs(out[10:-10, 2] - 1).max() < 0.15


def test_stream_is_finer_than_any_chip_resolution(tmp_path):
    samples = np.array([[1.0, -0.5, 2.0, 250.0, -1.0, 0.0]])
    tracemod.write_stream(samples, tmp_path / "s.bin")
    frames = np.frombuffer((tmp_path / "s.bin").read_bytes(), dtype="<i4")
    assert frames.tolist() == [262144, -131072, 524288, 524000, -2096, 0]
