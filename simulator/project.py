"""Where the project's parts live, and access to the firmware from CPython.

The firmware's modules are top-level names on a board (`import steps`), so
CPython reaches them the same way: the firmware folder and a shim for the
`micropython` module go on sys.path.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
BOARDS = ROOT / "boards"
CHIPS = ROOT / "simulator" / "chips"  # the simulated IMUs, bus, clock and motor
UNIX = ROOT / "simulator" / "unix"  # the scripts that run the firmware on those chips
SHIM = ROOT / "simulator" / "shim"
DEFAULT_BOARD = "pico_mpu6050"
DATASETS_ENV = "STEPCLIP_DATASETS"


def use_firmware():
    """Make the firmware, the simulated chips and their scripts importable in CPython."""
    for p in (SHIM, CHIPS, UNIX, FIRMWARE):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))


def board_names():
    return sorted(p.stem for p in BOARDS.glob("*.json"))


def board(name):
    """The board description `name`, normalised as the firmware reads it."""
    path = BOARDS / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"unknown board '{name}' (known: {', '.join(board_names())})")
    use_firmware()
    import board as fw_board

    return fw_board.normalise(json.loads(path.read_text()))


def datasets_dir():
    """The shared recordings: $STEPCLIP_DATASETS, else ../shared/datasets beside the project."""
    return Path(os.environ.get(DATASETS_ENV) or ROOT.parent / "shared" / "datasets")
