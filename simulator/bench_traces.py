"""The generated traces the benchmarks replay: two hours of mixed activity, the same on every runtime."""

from simulator import trace as tracemod, tracegen

MIXED = [("walk", 600), ("sit", 900), ("stand", 300), ("walk", 300), ("sit", 1500), ("lie", 600),
         ("sit", 1200), ("walk", 1800)]  # two hours


def generated(schedule, seed=0):
    """`schedule` generated at 50 Hz, as a loaded trace."""
    g = tracegen.generate(schedule, rate_hz=50, seed=seed)
    return tracemod.Trace("<generated>", g.t, g.acc, g.gyro)
