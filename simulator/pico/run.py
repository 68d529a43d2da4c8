"""`sim replay --runtime pico`: a replay job played by the firmware on the emulated Pico.

The flash holds what `stepclip deploy` writes (modules compiled for armv6m,
board.json) and the job's settings, but no main.py: the replay's entry
(replay_entry.py, sent over the raw REPL) does main.py's work and reports
posture changes and nudges as it goes. Minutes are read back from the minute
log on the emulated flash, with the same code as the other runtimes.
"""

import json
import tempfile
from pathlib import Path

from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from simulator import currents, firmware_build, job as jobmod, project
from simulator.pico import emulator

NAME = "pico"
SIMULATED = False  # the real chip's firmware image: no injected faults
ENTRY = Path(__file__).with_name("replay_entry.py")


def settings_file(overrides):
    """settings.json as the host leaves it on the clip (the job's settings over the defaults), and the settings."""
    project.use_firmware()
    import settings
    from storage import Storage

    s = jobmod.resolve_settings(overrides)
    with tempfile.TemporaryDirectory() as d:
        st = Storage(d)
        settings.save(st, s)
        return st.read(settings.FILENAME), s


def entry_script(start_epoch):
    code = ENTRY.read_text()
    code = code.replace("START_EPOCH = -1", f"START_EPOCH = {int(start_epoch)}", 1)
    return code.replace("END_PIN = -1", f"END_PIN = {emulator.END_PIN}", 1)


class Console:
    """The chip's console lines while the entry runs: events, the result, anything else."""

    def __init__(self):
        self.posture_changes = []
        self.nudges = []
        self.goals = []
        self.result = None
        self.other = []
        self._part = b""

    def feed(self, data):
        lines = (self._part + data).split(b"\n")
        self._part = lines.pop()
        for raw in lines:
            line = raw.decode(errors="replace").strip()
            if line.startswith("E posture "):
                _, _, t, name = line.split()
                self.posture_changes.append([int(t), name])
            elif line.startswith("E nudge "):
                self.nudges.append(int(line.split()[2]) / 1000)
            elif line.startswith("E goal "):
                self.goals.append(int(line.split()[2]) / 1000)
            elif line.startswith("R "):
                self.result = json.loads(line[2:])
            elif line:
                self.other.append(line)


def run(job, work, progress=None):
    """Replay `job` (as simulator.job.prepare writes it) on an emulated Pico; the replay's result dict.

    The board's battery ADC reads a LiPo (simulator/currents.py chip_battery; job["battery"]: its
    `charge` at the start, 0..1, full by default, and `mah`) that the chip's worn time drains
    (job["worn"]: the USB out while the trace plays).

    A lost or stuck chip is a SimError. `progress` is not reported from the chip.
    """
    try:
        return _run(job, work)
    except emulator.PicoError as e:
        raise jobmod.SimError(str(e)) from None


def _run(job, work):
    work = Path(work)
    board = emulator.emulated_board(job["board"])
    settings_json, s = settings_file(job["settings"])
    tree = firmware_build.tree(board["name"])
    del tree["main.py"]  # the entry comes over the raw REPL
    tree["settings.json"] = settings_json
    flash = work / "pico-flash.img"
    emulator.make_image(flash, tree)
    imu = emulator.imu_stream(job, s, work / "fifo.bin")
    if job.get("bus_faults"):  # the IMU model's own (stream_chip.mjs): NACKs, a stuck bus, a held INT line
        imu["faults"] = job["bus_faults"]
    seconds = Path(imu["fifo"]).stat().st_size / 6 / imu["rate_hz"]
    pico = emulator.Pico(flash, imu=imu, board_name=board["name"], deadline_s=600 + 2 * seconds,
                         worn=job.get("worn", False), ledger_from_s=job.get("ledger_from_s", 0),
                         battery=currents.chip_battery(board, **job.get("battery", {})))
    with pico:
        mark = len(pico.events)
        console = execute(pico, entry_script(job.get("start_epoch", -1)))
        if console.result is None:
            raise emulator.PicoError("the firmware on the emulated Pico gave no result: "
                                     + " / ".join(console.other[-3:] or ["no answer"]))
        motor = motor_pulses(pico.events[mark:])
        stats = pico.stats()
    with tempfile.TemporaryDirectory() as d:
        emulator.extract_image(flash, d)
        project.use_firmware()
        from run_clip import read_log
        from storage import Storage

        minutes, logged_s, watchdog_sessions, posture_s = read_log(Storage(d), s)
        logged_mv = battery_log(Storage(d), s)
    r = console.result
    return {
        "steps": r["steps"], "samples": r["samples"], "clock_s": r["clock_s"], "rate_hz": r["rate_hz"],
        "minutes": minutes, "logged_s": logged_s, "posture_changes": console.posture_changes,
        "posture_s": posture_s, "nudges": console.nudges, "goal_reached": console.goals, "motor": motor,
        "errors": {k: r[k] for k in ("i2c", "flash", "fifo_overflows", "imu_stalls", "imu_line_held")},
        "watchdog_restarts": r["watchdog_restarts"], "watchdog_sessions": watchdog_sessions,
        "faults": dict(stats["stream"]["nacks"], line_high=stats["stream"]["line_high"]) if job.get("bus_faults") else {},
        "pico": {"heap_free_after_boot": r["heap_free_after_boot"], "heap_free_running": r["heap_free_running"],
                 "emulated_s": stats["emulated_us"] / 1e6, "wall_s": stats["wall_ms"] / 1000,
                 "samples_lost": stats["stream"]["lost"], "flash": stats["flash"], "ledger": stats["ledger"],
                 "battery": dict(stats["battery"] or {}, logged_mv=logged_mv)},
    }


def battery_log(storage, settings):
    """[trace second of the block's first minute, battery mV in its header] of each block the clip logged."""
    from minutelog import MinuteLog

    return [[b.minute * 60, b.battery_mv] for b in MinuteLog(storage, settings).blocks_after(0)]


def execute(pico, code, timeout=None):
    """Run `code` on the emulated Pico over the raw REPL (no soft reset), its console as it came."""
    console = Console()
    transport = SerialTransport(pico.url, baudrate=115200)
    try:
        transport.enter_raw_repl(soft_reset=False)
        transport.exec_raw_no_follow(code)
        _out, err = transport.follow(timeout, console.feed)
    except TransportError as e:
        raise emulator.PicoError(f"lost the emulated Pico: {e}") from None
    finally:
        transport.close()
    console.feed(b"\n")
    if err:
        lines = err.decode(errors="replace").strip().splitlines()[-3:]
        raise emulator.PicoError("the firmware stopped on the emulated Pico:\n" + "\n".join(lines))
    return console


def motor_pulses(events):
    """[start_ms, duration_ms] of each motor pulse, in trace time, from the harness's motor events."""
    pulses = []
    start = None
    for ev in events:
        if ev["ev"] != "motor":
            continue
        if ev["on"] and start is None:
            start = ev["t_us"] // 1000
        elif not ev["on"] and start is not None:
            pulses.append([start, ev["t_us"] // 1000 - start])
            start = None
    return pulses
