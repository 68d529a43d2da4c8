"""The firmware on its real chip: an emulated Raspberry Pi Pico running the official MicroPython image.

Skipped, saying why, when ../shared/rp2040 (or $STEPCLIP_PICO_UF2), node or rp2040js is missing.
"""

import subprocess
import time

import pytest
from mpremote.transport import TransportExecError
from mpremote.transport_serial import SerialTransport

from host_tools import db, deploy, sync
from simulator import project, replay
from simulator import trace as tracemod, tracegen
from simulator.pico import emulator
from simulator.pico.vclip import PicoClip

WHY = emulator.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"emulated Pico: {WHY}")
TRACES = project.ROOT / "simulator" / "traces"
SAME = ("steps", "samples", "minutes", "posture_changes", "logged_s", "errors")


def both(trace, **kw):
    return replay.replay(trace, runtime="micropython", **kw), replay.replay(trace, runtime="pico", **kw)


def assert_alike(unix, pico):
    for key in SAME:
        assert pico[key] == unix[key], key
    # the same nudges, decided at the same sample; the chip acts on them once its batch is processed
    for key in ("nudges", "goal_reached"):
        assert len(pico[key]) == len(unix[key]), key
        for a, b in zip(unix[key], pico[key]):
            assert 0 <= b - a < 0.5, key
    # pulses as long: the loop writes no flash while a pattern plays (an erase stalls the chip for 45 ms)
    chip, sim = [d for _, d in pico["motor"] if d], [d for _, d in unix["motor"] if d]
    assert len(chip) == len(sim) and all(abs(a - b) <= 10 for a, b in zip(chip, sim)), (chip, sim)


