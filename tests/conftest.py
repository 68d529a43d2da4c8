"""Shared helpers: the firmware on sys.path, the unix-port MicroPython, the shared recordings."""

import json
import os
import subprocess
import textwrap

import pytest
from hypothesis import settings

from simulator import project
from simulator.unix import runtime as unix_port

project.use_firmware()


@pytest.fixture(scope="session")
def micropython():
    return unix_port.micropython_command()


@pytest.fixture
def run_mp(micropython, tmp_path):
    """Run a snippet on the unix-port MicroPython with the firmware and simulated devices importable.

    The snippet's last printed line is parsed as JSON and returned.
    """

    def run(code, heap="4M"):
        script = tmp_path / "snippet.py"
        prelude = f"import sys\nsys.path.insert(0, {str(project.CHIPS)!r})\nsys.path.insert(0, {str(project.UNIX)!r})\nsys.path.insert(0, {str(project.FIRMWARE)!r})\n"
        script.write_text(prelude + textwrap.dedent(code))
        proc = subprocess.run([micropython, "-X", f"heapsize={heap}", str(script)], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture(scope="session")
def datasets():
    """The shared recordings folder, or a skip that says where it was looked for."""
    d = project.datasets_dir()
    if not (d / "steps" / "index.csv").is_file():
        pytest.skip(f"shared recordings not found at {d} (set {project.DATASETS_ENV} to their folder)")
    return d


@pytest.fixture
def still_tilt_swing(tmp_path):
    """A 30 s, 50 Hz stream for a resting IMU: still, turning slowly from 2 to 7 s (no motion, a new tilt),
    then swinging along x from 10 s."""
    import numpy as np

    from simulator import trace as tracemod

    t = np.arange(1500) / 50
    ax = np.where(t >= 10, 0.3 * np.sin(2 * np.pi * 1.7 * (t - 10)), 0.0)
    ay = -0.25 * np.clip((t - 2) / 5, 0, 1)
    stream = tmp_path / "still_tilt_swing.bin"
    tracemod.write_stream(np.stack([ax, ay, 1 + 0 * t, 0 * t, 0 * t, 0 * t], axis=1), stream)
    return str(stream)


# CI explores the same examples on every run, so a red build is reproducible;
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


class VirtualClipProcess:
    """`stepclip virtual-clip` running in the background; `url` is what mpremote connects to."""

    def __init__(self, flash, trace=None, speed="max", start=None):
        import sys

        cmd = [sys.executable, "-m", "host_tools.cli", "virtual-clip", "--flash", str(flash), "--speed", speed]
        if trace:
            cmd += ["--trace", str(trace)]
        if start:
            cmd += ["--start", start]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     cwd=project.ROOT)
        first = self.proc.stdout.readline()
        assert " on socket://" in first, first + self.proc.stdout.read()
        self.banner = first
        self.url = first.split(" on ")[1].split()[0]
        self.pty = first.split(" and ")[1].split(",")[0]

    def wait_finished(self, timeout=120):
        """Block until the clip reports that the trace has run out."""
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"the virtual clip did not finish its trace within {timeout} s"
        line = self.proc.stdout.readline()
        assert line.startswith("trace finished"), line
        return line

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture
def virtual_clip():
    """Factory: start a virtual clip on a flash folder (and stop it after the test)."""
    started = []

    def start(flash, trace=None, speed="max", start=None):
        clip = VirtualClipProcess(flash, trace, speed, start)
        started.append(clip)
        return clip

    yield start
    for clip in started:
        clip.stop()
