"""The clip worn on the emulated Pico, with its faults: `bench_faults --runtime pico`.

`wear` puts what `stepclip deploy` writes on a blank flash image (the
deployed main.py waiting as wear_entry.MAIN_ASIDE, which the entry puts
back), starts the chip with its USB out while the trace plays, runs the
entry (simulator/pico/wear_entry.py: main.py's work, an hourly heap reading
and the faults the loop meets), and once the trace is played and the USB
back in hands the chip to `sync(url)`, the host's sync into a database (the
host tools pass it in: this floor does not import them).

Bus faults are the MPU-6050 model's (simulator/pico/mpu6050.mjs: NACKed
addresses, a stuck bus); a hang is the entry's loop spinning until the
RP2040 watchdog resets the chip, which then boots into main.py; a full
flash is ballast the entry writes until the rp2 port's littlefs takes
nothing more (ENOSPC: no block, and no room left inline either), kept a
while, then removed.
"""

import json
import time
from pathlib import Path

import numpy as np
from mpremote.transport import TransportError
from mpremote.transport_serial import SerialTransport

from simulator import firmware_build, project, replay, trace as tracemod, tracegen
from simulator.pico import emulator, run as pico_run

ENTRY = Path(__file__).with_name("wear_entry.py")
MAIN_ASIDE = "main_deployed.py"
DAY_START_MIN = 21 * 60 + 30  # the soak's day begins in the evening, after a sync: the night on the table first
ONE_MINUTE = {"log_block_min": 1}  # every minute written on its own: each write meets the faults
FULL_S = 1200
BALLAST_LEAVES_BLOCKS = 24  # free blocks the image's ballast leaves, room for hours of log before it is topped up


def entry_script(start_epoch, faults, heap_every_s):
    code = ENTRY.read_text()
    for name, value in (("START_EPOCH = -1", int(start_epoch)), ("END_PIN = -1", emulator.END_PIN),
                        ("FAULTS = {}", json.dumps(faults or {})), ("HEAP_EVERY_S = 3600", int(heap_every_s))):
        code = code.replace(name, f"{name.split(' = ')[0]} = {value}", 1)
    return code


def _wait_played(pico, timeout, progress=None):
    """Until the trace has been played; `progress(stats)` every minute meanwhile.

    Gives up at once on a chip that cannot finish: its clock stopped (waiting for a host that is not
    there), or the whole trace sampled a minute of its time ago and the FIFO still not drained (the
    firmware stopped reading it)."""
    end = time.monotonic() + timeout
    last = None
    played_us = None  # the chip's time when it was first seen with the whole trace sampled
    while True:
        ev = pico.next_event("stream", min(60, max(end - time.monotonic(), 0.1)),
                             where=lambda ev: ev["state"] == "finished")
        if ev is not None:
            return ev
        now = pico.stats()
        if time.monotonic() >= end:
            raise emulator.PicoError(f"the worn chip did not play its trace within {timeout} s: {pico.describe(now)}")
        t_us = now["emulated_us"]
        if last is not None and t_us == last["emulated_us"]:
            raise emulator.PicoError(f"the worn chip's clock stopped at {t_us / 1e6:.1f} s: {pico.describe(now)}")
        if now["stream"]["produced"] >= now["stream"]["samples"]:
            played_us = t_us if played_us is None else played_us
            if t_us - played_us > 60e6:
                raise emulator.PicoError("the worn chip has not drained its FIFO a minute after the trace was "
                                         f"played: {pico.describe(now)}")
        last = now
        if progress:
            progress(now)


