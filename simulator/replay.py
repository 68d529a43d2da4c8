"""Replay a trace through the firmware, on one of the runtimes (simulator/runtimes.py).

The host reads the trace, resamples it to the rate the board's IMU driver
will set, and writes it as a sample stream (simulator/job.py); the firmware
then runs on simulated chips fed by that stream (simulator/chips: the unix
port, CPython) or on the emulated Pico, and reports steps, minutes, posture
changes and nudges.
"""

import tempfile
from pathlib import Path

from simulator import project, runtimes, trace as tracemod
from simulator.job import DAY_ZERO, SimError, imu_rate, prepare, resolve_settings  # noqa: F401 (the replay's API)

RUNTIMES = runtimes.NAMES
SIMULATED = runtimes.SIMULATED  # the firmware on simulated hardware, where faults and batch counting run


def replay(trace, runtime="micropython", board_name=project.DEFAULT_BOARD, overrides=None,
           start_minute=-1, flash=None, faults=None, progress=None, worn=False, battery=None):
    """Run `trace` (a path or a loaded Trace) through the firmware; the result dict of `sim replay --json`.

    `worn`, `battery` ({charge: 0..1, mah}): on the emulated Pico, the USB is out while the trace plays and
    the battery that time drains starts at `charge` (simulator/pico/run.py).

    `faults`: what simulator/unix/faults.py is to inject, if anything.
    `progress(seconds)`: told how far the replay is, every 10 minutes of the trace.
    """
    rt = runtimes.get(runtime)
    if faults and not rt.SIMULATED:
        raise SimError(f"faults are injected on the {' and '.join(SIMULATED)} runtimes, not on {runtime}")
    if not isinstance(trace, tracemod.Trace):
        trace = tracemod.load(trace)
    with tempfile.TemporaryDirectory(prefix="stepclip-sim-") as work:
        job = prepare(trace, work, board_name, overrides, start_minute, flash)
        if faults:
            job["faults"] = faults
        job["worn"] = worn
        job["battery"] = dict(battery or {})
        result = rt.run(job, Path(work), progress)
    result["seconds"] = round(trace.seconds, 3)
    result["runtime"] = runtime
    return result