def test_a_buzz_keeps_its_timing_while_the_log_writes():
    """A nudge each minute, due as the minute closes and its block is written (one-minute blocks in
    1 KiB files: new files, littlefs erases): each on and off of the pattern within 10 ms."""
    from simulator import tracegen

    g = tracegen.generate([("sit", 600)], rate_hz=50, seed=0)
    r = replay.replay(tracemod.Trace("sit", g.t, g.acc, g.gyro), runtime="pico",
                      overrides={"inactive_s": 60, "renudge_s": 60, "log_block_min": 1, "log_file_kb": 1})
    assert r["pico"]["flash"]["erase_calls"] > 3  # the log erased while nudging (3 at boot)
    pattern = replay.resolve_settings({})["nudge_pattern_ms"]
    pulses = r["motor"]
    assert len(pulses) == 9 * 3
    for k in range(0, len(pulses), 3):
        (a, da), (b, db), (c, dc) = pulses[k:k + 3]
        timing = [da, b - a - da, db, c - b - db, dc]
        assert all(abs(x - y) <= 10 for x, y in zip(timing, pattern)), (k // 3, timing)


@pytest.mark.parametrize("board", ["pico_mpu6050", "pico_bmi160"])
@pytest.mark.parametrize("name", ["walk_1min.csv", "sit_2min.csv"])
def test_shipped_traces_count_alike_on_the_chip(name, board):
    """On each board whose IMU the emulated Pico carries (the MPU-6050 polled, the BMI160 woken by its FIFO
    watermark), the chip counts what the unix port counts."""
    unix, pico = both(TRACES / name, board_name=board)
    assert_alike(unix, pico)
    assert pico["runtime"] == "pico" and pico["pico"]["samples_lost"] == 0
    assert 100_000 < pico["pico"]["heap_free_running"] < pico["pico"]["heap_free_after_boot"]


def test_nudges_and_the_goal_on_the_chip(tmp_path):
    from simulator import tracegen

    g = tracegen.generate([("walk", 40), ("sit", 140)], rate_hz=50, seed=4)
    trace = tracemod.Trace("walk-sit", g.t, g.acc, g.gyro)
    unix, pico = both(trace, overrides={"inactive_s": 60, "renudge_s": 60, "goal_steps": 30, "worn_rest_s": 0},
                      start_minute=9 * 60)  # at the full rate: the samples alike to the one
    assert len(unix["nudges"]) == 3 and len(unix["goal_reached"]) == 1
    assert_alike(unix, pico)


@pytest.mark.parametrize("name", ["ipolgait_S01_T1_lowerback.csv", "bangle_100.csv"])
def test_real_recordings_count_alike_on_the_chip(name, datasets):
    folder = datasets / "steps"
    unix, pico = both(folder / name)
    assert unix["steps"] > 20
    assert_alike(unix, pico)


@pytest.mark.parametrize("board", ["esp32_devkitc_mpu6050", "m5_atom_matrix"])
def test_a_board_without_an_rp2040_is_refused_by_name(board, tmp_path):
    with pytest.raises(replay.SimError, match=f"the emulated Pico is an RP2040; {board} carries an esp32"):
        replay.replay(TRACES / "walk_1min.csv", runtime="pico", board_name=board)
    with pytest.raises(emulator.PicoError, match=f"the emulated Pico is an RP2040; {board} carries an esp32"):
        PicoClip(tmp_path, board_name=board)  # stepclip virtual-clip --target pico


# -- a Pico from the box: deploy, wear, sync, sleep, hang ---------------------

@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    flash = tmp_path_factory.mktemp("pico-flash")
    with PicoClip(flash, trace=TRACES / "sit_2min.csv", speed=0) as c:
        yield c


def mpremote(clip, *args, timeout=60):
    return subprocess.run([str(project.ROOT / ".venv" / "bin" / "mpremote"), "connect", clip.url, *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def deployed(clip):
    assert "main.py" not in mpremote(clip, "fs", "ls").stdout  # blank, as from the factory
    assert deploy.run(project.DEFAULT_BOARD, clip.url, echo=lambda line: None) == 0
    # the reset at the end of the deploy boots main.py, which starts the IMU: the trace plays
    clip.pico.wait("stream", 120, where=lambda ev: ev["state"] == "finished")
    return clip


def test_deploy_boots_into_the_clip_and_sync_takes_its_minutes_once(deployed, tmp_path):
    con = db.connect(tmp_path / "pico.db")
    first = sync.sync_clip(con, deployed.url, out=lambda line: None)
    cols = "minute, steps, unknown_s, sitting_s, standing_s, lying_s, walking_s, off_body_s"
    rows = con.execute(f"SELECT {cols} FROM minutes ORDER BY session, minute").fetchall()
    unix = replay.replay(TRACES / "sit_2min.csv", runtime="micropython")
    names = ("unknown", "sitting", "standing", "lying", "walking", "off_body")
    # the trace's two whole minutes, as the unix port logs them; the clip has logged on since
    chip = [(r[0] * 60, r[1], names[r[2:].index(max(r[2:]))], sum(r[2:])) for r in rows[:2]]
    assert chip == [(m["t"], m["steps"], m["posture"], 60) for m in unix["minutes"][:2]]
    flags = con.execute("SELECT flags FROM blocks").fetchall()
    assert first["blocks"] > 0 and not any(f for (f,) in flags)  # a deploy's reset is no hung loop
    # VSYS/3 on ADC3: a full cell (4.20 V), read through the ADC; not drained, the USB never out
    assert all(abs(mv - 4200) <= 10 for (mv,) in con.execute("SELECT battery_mv FROM blocks"))
    second = sync.sync_clip(con, deployed.url, out=lambda line: None)
    again = con.execute(f"SELECT {cols} FROM minutes ORDER BY session, minute").fetchall()
    assert again[:len(rows)] == rows and second["last_seq"] >= first["last_seq"]
    total, distinct = con.execute("SELECT count(*), count(DISTINCT session || ':' || minute) FROM minutes").fetchone()
    assert total == distinct


def test_the_clip_light_sleeps_after_its_usb_window_and_still_answers(deployed):
    before = deployed.pico.stats()
    end = time.monotonic() + 90  # at full speed the emulated clip soon runs past usb_window_s
    while (after := deployed.pico.stats())["lightsleeps"] <= before["lightsleeps"] and time.monotonic() < end:
        time.sleep(1)
    assert after["lightsleeps"] > before["lightsleeps"]
    assert after["lightsleep_us"] > before["lightsleep_us"]
    out = mpremote(deployed, "resume", "exec", "import sys; print(sys.platform)")
    assert out.stdout.strip().endswith("rp2"), out.stderr


STOPPED_LOADING = """
import sys

class Interrupted:  # the host's Ctrl-C, landing while main.py loads the settings
    def load(self, storage):
        raise KeyboardInterrupt

sys.modules["settings"] = Interrupted()
try:
    exec(open("main.py").read())
finally:
    del sys.modules["settings"]
"""


def test_a_host_that_stops_main_py_while_it_loads_still_holds_the_watchdog(deployed):
    """A soft reset does not stop the watchdog an earlier session started, and main.py's loop feeds it only
    once built. A Ctrl-C that lands while main.py still loads (a sync right after a soft reset) must hold it
    too, or the chip resets 8 s into the sync (seen: the second sync of the deploy test, on a slow host)."""
    mark = len(deployed.pico.events)
    transport = SerialTransport(deployed.url, baudrate=115200)
    try:
        transport.enter_raw_repl(soft_reset=True)  # the running watchdog's holding timer ends here
        with pytest.raises(TransportExecError, match="KeyboardInterrupt"):
            transport.exec(STOPPED_LOADING)
        since = deployed.pico.stats()["emulated_us"]
        end = time.monotonic() + 120  # the host silent, the chip runs through its idle time in the REPL
        while deployed.pico.stats()["emulated_us"] < since + 12e6 and time.monotonic() < end:
            time.sleep(0.5)
        assert deployed.pico.stats()["emulated_us"] >= since + 12e6
        assert [ev for ev in deployed.pico.events[mark:] if ev["ev"] == "boot"] == []
        assert transport.exec("print(6 * 7)").strip() == b"42"
    finally:
        transport.close()


HANG = """
import time
import board, hardware, settings
from clip import Clip
from storage import Storage

class Hang:
    passes = 0

    def poll(self, clip):
        self.passes += 1
        while self.passes > 5:  # waiting for what never comes (asleep: the emulator skips the time)
            time.sleep_ms(1000)

st = Storage()
s = settings.load(st)
imu, clock, motor, wd, io = hardware.build(board.load(st), s)
Clip(imu, clock, motor, st, s, watchdog=wd, board=Hang()).run()
"""


def test_a_hung_loop_is_restarted_by_the_watchdog_with_the_log_intact(deployed, tmp_path):
    con = db.connect(tmp_path / "wd.db")
    sync.sync_clip(con, deployed.url, out=lambda line: None)
    kept = con.execute("SELECT count(*) FROM minutes").fetchone()[0]
    mark = len(deployed.pico.events)
    transport = SerialTransport(deployed.url, baudrate=115200)
    # a soft reset first, as `mpremote exec` does: it ends the timer that fed the watchdog for the host
    transport.enter_raw_repl(soft_reset=True)
    transport.exec_raw_no_follow(HANG)
    ev = deployed.pico.wait("boot", 120, after=mark)
    transport.close()
    assert ev["cause"] == "watchdog"
    end = time.monotonic() + 120  # main.py's new session logs a minute or more
    while deployed.pico.stats()["emulated_us"] < ev["t_us"] + 75e6 and time.monotonic() < end:
        time.sleep(0.5)
    cause = mpremote(deployed, "resume", "exec", "import machine; print(machine.reset_cause() == machine.WDT_RESET)")
    assert cause.stdout.strip() == "True", cause.stderr
    sync.sync_clip(con, deployed.url, out=lambda line: None)
    assert con.execute("SELECT count(*) FROM minutes").fetchone()[0] > kept
    flagged = con.execute("SELECT DISTINCT session FROM blocks WHERE flags != 0").fetchall()
    assert len(flagged) == 1  # the session after the hang, and only it


def standing_then_walking(tmp_path):
    """(flash image, IMU stream) for the firmware `deploy` builds, on a pico_mpu6050 whose wearer stands 10 s,
    then walks 8 s; the entry comes over the raw REPL."""
    from simulator import firmware_build
    from simulator.pico import run as pico_run

    g = tracegen.generate([("stand", 10), ("walk", 8)], rate_hz=50, seed=2)
    job = replay.prepare(tracemod.Trace("<generated>", g.t, g.acc, g.gyro), tmp_path)
    _settings_json, s = pico_run.settings_file({})
    tree = firmware_build.tree("pico_mpu6050")
    del tree["main.py"]
    flash = tmp_path / "flash.img"
    emulator.make_image(flash, tree)
    return flash, emulator.imu_stream(job, s, tmp_path / "fifo.bin")


def test_the_mpu6050s_motion_interrupt_wakes_the_chip_from_light_sleep(tmp_path):
    """The emulated Pico + MPU-6050 with its INT wired to GP6 (pico_mpu6050's imu_int): the driver's low-power
    cycle while the wearer stands, the chip light-sleeping for seconds at a time; the walk's first swing raises
    INT and the GPIO edge ends the sleep (its soft handler runs a little later: the level is what the loop reads)."""
    from simulator.pico import run as pico_run

    flash, imu = standing_then_walking(tmp_path)
    code = """
import json, time, machine
from machine import I2C, Pin
from hardware import ImuLine
from imu.mpu6050 import MPU6050
imu = MPU6050(I2C(0, sda=Pin(4), scl=Pin(5), freq=400000), 0x68)
line = ImuLine(6)
hz = imu.low_power(5, 64, 1)
t0 = time.ticks_ms()
sleeps = 0
while not line.high() and time.ticks_diff(time.ticks_ms(), t0) < 16000:
    machine.lightsleep(4000)
    sleeps += 1
woke = time.ticks_diff(time.ticks_ms(), t0)
moved = imu.moved()
imu.full_rate()
time.sleep_ms(20)  # the edge's soft handler has run by now
print("R " + json.dumps({"hz": hz, "edges": line.edges, "sleeps": sleeps, "woke_ms": woke, "moved": moved}))
"""
    with emulator.Pico(flash, imu=imu, board_name="pico_mpu6050", deadline_s=300) as pico:
        r = pico_run.execute(pico, code).result
    assert r["hz"] == 5 and r["edges"] >= 1 and r["moved"]
    # the stand lasts 10 s of trace time (its time 0 is the driver's FIFO start, just before t0): asleep
    # in 4 s naps, woken by the edge within a second of the walk's first step, not by the timer
    assert r["sleeps"] == 3 and 9000 <= r["woke_ms"] <= 11000 and r["woke_ms"] % 4000 > 50


def test_in_dormant_the_chip_keeps_no_time_and_the_imus_motion_line_wakes_it(tmp_path):
    """machine.lightsleep() without a timeout stops the crystal (XOSC DORMANT): the emulated chip sleeps until
    the MPU-6050's motion line, enabled as a dormant wake pin, rises as the walk begins 10 s into the trace;
    time.ticks_ms and the RTC saw none of it. Why the clip does not sleep that way: nothing would count the
    coach's time (boards/README.md)."""
    from simulator.pico import run as pico_run

    flash, imu = standing_then_walking(tmp_path)
    code = """
import json, time, machine
from machine import I2C, Pin
from imu.mpu6050 import MPU6050
imu = MPU6050(I2C(0, sda=Pin(4), scl=Pin(5), freq=400000), 0x68)
imu.low_power(20, 64, 1)
machine.mem32[0x40014160] = 2 << 24  # IO_BANK0 DORMANT_WAKE_INTE0: GP6 LEVEL_HIGH
t0 = time.ticks_ms()
r0 = time.time()
machine.lightsleep()
print("R " + json.dumps({"ticks_ms": time.ticks_diff(time.ticks_ms(), t0), "rtc_s": time.time() - r0,
                         "moved": imu.moved()}))
"""
    with emulator.Pico(flash, imu=imu, board_name="pico_mpu6050", deadline_s=300) as pico:
        r = pico_run.execute(pico, code, 120).result
        slept = pico.stats()["dormant"]
    assert r["moved"] and slept["entries"] == 1
    assert 9.5e6 <= slept["slept_us"] <= 11e6  # until the walk: the trace's 10 s of standing
    assert r["ticks_ms"] < 50 and r["rtc_s"] == 0  # the chip's clocks stood still meanwhile


@pytest.mark.parametrize("board", ["pico_mpu6050", "pico_bmi160"])
def test_off_the_body_the_chip_rests_its_imu_as_the_unix_port_does(board):
    """A clip put down (off_body_s 60 here, to be short) and picked up: on the chip the IMU's motion
    line ends the rest as the unix port's virtual clock sees it rise, and the counts are the full rate's."""
    from simulator import bench_traces

    trace = bench_traces.put_down([("walk", 30)], 120, [("walk", 30)])
    kw = {"overrides": {"off_body_s": 60}, "board_name": board}
    unix, pico = both(trace, **kw)
    full = replay.replay(trace, runtime="micropython", board_name=board,
                         overrides={"off_body_s": 60, "rest_poll_ms": 0})
    assert unix["samples"] < full["samples"] - 50 * 30  # the unix port rested
    for key in ("steps", "posture_changes", "logged_s", "errors"):
        assert pico[key] == unix[key], key
    assert pico["steps"] == full["steps"]
    # the rest begins at the loop pass after the posture says off the body: on the chip its passes drift
    # from the unix port's by the time each takes, up to one pass in all: a poll (poll_ms 200: 10 samples)
    # on the MPU-6050, a FIFO watermark (imu_watermark) on the BMI160
    s = replay.resolve_settings({})
    per_pass = s["imu_watermark"] if board == "pico_bmi160" else s["poll_ms"] * 50 // 1000
    assert abs(pico["samples"] - unix["samples"]) <= per_pass


def test_each_flash_image_answers_its_own_unique_id(tmp_path):
    """The emulated flash answers command 0x4B: machine.unique_id() is the image's, kept across power-ons,
    and another image's differs (two emulated Picos synced into one database are two clips)."""
    from simulator.pico import run

    def read_id(image):
        with emulator.Pico(tmp_path / image) as pico:
            console = run.execute(pico, "import machine, binascii\n"
                                        "print('ID', binascii.hexlify(machine.unique_id()).decode())")
        return [line.split()[1] for line in console.other if line.startswith("ID ")]

    a, b, again = read_id("a.img"), read_id("b.img"), read_id("a.img")
    assert a == again == [emulator.unique_id(tmp_path / "a.img")] and a != ["0" * 16]
    assert b == [emulator.unique_id(tmp_path / "b.img")] and b != a
