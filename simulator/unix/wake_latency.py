"""How long a clip picked up from the table takes to be back at the IMU's full rate (issue 24, item 4).

The firmware's loop (firmware/clip.py) on the simulated board (rig.py: the board's IMU register model, its
INT line waking the virtual clock's sleeps as it wakes a board's MCU): a walk, the clip put down until
it rests (off_body_s, then the low-power cycle of settings still_wake_hz, motion_mg, motion_ms), then
picked up and walked with. Prints, per seed, the ms from the pickup (the first sample off the table)
to the FIFO at the full rate again, and the largest. The I2C writes of full_rate() take no virtual
time here (on the chip: 4 to 6 register writes, about 0.4 to 0.6 ms at 400 kHz).

    .venv/bin/python -m simulator.unix.wake_latency [SEEDS] [BOARD]
"""

import sys
import tempfile
from pathlib import Path

from simulator import bench_traces, project, replay

BEFORE = [("walk", 20)]
AFTER = [("walk", 20)]
SETTLE_S = 30  # beyond off_body_s: long enough to be resting


def latency_ms(seed, work, board_name=project.DEFAULT_BOARD):
    """(ms from the pickup to the full rate, or None if the rest never ended; rests before the pickup)."""
    project.use_firmware()
    for p in (project.CHIPS, project.UNIX):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
    from clip import Clip
    from rig import Rig
    from vmotor import VirtualMotor

    s = replay.resolve_settings({})
    off_s = s["off_body_s"] + SETTLE_S
    picked_ms = (sum(d for _, d in BEFORE) + off_s) * 1000
    job = replay.prepare(bench_traces.put_down(BEFORE, off_s, AFTER, seed), work, board_name)
    rig = Rig(job)
    clock = rig.clock
    clip = Clip(rig.imu, clock, VirtualMotor(clock), rig.storage, rig.settings)
    try:
        while not rig.chip.finished():
            was = clip.resting
            wait = clip.step()
            if was and not clip.resting and clock.ticks_ms() >= picked_ms:
                return clock.ticks_ms() - picked_ms, clip.rests
            clock.sleep_ms(wait)
        return None, clip.rests
    finally:
        rig.chip.close()


def main(argv):
    seeds = range(int(argv[0]) if argv else 10)
    board = argv[1] if len(argv) > 1 else project.DEFAULT_BOARD
    worst = 0
    with tempfile.TemporaryDirectory() as work:
        for seed in seeds:
            ms, rests = latency_ms(seed, Path(work) / str(seed), board)
            said = "still resting at the end" if ms is None else f"{ms} ms"
            print(f"seed {seed}: pickup -> full rate {said} (rests: {rests})")
            worst = max(worst, ms if ms is not None else 10 ** 9)
    print(f"{board}, largest: {worst} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
