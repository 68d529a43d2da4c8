"""Trace files: reading and checking them, and turning them into what an IMU would sample.

Format: CSV with a header row; required columns t, ax, ay, az; optional
gx, gy, gz; other columns (such as label) are ignored. Seconds (monotonic,
any start), g, degrees per second; any rate from 10 to 400 Hz.
"""

import csv
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REQUIRED = ("t", "ax", "ay", "az")
GYRO = ("gx", "gy", "gz")
MIN_RATE_HZ = 10
MAX_RATE_HZ = 400
# Stream units: 16 times the MPU-6050's finest resolution (16384 LSB/g, 131 LSB/deg/s),
# so that the simulated chip rounds only once.
ACC_UNIT = 16384 * 16
GYRO_UNIT = 131 * 16


class TraceError(Exception):
    """A problem with a trace file, located by file and line."""

    def __init__(self, path, line, problem):
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


@dataclass
class Trace:
    path: str
    t: np.ndarray  # seconds from the first sample
    acc: np.ndarray  # (n, 3) g
    gyro: np.ndarray | None  # (n, 3) deg/s

    @property
    def seconds(self):
        return float(self.t[-1])

    @property
    def rate_hz(self):
        return 1.0 / float(np.median(np.diff(self.t)))


def load(path):
    """Read and check a trace; raises TraceError naming file, line and problem."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header_row = next(csv.reader(f), None)
            if header_row is None:
                raise TraceError(path, 1, "empty file: expected a header with t,ax,ay,az")
            cols, idx, width = _columns(path, header_row)
            try:
                values = _fast_values(f, idx)
            except ValueError:
                values = None
            if values is None:
                f.seek(0)
                rows = csv.reader(f)
                next(rows)
                values = _checked_values(path, rows, cols, idx, width)
    except OSError as e:
        raise TraceError(path, 0, f"cannot read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise TraceError(path, 0, "not a text CSV file") from None
    except csv.Error as e:
        raise TraceError(path, 0, f"not a CSV file ({e})") from None
    if len(values) < 2:
        raise TraceError(path, 0, f"needs at least 2 samples, has {len(values)}")
    t = values[:, 0] - values[0, 0]
    rate = 1.0 / float(np.median(np.diff(t)))
    if not MIN_RATE_HZ * 0.9 <= rate <= MAX_RATE_HZ * 1.1:
        raise TraceError(path, 0, f"sample rate {rate:.1f} Hz is outside {MIN_RATE_HZ}-{MAX_RATE_HZ} Hz")
    gyro = values[:, 4:7] if len(cols) == 7 else None
    return Trace(str(path), t, values[:, 1:4], gyro)


def header(path):
    """The column names of a CSV file, lower case."""
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        return [h.strip().lower() for h in next(csv.reader(f), [])]


def load_labels(path):
    """The `label` column of a labelled recording, one string per sample."""
    names = header(path)
    if "label" not in names:
        raise TraceError(path, 1, "no label column")
    col = names.index("label")
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        return np.array([row[col].strip() if len(row) > col else "" for row in rows if row])


def _columns(path, header_row):
    header = [h.strip().lower() for h in header_row]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise TraceError(path, 1, f"missing column {', '.join(missing)} (header: {','.join(header)})")
    gyro_cols = [c for c in GYRO if c in header]
    if gyro_cols and len(gyro_cols) != 3:
        raise TraceError(path, 1, "gyro needs all of gx, gy, gz")
    cols = list(REQUIRED) + gyro_cols
    return cols, [header.index(c) for c in cols], len(header)


def _fast_values(f, idx):
    """All rows at C speed, or None if anything is off (then the careful reader says what)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an empty body is reported by the careful reader
        values = np.loadtxt(f, delimiter=",", usecols=idx, ndmin=2, dtype=float)
    if values.size and np.isfinite(values).all() and (np.diff(values[:, 0]) > 0).all():
        return values
    return None


def _checked_values(path, rows, cols, idx, width):
    """Row by row, stopping at the first problem with its line number."""
    out = []
    prev = None
    for lineno, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) < width:
            raise TraceError(path, lineno, f"expected {width} columns, found {len(row)}")
        vals = []
        for c, i in zip(cols, idx):
            try:
                v = float(row[i])
            except ValueError:
                raise TraceError(path, lineno, f"{c} is not a number: {row[i]!r}") from None
            if not math.isfinite(v):
                raise TraceError(path, lineno, f"{c} is {row[i].strip()}, not a finite number")
            vals.append(v)
        if prev is not None and vals[0] <= prev:
            word = "goes backwards" if vals[0] < prev else "does not advance"
            raise TraceError(path, lineno, f"time {word}: t={vals[0]:g} after t={prev:g}")
        prev = vals[0]
        out.append(vals)
    return np.array(out, dtype=float).reshape(-1, len(cols))


def resample(trace, rate_hz):
    """The trace as an IMU running at `rate_hz` samples it: (n, 6) floats, acc in g, gyro in deg/s.

    Faster recordings are first averaged over one output period, standing in
    for the chip's digital low-pass filter; then each axis is interpolated
    at the output times. Gaps (dropped packets) are bridged linearly.
    """
    src_rate = trace.rate_hz
    data = trace.acc if trace.gyro is None else np.hstack([trace.acc, trace.gyro])
    width = int(round(src_rate / rate_hz))
    if width > 1:
        kernel = np.ones(width) / width
        pad = np.pad(data, ((width // 2, width - 1 - width // 2), (0, 0)), mode="edge")
        data = np.stack([np.convolve(pad[:, k], kernel, mode="valid") for k in range(data.shape[1])], axis=1)
    n = int(math.floor(trace.seconds * rate_hz)) + 1
    t_out = np.arange(n) / rate_hz
    out = np.zeros((n, 6))
    for k in range(data.shape[1]):
        out[:, k] = np.interp(t_out, trace.t, data[:, k])
    return out


def write_stream(samples, path):
    """Write resampled samples as the int32 frames the simulated IMU reads."""
    scale = np.array([ACC_UNIT] * 3 + [GYRO_UNIT] * 3, dtype=float)
    frames = np.clip(np.rint(samples * scale), -(2**31), 2**31 - 1).astype("<i4")
    Path(path).write_bytes(frames.tobytes())
