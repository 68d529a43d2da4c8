"""`stepclip virtual-clip --target pico`: an emulated Pico reachable as a board is.

A Pico fresh from the factory with MicroPython on it: its flash image lives in
the flash folder (pico-flash.img) and is kept between runs; a blank one gets a
file system at first boot, as on a board, and `stepclip deploy --port
socket://127.0.0.1:PORT` then installs the clip. An MPU-6050 on its I2C bus
plays the trace from the moment the firmware first starts its FIFO. Its
battery (VSYS on ADC3) starts at `charge`; worn (`--worn`), the USB is out
while the trace plays and back in at its end, for a sync, and the chip's
ledger drains the battery meanwhile (simulator/pico/ledger.mjs).
"""

import signal
import sys
import tempfile
import time
from pathlib import Path

from simulator import currents, project, replay
from simulator import trace as tracemod
from simulator.pico import emulator

IMAGE = "pico-flash.img"
DEFAULT_TRACE = project.ROOT / "simulator" / "traces" / "sit_2min.csv"


def desk_speed(speed):
    """The pace of `stepclip virtual-clip --target pico` before its trace starts and once it is played: wall
    time at most, as a clip on the desk keeps. Skipping idle time there (`--speed max`) raced through hours
    of it in wall seconds: the clip logged empty minutes by the hundred and its clock ran ahead of the host's."""
    return min(speed, 1.0) if speed > 0 else 1.0


class PicoClip:
    """An emulated Pico with an IMU playing `trace`; `start()`, then reach it at `url`; `stop()` saves the flash.

    `idle_speed`: the pace before the trace starts and once it is played (None: `speed`)."""

    def __init__(self, flash, trace=None, speed=1.0, board_name=project.DEFAULT_BOARD, port=0, overrides=None,
                 idle_speed=None, charge=1.0, worn=False):
        board = emulator.emulated_board(project.board(board_name))
        self.flash = Path(flash)
        self.flash.mkdir(parents=True, exist_ok=True)
        self._work = tempfile.TemporaryDirectory(prefix="stepclip-picoclip-")
        work = Path(self._work.name)
        job = replay.prepare(tracemod.load(trace or DEFAULT_TRACE), work, board_name, overrides)
        imu = emulator.imu_stream(job, replay.resolve_settings(overrides or {}), work / "fifo.bin")
        battery = currents.chip_battery(board, charge)  # the ledger's worn time drains it
        self.pico = emulator.Pico(self.flash / IMAGE, imu, port=port, speed=speed, board_name=board_name,
                                  idle_speed=idle_speed, battery=battery, worn=worn)

    @property
    def url(self):
        return self.pico.url

    def start(self):
        self.pico.start()
        return self

    def stop(self):
        stats = self.pico.stop()
        self._work.cleanup()
        return stats

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def main(flash, trace=None, speed=1.0, board_name=project.DEFAULT_BOARD, port=0, charge=1.0, worn=False):
    clip = PicoClip(flash, trace, speed, board_name, port, idle_speed=desk_speed(speed), charge=charge, worn=worn)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    clip.start()
    print(f"emulated Pico (MicroPython {emulator.uf2_path().name}) on {clip.url}; flash {clip.flash / IMAGE}",
          flush=True)
    print(f"  deploy: stepclip deploy --board {board_name} --port {clip.url}", flush=True)
    try:
        while clip.pico.proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        clip.stop()
