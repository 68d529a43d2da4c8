"""Replay a trace through the firmware, on the unix-port MicroPython or in CPython.

The host reads the trace, resamples it to the rate the board's IMU driver
will set, and writes it as a sample stream; the firmware then runs on
simulated hardware (simulator/device) fed by that stream, in either
interpreter, and reports steps, minutes, posture changes and nudges.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from simulator import project, trace as tracemod

RUNTIMES = ("micropython", "cpython", "pico")
SIMULATED = RUNTIMES[:2]  # the firmware on simulated hardware, where faults and batch counting run
DAY_ZERO = 1767571200  # Monday 2026-01-05 00:00, local time: the date simulated days fall on
MICROPYTHON_ENV = "MICROPYTHON"


class SimError(Exception):
    pass


def micropython_command():
    """The unix-port interpreter: $MICROPYTHON, else the one beside this Python, else on PATH."""
    env = os.environ.get(MICROPYTHON_ENV)
    if env:
        return env
    beside = Path(sys.executable).with_name("micropython")
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if not found:
        raise SimError("no MicroPython interpreter: run `make setup` or set MICROPYTHON")
    return found


def imu_rate(board, settings):
    """The output data rate the board's IMU driver sets for the requested rate."""
    project.use_firmware()
    from imu import output_rate

    try:
        return output_rate(board["imu"], settings["rate_hz"])
    except ValueError as e:
        raise SimError(str(e)) from None


def resolve_settings(overrides):
    """Defaults with `overrides` applied, each checked against the firmware's schema."""
    project.use_firmware()
    import settings as fw_settings

    s = fw_settings.defaults()
    for k, v in overrides.items():
        try:
            s[k] = fw_settings.check(k, v)
        except ValueError as e:
            raise SimError(str(e)) from None
    return s


def prepare(trace, work, board_name=project.DEFAULT_BOARD, overrides=None, start_minute=-1, flash=None):
    """Write the sample stream for `trace` into folder `work`; the job that runs it."""
    board = project.board(board_name)
    overrides = dict(overrides or {})
    rate = imu_rate(board, resolve_settings(overrides))
    flash_dir = Path(flash) if flash else Path(work) / "flash"
    flash_dir.mkdir(parents=True, exist_ok=True)
    stream = Path(work) / "stream.bin"
    tracemod.write_stream(tracemod.resample(trace, rate), stream)
    return {
        "firmware": str(project.FIRMWARE),
        "stream": str(stream),
        "stream_rate_hz": rate,
        "flash": str(flash_dir),
        "board": board,
        "settings": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        "start_epoch": DAY_ZERO + 60 * start_minute if start_minute >= 0 else -1,
    }


def replay(trace, runtime="micropython", board_name=project.DEFAULT_BOARD, overrides=None,
           start_minute=-1, flash=None, faults=None, progress=None):
    """Run `trace` (a path or a loaded Trace) through the firmware; the result dict of `sim replay --json`.

    `faults`: what simulator/device/faults.py is to inject, if anything.
    `progress(seconds)`: told how far the replay is, every 10 minutes of the trace.
    """
    if runtime not in RUNTIMES:
        raise SimError(f"unknown runtime '{runtime}' (choose from {', '.join(RUNTIMES)})")
    if not isinstance(trace, tracemod.Trace):
        trace = tracemod.load(trace)
    with tempfile.TemporaryDirectory(prefix="stepclip-sim-") as work:
        job = prepare(trace, work, board_name, overrides, start_minute, flash)
        if faults:
            job["faults"] = faults
        if runtime == "micropython":
            job["progress"] = progress is not None
            result = run_micropython("run_clip.py", job, Path(work), progress=progress)
        elif runtime == "pico":
            result = _run_pico(job, work, faults)
        else:
            result = _run_cpython(job, progress)
    result["seconds"] = round(trace.seconds, 3)
    result["runtime"] = runtime
    return result


def run_micropython(script, job, work, heap="2M", progress=None):
    """Run a script of simulator/device on the unix port with `job`; its JSON answer.

    The heap is kept near a board's size, so that memory hunger shows here too.
    `progress(seconds)` is called for each "progress" line the script writes to stderr.
    """
    work = Path(work)
    job_path = work / "job.json"
    job_path.write_text(json.dumps(job))
    cmd = [micropython_command(), "-X", f"heapsize={heap}", str(project.DEVICE / script), str(job_path)]
    errors = []
    try:
        with open(work / "answer.json", "w+") as out:
            with subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True) as proc:
                for line in proc.stderr:
                    if progress and line.startswith("progress "):
                        progress(int(line.split()[1]))
                    else:
                        errors.append(line)
            out.seek(0)
            answer = out.read()
    except OSError as e:
        raise SimError(f"cannot start MicroPython ({cmd[0]}): {e.strerror or e}") from None
    if proc.returncode != 0:
        tail = ("".join(errors) or answer).strip().splitlines()[-6:]
        raise SimError("the firmware stopped on MicroPython:\n" + "\n".join(tail))
    return json.loads(answer.strip().splitlines()[-1])


def _run_pico(job, work, faults):
    from simulator.pico import emulator, run as pico_run

    if faults:
        raise SimError("faults are injected on the micropython and cpython runtimes, not on the emulated Pico")
    try:
        return pico_run.run(job, work)
    except emulator.PicoError as e:
        raise SimError(str(e)) from None


def _run_cpython(job, progress=None):
    project.use_firmware()
    import run_clip

    # the same JSON round trip as the MicroPython side, so both report alike
    return json.loads(json.dumps(run_clip.run(json.loads(json.dumps(job)), progress)))
