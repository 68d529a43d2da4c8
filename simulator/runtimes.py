"""The ways to run the firmware, by name. Each runtime's module gives its NAME, whether it runs on
simulated hardware (SIMULATED: where faults are injected and batches counted) and run(job, work, progress)."""

from simulator.cpython import runtime as cpython
from simulator.job import SimError
from simulator.pico import run as pico
from simulator.unix import runtime as unix

TABLE = {m.NAME: m for m in (unix, cpython, pico)}
NAMES = tuple(TABLE)
SIMULATED = tuple(n for n, m in TABLE.items() if m.SIMULATED)


def get(name):
    """The runtime module called `name`; SimError lists the known ones."""
    try:
        return TABLE[name]
    except KeyError:
        raise SimError(f"unknown runtime '{name}' (choose from {', '.join(NAMES)})") from None
