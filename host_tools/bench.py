"""`stepclip bench`: figures for the firmware's per-sample cost, the simulator's speed, and power.

It prints figures, it does not pass or fail: targets are judged by people.
"""

import tempfile
import time
from pathlib import Path

from host_tools import bench_sync, power
from simulator import project, replay
from simulator.unix import runtime as unix_port
from simulator.bench_traces import MIXED, generated

LEDGER_S = 60  # seconds of each activity replayed worn on the emulated Pico for pico.ledger: a minute and its end


def ledger_boards():
    """The RP2040 boards whose IMU the emulated Pico carries: each is measured on its own ledger."""
    from simulator.pico import emulator

    boards = [project.board(name) for name in project.board_names()]
    return [b["name"] for b in boards if b["mcu"] == "rp2040" and b["imu"] in emulator.CHIP_WORDS]


def firmware_figures():
    """us_per_sample, call_us, call_equivalents, alloc_bytes_per_sample on the unix port."""
    trace = generated(MIXED[:4])
    with tempfile.TemporaryDirectory(prefix="stepclip-bench-") as work:
        job = replay.prepare(trace, work)
        return unix_port.run_micropython("bench_firmware.py", job, Path(work), heap="8M")


def realtime_factors():
    """Simulated seconds per wall second, replaying two hours of mixed activity."""
    trace = generated(MIXED, seed=1)
    out = {}
    for runtime in replay.SIMULATED:
        t0 = time.perf_counter()
        replay.replay(trace, runtime=runtime)
        out[runtime] = round(trace.seconds / (time.perf_counter() - t0), 1)
    return out


def run(ledger_s=LEDGER_S, boards=None):
    """Every figure; `ledger_s`: seconds of each activity on the emulated Pico, `boards`: the boards measured
    on their own ledgers (None: every one whose IMU the emulator carries; the other RP2040 boards borrow the
    default board's, which must be among them)."""
    from simulator.pico import bench as pico_bench

    carried = ledger_boards()
    boards = carried if boards is None else list(boards)
    for name in boards:
        if name not in carried:
            raise ValueError(f"no ledger for board {name!r}: the emulated Pico carries the IMU of {', '.join(carried)}")
    if project.DEFAULT_BOARD not in boards:
        raise ValueError(f"the boards measured on the chip must include {project.DEFAULT_BOARD}, whose ledger the others borrow")

    figures = firmware_figures()
    # four significant digits, not three decimals: call_us is about 0.05 us, and three decimals would leave
    # it (and us_per_sample / call_us) only good to a percent or two
    figures = {k: float("%.4g" % v) if isinstance(v, float) else v for k, v in figures.items()}
    figures["sim_realtime_factor"] = realtime_factors()
    figures.update(bench_sync.run())
    figures["pico"] = pico_bench.run(generated(MIXED[:4]))
    ledgers = None
    if "missing" not in figures["pico"]:
        figures["pico"].update(bench_sync.pico_figures())
        from simulator.pico import ledger_bench

        ledgers = {name: ledger_bench.measure(ledger_s, name) for name in boards}
        figures["pico"]["ledger"] = ledgers[project.DEFAULT_BOARD]  # pico.ledger: the default board's
        figures["pico"]["ledgers"] = {k: v for k, v in ledgers.items() if k != project.DEFAULT_BOARD}
    figures["power"] = power.all_boards(figures["call_equivalents"], ledgers)
    figures["power_assumptions"] = power.assumptions()
    return figures