def wear(trace, work, sync, overrides=None, faults=None, bus=None, start_minute=DAY_START_MIN,
         heap_every_s=3600, board_name=project.DEFAULT_BOARD, progress=None):
    """The deployed clip wears `trace` on the emulated Pico, then `sync(url)`; a dict of what happened.

    `faults`: the entry's ({"hang": [t], "ballast": [t, hold_s]}); `bus`: the IMU model's
    ({"seed", "nack_per_k", "stuck": [[t, s]]}); `progress(stats)` is called every minute while it is worn.
    `report` is the entry's last line, None when a
    watchdog reset ended the entry (the chip then ran main.py until the sync)."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    job = replay.prepare(trace, work, board_name, overrides, start_minute)
    settings_json, s = pico_run.settings_file(overrides or {})
    tree = firmware_build.tree(board_name)
    tree[MAIN_ASIDE] = tree.pop(firmware_build.ENTRY)
    tree["settings.json"] = settings_json
    flash = work / "pico-flash.img"
    emulator.make_image(flash, tree)
    if faults and "ballast" in faults:  # the bulk of the ballast written here: the entry only fills what is left
        emulator.fill_image(flash, "ballast.bin", BALLAST_LEAVES_BLOCKS)
    imu = emulator.imu_stream(job, s, work / "fifo.bin")
    if bus:
        imu["faults"] = bus
    seconds = Path(imu["fifo"]).stat().st_size / 6 / imu["rate_hz"]
    t0 = time.monotonic()
    pico = emulator.Pico(flash, imu=imu, board_name=board_name, worn=True, deadline_s=900 + seconds)
    with pico:
        transport = SerialTransport(pico.url, baudrate=115200)
        try:
            transport.enter_raw_repl(soft_reset=False)
            transport.exec_raw_no_follow(entry_script(job["start_epoch"], faults, heap_every_s))
            _wait_played(pico, 600 + seconds, progress)
            worn_s = time.monotonic() - t0
            resets = [ev for ev in pico.events if ev["ev"] == "boot" and ev["cause"] == "watchdog"]
            report = None
            if not resets:
                console = pico_run.Console()
                _out, err = transport.follow(120, console.feed)
                console.feed(b"\n")
                if err or console.result is None:
                    raise emulator.PicoError("the worn clip gave no report: "
                                             + (err.decode(errors="replace").strip()[-300:] or "no answer"))
                report = console.result
        except TransportError as e:
            raise emulator.PicoError(f"lost the emulated Pico: {e}") from None
        finally:
            transport.close()
        synced = sync(pico.url)
        stats = pico.stats()
    return {"report": report, "watchdog_resets": len(resets), "stream": stats["stream"], "synced": synced,
            "seconds": seconds, "rate_hz": imu["rate_hz"], "start_epoch": job["start_epoch"],
            "worn_wall_s": round(worn_s, 1), "wall_s": round(time.monotonic() - t0, 1), "pico": stats}


# -- the fault table's chip rows ----------------------------------------------

def cases(seconds):
    """(kind, description, entry faults, bus faults, overrides) of each chip row, over `seconds` of trace."""
    every = lambda n: [round(seconds * (k + 1) / (n + 1), 1) for k in range(n)]  # noqa: E731
    full_s = int(max(0, min(FULL_S, seconds - 180)))  # space again before the trace ends: the sync writes too
    return [
        ("nack_0.5pct", "I2C NACK 0.5% of reads (chip)", None, {"seed": 1, "nack_per_k": 5}, ONE_MINUTE),
        ("nack_2pct", "I2C NACK 2% of reads (chip)", None, {"seed": 2, "nack_per_k": 20}, ONE_MINUTE),
        ("nack_10pct", "I2C NACK 10% of reads (chip)", None, {"seed": 3, "nack_per_k": 100}, ONE_MINUTE),
        ("bus_stuck_5s", "bus stuck 5 s, every transfer NACKed (chip)", None,
         {"stuck": [[t, 5] for t in every(4)]}, ONE_MINUTE),
        # from the start, for 20 minutes: a session's log file grows inline in littlefs's metadata for its first
        # few hundred bytes (about 14 one-minute blocks, seen on the chip), which a file system out of blocks still
        # takes; only then does an append need a block, and meet ENOSPC
        ("flash_full", f"littlefs full (ballast, ENOSPC) {full_s // 60} min (chip)", {"ballast": [0, full_s]}, None,
         ONE_MINUTE),
        ("watchdog", "loop hangs: RP2040 watchdog reset (16-minute blocks, chip)", {"hang": [seconds / 3]}, None,
         None),
    ]


def _logged(synced):
    """(seconds, steps) the synced minutes hold."""
    minutes = synced["minutes"]
    return sum(sum(m["seconds"]) for m in minutes), sum(m["steps"] for m in minutes)


def row(kind, name, worn, clean):
    """A fault table row (bench_faults' keys) from a worn run and the fault-free one."""
    rate = worn["rate_hz"]
    measured = worn["stream"]["read"]
    logged_s, steps = _logged(worn["synced"])
    _, clean_steps = _logged(clean["synced"])
    lost_s = max(0, round(measured / rate - logged_s))
    kept = measured / clean["stream"]["read"]
    r = worn["report"]
    nacks = worn["stream"]["nacks"]
    if kind == "watchdog":
        injected = survived = worn["watchdog_resets"]
        counted = {"watchdog_restarts": worn["watchdog_resets"]}
    else:
        injected = nacks["nack"] + nacks["stuck"] if kind != "flash_full" else r["flash"]
        survived = injected if r else 0  # the loop went on to the end of the trace after each
        counted = {k: r[k] for k in ("i2c", "flash", "fifo_overflows", "imu_stalls", "dropped")}
    return {
        "kind": kind, "name": name, "injected": injected, "survived": survived,
        "records_lost": max(0, lost_s - 60 * worn["watchdog_resets"]) // 60,  # beyond the minutes in progress
        "lost_s": lost_s,
        "samples_lost_pct": round(100 * (1 - kept), 1),
        "steps_vs_clean_pct": round(100 * (steps / (clean_steps * kept) - 1), 1),
        "counted": counted, "dropped": worn["synced"]["dropped"], "wall_s": worn["wall_s"],
    }


def rows(trace, work, sync, only=None):
    """The chip's fault rows over `trace` (see cases), each against a fault-free wear with one-minute blocks."""
    work = Path(work)
    clean = wear(trace, work / "clean", sync, overrides=ONE_MINUTE)
    out = []
    for kind, name, faults, bus, overrides in cases(trace.seconds):
        if only and kind not in only:
            continue
        worn = wear(trace, work / kind, sync, overrides=overrides, faults=faults, bus=bus)
        out.append(row(kind, name, worn, clean))
    return out


# -- a worn day ---------------------------------------------------------------

def off_body(seconds, rate_hz=50, seed=0):
    """The clip on a table: gravity on one axis, the accelerometer's noise, no motion."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate_hz))
    return np.tile([0.0, 0.0, 1.0], (n, 1)) + rng.normal(0, tracegen.ACC_NOISE_G, (n, 3))


def day(hours=24, seed=1):
    """`hours` of a wearer's life from 21:30, scaled from a day: the night on the table, then tracegen's working day
    (desk sitting, walks), the evening at home sitting, up to the evening sync; a Trace at 50 Hz."""
    work, _ = tracegen.working_day(seed=seed)
    evening = [("stand", 25 * 60), ("sit", 150 * 60), ("walk", 120), ("stand", 20 * 60), ("sit", 60 * 60)]
    worn_s = work.duration_s + sum(d for _, d in evening)
    night_s = 86400 - worn_s
    scale = hours / 24
    _, schedule = tracegen.working_day(seed=seed)
    worn = [(e[0], e[1] * scale, *e[2:]) for e in schedule + evening]
    g = tracegen.generate(worn, rate_hz=50, seed=seed)
    night = off_body(night_s * scale, seed=seed)
    acc = np.concatenate([night, g.acc])
    gyro = np.concatenate([np.zeros((len(night), 3)), g.gyro])
    return tracemod.Trace(f"<{hours} h from 21:30>", np.arange(len(acc)) / 50, acc, gyro)


def soak(hours, work, sync, heap_every_s=3600, overrides=None, progress=None, trace=None, faults=None, bus=None):
    """The `soak` object of bench_faults: the deployed clip wears `hours` of a day (or `trace`) on the chip from
    21:30, then the sync."""
    t0 = time.monotonic()
    trace = trace or day(hours)
    worn = wear(trace, work, sync, overrides=overrides, faults=faults, bus=bus, heap_every_s=heap_every_s,
                progress=progress)
    unix = replay.replay(trace, runtime="micropython", overrides=overrides, start_minute=DAY_START_MIN)
    r = worn["report"]
    heap = r["heap_free"][1:]  # the first reading aside: the heap settles in the first hour
    minutes = worn["synced"]["minutes"]
    return {
        "hours": round(trace.seconds / 3600, 3),
        "minutes_worn": int(trace.seconds // 60),
        "records_synced": len(minutes),
        "whole_minutes_synced": sum(1 for m in minutes if sum(m["seconds"]) == 60),
        "steps": sum(m["steps"] for m in minutes), "steps_unix": unix["steps"],
        "heap_free_min": min(heap) if heap else None, "heap_free_max": max(heap) if heap else None,
        "heap_free": r["heap_free"],
        "nudges": sum(m["nudges"] for m in minutes), "nudges_chip_events": r["nudges"],
        "nudges_unix": len(unix["nudges"]),
        "clock_drift_s": round(r["epoch"] - worn["start_epoch"] - r["t_ms"] / 1000, 3),
        "errors": {k: r[k] for k in ("i2c", "flash", "fifo_overflows", "imu_stalls", "dropped")},
        "samples_lost": worn["stream"]["produced"] - worn["stream"]["read"],
        "ledger_s": worn["pico"]["ledger"]["seconds"],
        "worn_wall_s": worn["worn_wall_s"],
        "wall_s": round(time.monotonic() - t0, 1),
    }
