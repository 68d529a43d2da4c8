"""The `micropython` runtime: the firmware and the simulated chips in the unix-port MicroPython.

The scripts beside this module (run_clip, count_steps, soak_clip, ...) run
inside that interpreter; each reads a job file and prints its answer as JSON.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from simulator import project
from simulator.job import SimError

NAME = "micropython"
SIMULATED = True  # simulated hardware: faults and batch counting run here
MICROPYTHON_ENV = "MICROPYTHON"


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


def search_path():
    """MICROPYPATH for the scripts: the simulated chips and the firmware (the script's own folder comes first)."""
    return ":".join((".frozen", str(project.CHIPS), str(project.FIRMWARE)))


def run_micropython(script, job, work, heap="2M", progress=None):
    """Run a script of simulator/unix on the unix port with `job`; its JSON answer.

    The heap is kept near a board's size, so that memory hunger shows here too.
    `progress(seconds)` is called for each "progress" line the script writes to stderr.
    """
    work = Path(work)
    job_path = work / "job.json"
    job_path.write_text(json.dumps(job))
    cmd = [micropython_command(), "-X", f"heapsize={heap}", str(project.UNIX / script), str(job_path)]
    env = dict(os.environ, MICROPYPATH=search_path())
    errors = []
    try:
        with open(work / "answer.json", "w+") as out:
            with subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True, env=env) as proc:
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


def run(job, work, progress=None):
    job = dict(job, progress=progress is not None)
    return run_micropython("run_clip.py", job, work, progress=progress)
