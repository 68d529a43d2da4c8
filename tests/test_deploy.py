"""`stepclip deploy`: the plan, the compiled files, and the device-side steps on the unix port.

What reaches a clip over USB is checked end to end against the virtual clip
(test_virtual_clip.py) and the emulated Pico (test_pico.py); these check the
plan and the compiled files.
"""

import json
import subprocess

import pytest

from host_tools import cli, deploy
from simulator import firmware_build, project

BOARDS = project.board_names()


@pytest.mark.parametrize("name", BOARDS)
def test_dry_run_prints_the_whole_plan_and_changes_nothing(name, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(firmware_build, "BUILD", tmp_path / "build")
    assert cli.main(["deploy", "--board", name, "--dry-run", "--port", "/dev/ttyACM7"]) == 0
    out = capsys.readouterr().out
    arch = {"rp2040": "armv6m", "esp32": "xtensawin"}[project.board(name)["mcu"]]
    for m in deploy.modules():
        assert f"-march={arch} -s {m} -o {tmp_path / 'build' / name / m.with_suffix('.mpy')}" in out
        assert f":{m.with_suffix('.mpy')}" in out
    assert ":main.py" in out and ":board.json" in out and "connect /dev/ttyACM7 resume" in out
    steps = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert [s.split(". ", 1)[1] for s in steps[-5:]] == [
        f"copy {len(deploy.modules())} modules, main.py and board.json",
        "write default settings only where the clip has none",
        "set the clock to the host's local time",
        "verify: the clip reports firmware 0.1.0",
        "restart into the firmware"]
    assert not (tmp_path / "build").exists()


def test_an_unknown_board_is_one_clear_error(capsys):
    assert cli.main(["deploy", "--board", "nope", "--dry-run"]) == 2  # a wrong command line, as virtual-clip's
    err = capsys.readouterr().err
    assert err.startswith("stepclip: error: unknown board 'nope' (known: ") and "Traceback" not in err


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    """The firmware as deploy compiles it for a clip that runs the unix port's machine code."""
    build = tmp_path_factory.mktemp("build")
    old, firmware_build.BUILD = firmware_build.BUILD, build
    try:
        desc, steps = deploy.plan("nano_rp2040_connect", epoch=1767571200, arch="x64")
        return deploy.compile_firmware(desc, steps, "x64")
    finally:
        firmware_build.BUILD = old


def test_every_module_is_compiled_and_the_board_description_written(compiled):
    for m in deploy.modules():
        data = (compiled / m.with_suffix(".mpy")).read_bytes()
        assert data[:2] == b"M\x06"  # .mpy, format 6
    assert not list(compiled.rglob("*.py"))
    assert json.loads((compiled / "board.json").read_text())["imu"] == "lsm6dsox"


def test_the_compiled_firmware_runs_and_reports_its_version(compiled, micropython):
    """The .mpy files alone (no sources) import on the unix port and drive an LSM6DSOX model."""
    script = compiled / "check.py"
    script.write_text(f"""
import sys, json
sys.path.insert(0, {str(project.CHIPS)!r})
sys.path.insert(0, {str(compiled)!r})
import version, settings, imu.lsm6dsox, clip
from imu_models import model_class
from vclock import VirtualClock
from vi2c import VirtualI2C
print(json.dumps([version.VERSION, imu.lsm6dsox.__file__, clip.__file__]))
""")
    proc = subprocess.run([micropython, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    version, driver, loop = json.loads(proc.stdout.splitlines()[-1])
    assert version == deploy.local_version() == "0.1.0"
    assert driver.endswith("imu/lsm6dsox.mpy") and loop.endswith("clip.mpy")


def test_default_settings_are_written_only_where_none_exist(run_mp, tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    # on the clip the current folder is the flash root
    script = f"import os\nos.chdir({str(flash)!r})\n" + deploy.SETTINGS_IF_ABSENT
    first = run_mp(script + "print('\"x\"')")
    stored = json.loads((flash / "settings.json").read_text())
    assert stored["upright_mg"] == [0, 0, 0]
    stored["upright_mg"] = [12, -980, 140]  # what the wearer's clip has learned
    (flash / "settings.json").write_text(json.dumps(stored))
    run_mp(script + "print('\"x\"')")
    assert json.loads((flash / "settings.json").read_text())["upright_mg"] == [12, -980, 140]
    assert first == "x"
