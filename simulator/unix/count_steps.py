# Runs the firmware's step counter over many recordings in one interpreter run.
#
# For evaluating the counter on a whole folder of recordings: the host
# writes each recording as the chip's own counts (int16 x, y, z, already
# quantised exactly as the MPU-6050 model does), and this script feeds
# them to a fresh StepCounter per recording, as Clip.process does batch by
# batch. Steps do not depend on anything else the clip does, so the count
# equals a full replay's (a test checks this). Runs inside the unix-port
# MicroPython (argument: the path of a JSON job) and in CPython (run(job)).
#
# Job: {"firmware": dir, "rate_hz": n, "lsb_per_g": n, "settings": {...},
#       "streams": [path, ...], "progress": bool}  ->  {"steps": [n, ...], "samples": [n, ...]}

import sys
from array import array

_CHUNK = 1024  # samples read at a time


def count(path, counter, buf):
    n = 0
    with open(path, "rb") as f:
        while True:
            got = f.readinto(buf) // 6
            counter.scan(buf, 0, 3 * got)
            n += got
            if got < _CHUNK:
                return n


def run(job, progress=None):
    """Count each stream; `progress(n)` is told after each (on stderr when the job asks for it)."""
    if progress is None and job.get("progress"):
        from rig import print_progress as progress
    if job["firmware"] not in sys.path:
        sys.path.insert(0, job["firmware"])
    import settings
    from steps import StepCounter

    s = settings.defaults()
    for k in job["settings"]:
        s[k] = settings.check(k, job["settings"][k])
    buf = array("h", bytes(6 * _CHUNK))
    steps = []
    samples = []
    for path in job["streams"]:
        counter = StepCounter(job["rate_hz"], job["lsb_per_g"], s)
        samples.append(count(path, counter, buf))
        steps.append(counter.total)
        if progress is not None:
            progress(len(steps))
    return {"steps": steps, "samples": samples}


if __name__ == "__main__":
    from rig import serve

    serve(run)
