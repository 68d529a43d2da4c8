"""The generated traces the benchmarks replay: two hours of mixed activity, the same on every runtime;
a clip put down on a table and picked up again."""

import numpy as np

from simulator import trace as tracemod, tracegen

MIXED = [("walk", 600), ("sit", 900), ("stand", 300), ("walk", 300), ("sit", 1500), ("lie", 600),
         ("sit", 1200), ("walk", 1800)]  # two hours


def generated(schedule, seed=0):
    """`schedule` generated at 50 Hz, as a loaded trace."""
    g = tracegen.generate(schedule, rate_hz=50, seed=seed)
    return tracemod.Trace("<generated>", g.t, g.acc, g.gyro)


def off_body(seconds, rate_hz=50, seed=0):
    """A clip on a table: gravity on one axis, the accelerometer's noise, no motion."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate_hz)
    acc = np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0, 0.004, (n, 3))
    return tracemod.Trace("<off body>", np.arange(n) / rate_hz, acc, np.zeros((n, 3)))


def put_down(before, off_s, after, seed=0):
    """`before` generated, the clip then `off_s` on a table, then picked up (at once on the belt) for `after`."""
    parts = [generated(before, seed), off_body(off_s, seed=seed), generated(after, seed + 1)]
    acc = np.concatenate([p.acc for p in parts])
    n = len(acc)
    return tracemod.Trace("<put down>", np.arange(n) / 50, acc, np.concatenate([p.gyro for p in parts]))
