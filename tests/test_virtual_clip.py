"""The virtual clip behind the real, unmodified mpremote: commands, Ctrl-C, soft resets, a kept flash."""

import json
import subprocess
import sys
import time

import pytest

from simulator import project

WALK = project.ROOT / "simulator" / "traces" / "walk_1min.csv"


def mpremote(url, *args, timeout=30):
    proc = subprocess.run([sys.executable, "-m", "mpremote", "connect", url, *args], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def identity(url, *pre):
    out = mpremote(url, *pre, "exec", "import clipapi; clipapi.identity()")
    return json.loads(out.strip().splitlines()[-1])


def session_on_flash(flash):
    """The session the clip's log last numbered (firmware/minutelog.py STATE), None while it is being written."""
    try:
        return json.loads((flash / "logstate.json").read_text()).get("session")
    except (OSError, ValueError):
        return None


@pytest.fixture
def walked(virtual_clip, tmp_path):
    """A virtual clip that has walked for a minute and stopped there."""
    clip = virtual_clip(tmp_path / "flash", WALK)
    clip.wait_finished()
    return clip


def test_ctrl_c_stops_the_loop_after_logging_the_minute(walked, tmp_path):
    ident = identity(walked.url, "resume")
    assert ident["last_seq"] == 1 and ident["session"] == 1 and ident["clock"] == -1
    files = sorted(p.name for p in (tmp_path / "flash").glob("log_*.blk"))
    assert files == ["log_00000001.blk"]


def test_fs_commands_see_and_change_the_flash(walked, tmp_path):
    listing = mpremote(walked.url, "resume", "fs", "ls")
    for name in ("main.py", "clip.py", "board.json", "log_00000001.blk", "imu/"):
        assert name in listing
    (tmp_path / "note.txt").write_text("hello clip\n")
    mpremote(walked.url, "resume", "fs", "cp", str(tmp_path / "note.txt"), ":note.txt")
    assert (tmp_path / "flash" / "note.txt").read_text() == "hello clip\n"
    mpremote(walked.url, "resume", "fs", "cp", ":log_00000001.blk", str(tmp_path / "copy.blk"))
    assert (tmp_path / "copy.blk").read_bytes() == (tmp_path / "flash" / "log_00000001.blk").read_bytes()


def test_soft_reset_reboots_keeping_the_flash(walked, tmp_path):
    # without `resume`, mpremote soft-resets in the raw REPL: the interpreter restarts, main.py does not run
    first = identity(walked.url)
    assert first["session"] == 1 and first["last_seq"] == 1
    out = subprocess.run([sys.executable, "-m", "mpremote", "connect", walked.url, "soft-reset"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "flash" / "log_00000001.blk").is_file()
    assert identity(walked.url, "resume")["session"] == 1


def test_friendly_soft_reset_runs_main_again(walked):
    from mpremote.transport_serial import SerialTransport

    t = SerialTransport(walked.url)
    t.enter_raw_repl(soft_reset=False)
    t.exit_raw_repl()
    t.serial.write(b"\x04")  # Ctrl-D at the friendly REPL: a board reboots and runs main.py
    assert t.read_until(1, b"soft reboot\r\n", timeout=10).endswith(b"MPY: soft reboot\r\n")
    t.close()
    ident = identity(walked.url, "resume")
    assert ident["session"] == 2  # main.py started a new session


def test_the_pty_is_a_port_too(walked):
    assert identity(walked.pty, "resume")["id"].startswith("vclip-")


def test_deploy_to_the_virtual_clip_boots_the_compiled_firmware(virtual_clip, tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    learned = {"upright_mg": [10, -990, 120], "inactive_s": 2400}
    (flash / "settings.json").write_text(json.dumps(learned))  # a clip that has been worn: a redeploy keeps this
    clip = virtual_clip(flash, WALK, speed="1")
    r = subprocess.run([sys.executable, "-m", "host_tools.cli", "deploy", "--board", "pico_mpu6050", "--port",
                        clip.url], capture_output=True, text=True, timeout=120, cwd=project.ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "settings: kept" in r.stdout and "firmware 0.1.0" in r.stdout
    names = {p.name for p in flash.iterdir()}
    assert {"clip.mpy", "steps.mpy", "clipapi.mpy", "main.py", "board.json"} <= names
    assert not {"clip.py", "steps.py"} & names  # no source left to shadow the compiled modules
    stored = json.loads((flash / "settings.json").read_text())
    assert stored["upright_mg"] == learned["upright_mg"] and stored["inactive_s"] == 2400
    # the reset booted main.py from the compiled modules: it numbers its session on the flash (a host that
    # breaks in before that, on a loaded machine, would stop it first)
    deadline = time.monotonic() + 60
    while session_on_flash(flash) != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    ident = identity(clip.url, "resume")
    assert ident["clock"] > 0 and ident["firmware"] == "0.1.0"
    assert ident["session"] == 2
