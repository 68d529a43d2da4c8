"""Shared helpers: the firmware on sys.path, the unix-port MicroPython, the shared recordings."""

import json
import os
import subprocess
import textwrap

import pytest
from hypothesis import settings

from simulator import project, replay

project.use_firmware()


@pytest.fixture(scope="session")
def micropython():
    return replay.micropython_command()


@pytest.fixture
def run_mp(micropython, tmp_path):
    """Run a snippet on the unix-port MicroPython with the firmware and simulated devices importable.

    The snippet's last printed line is parsed as JSON and returned.
    """

    def run(code, heap="4M"):
        script = tmp_path / "snippet.py"
        prelude = f"import sys\nsys.path.insert(0, {str(project.DEVICE)!r})\nsys.path.insert(0, {str(project.FIRMWARE)!r})\n"
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


# CI explores the same examples on every run, so a red build is reproducible;
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
