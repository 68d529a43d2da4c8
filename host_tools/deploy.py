"""`stepclip deploy`: compile the firmware for a board, copy it over USB and check it runs.

The plan is a list of steps, each one command line: mpy-cross for every
firmware module (-march for the board's MCU), then mpremote to copy the
compiled modules, main.py and the board description, write default
settings only where the clip has none (the wearer's learned upright
direction and settings survive a redeploy), set the clock, read the
firmware version back, and restart. `--dry-run` prints the plan.

The firmware's kernels are machine code, so the modules are compiled for
the code the clip says it runs (sys.implementation._mpy): the board's
MCU's, or the host's for a virtual clip standing in for the board.
"""

import json
import shlex
import subprocess
import time

from simulator import boards, firmware_build, project
from simulator.firmware_build import ENTRY, modules

SETTINGS_IF_ABSENT = """\
import settings
from storage import Storage
st = Storage()
if st.read_json(settings.FILENAME) is None:
    settings.save(st, settings.defaults())
    print("settings: defaults written")
else:
    print("settings: kept")
"""

MAKE_DIRS = 'import os\ntry:\n    os.mkdir("imu")\nexcept OSError:\n    pass\n'

# mpy-cross -march by the native architecture in bits 10 on of sys.implementation._mpy (MicroPython's order)
MPY_ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp", "xtensa",
             "xtensawin", "rv32imc", "rv64imc")
ASK_ARCH = "import sys\nprint(sys.implementation._mpy >> 10)"


class DeployError(Exception):
    pass


def local_version():
    project.use_firmware()
    import version

    return version.VERSION


def _stale_sources(mods):
    """A device script removing .py copies that would shadow the .mpy modules."""
    names = json.dumps([str(m) for m in mods])
    return f"import os\nfor n in {names}:\n    try:\n        os.remove(n)\n    except OSError:\n        pass\n"


def plan(board_name, port=None, epoch=None, arch=None):
    """The steps of a deploy: (what, argv) pairs; compiled for `arch` (mpy-cross -march), else the board's."""
    desc = boards.load(board_name)
    arch = arch or desc["arch"]
    out = firmware_build.out_dir(desc, arch)
    mods = modules()
    steps = firmware_build.compile_steps(desc, arch)
    # `resume`: no soft reset. A running clip's watchdog cannot be stopped; stopped by the host, main.py
    # feeds it from a timer, which a soft reset would end, and the board would reset mid-copy.
    remote = [firmware_build.tool("mpremote"), "connect", port or "auto", "resume"]
    copy = list(remote) + ["exec", MAKE_DIRS, "+", "exec", _stale_sources(mods)]
    for m in mods:
        copy += ["+", "fs", "cp", str(out / m.with_suffix(".mpy")), ":" + str(m.with_suffix(".mpy"))]
    copy += ["+", "fs", "cp", str(project.FIRMWARE / ENTRY), ":" + ENTRY,
             "+", "fs", "cp", str(out / "board.json"), ":board.json"]
    steps.append((f"copy {len(mods)} modules, {ENTRY} and board.json", copy))
    steps.append(("write default settings only where the clip has none", remote + ["exec", SETTINGS_IF_ABSENT]))
    epoch = local_epoch() if epoch is None else epoch
    steps.append(("set the clock to the host's local time",
                  remote + ["exec", f"import hardware\nhardware.set_clock({epoch})"]))
    steps.append((f"verify: the clip reports firmware {local_version()}",
                  remote + ["exec", "import json, version, hardware\n"
                                    'print(json.dumps({"version": version.VERSION, "clip": hardware.clip_id()}))']))
    steps.append(("restart into the firmware", remote + ["reset"]))
    return desc, steps


def local_epoch():
    """Local wall-clock time as seconds since 1970, the clip's convention."""
    t = time.time()
    return int(t + time.localtime(t).tm_gmtoff)


def format_plan(steps):
    lines = []
    for i, (what, argv) in enumerate(steps, 1):
        lines.append(f"{i:2d}. {what}")
        lines.append("    " + shlex.join(argv))
    return "\n".join(lines)


def compile_firmware(desc, steps, arch=None):
    try:
        return firmware_build.compile_firmware(desc, steps, arch)
    except firmware_build.BuildError as e:
        raise DeployError(str(e)) from None


def _device(what, argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines() or ["no answer"]
        raise DeployError(f"{what}: {last[-1]}")
    return proc.stdout


def device_arch(port):
    """The machine code the clip at `port` runs, as mpy-cross -march names it."""
    answer = _device("ask the clip which machine code it runs",
                     [firmware_build.tool("mpremote"), "connect", port or "auto", "resume", "exec", ASK_ARCH]).strip()
    try:
        arch = MPY_ARCHS[int(answer.splitlines()[-1])]
    except (ValueError, IndexError):
        raise DeployError(f"the clip did not say which machine code it runs ({answer[-60:]!r})") from None
    if arch is None:
        raise DeployError("the clip's MicroPython runs no machine code of its own; the firmware's kernels need it")
    return arch


def run(board_name, port=None, dry_run=False, echo=print):
    desc, steps = plan(board_name, port)
    if dry_run:
        echo(f"deploy plan for {desc['title']} ({desc['mcu']}, mpy-cross -march={desc['arch']}, or the machine "
             "code the clip says it runs):")
        echo(format_plan(steps))
        return 0
    arch = device_arch(port)
    if arch != desc["arch"]:
        echo(f"the clip runs {arch} code, not the {desc['mcu']}'s {desc['arch']} (a virtual clip): compiling for {arch}")
        desc, steps = plan(board_name, port, arch=arch)
    compile_firmware(desc, steps, arch)
    echo(f"compiled {len(modules())} modules for {arch} into {firmware_build.out_dir(desc, arch)}")
    want = local_version()
    for what, argv in steps:
        if argv[0].endswith("mpy-cross"):
            continue
        answer = _device(what, argv).strip()
        if what.startswith("verify"):
            try:
                found = json.loads(answer.splitlines()[-1])
            except (ValueError, IndexError):
                raise DeployError(f"the clip did not report its firmware version ({answer[-60:]!r})") from None
            if found.get("version") != want:
                raise DeployError(f"the clip reports firmware {found.get('version')!r}, expected {want}")
            answer = f"clip {found.get('clip')}, firmware {want}"
        echo(f"done: {what}" + (f" ({answer})" if answer and not what.startswith("copy") else ""))
    return 0
