"""The `cpython` runtime: the firmware and the simulated chips imported into this Python."""

import json

from simulator import project

NAME = "cpython"
SIMULATED = True  # simulated hardware: faults and batch counting run here


def run(job, work, progress=None):
    project.use_firmware()
    import run_clip

    # the same JSON round trip as the MicroPython side, so both report alike
    return json.loads(json.dumps(run_clip.run(json.loads(json.dumps(job)), progress)))
