"""Figures for the log, the sync and the report: bytes per minute, a month synced through the
virtual clip and from the emulated Pico, and the report of that month (random minutes: a posture change nearly every
minute and a nudge in every other one, the slowest case to draw)."""

import random
import tempfile
import time
from pathlib import Path

from host_tools import db, report, sync
from simulator import firmware_build, project, replay
from simulator.pico import emulator
from simulator.pico.bench import DEADLINE_S
from simulator.virtual_clip import VirtualClip

DAYS = 30


def fill(flash, minutes, seed=0):
    """`minutes` of varied minute records on the flash of a clip, as after a month of wear; log bytes."""
    project.use_firmware()
    import settings
    from minutelog import MinuteLog
    from storage import Storage

    storage = Storage(str(flash))
    log = MinuteLog(storage, settings.defaults())
    log.start_session()
    rnd = random.Random(seed)
    secs = bytearray(6)
    header = lambda: (1767571200, 3900, 0, 0, 0)  # noqa: E731
    for m in range(minutes):
        for i in range(6):
            secs[i] = 0
        secs[rnd.randrange(6)] = 60
        log.add(m, rnd.randrange(130), secs, rnd.randrange(2), 0, header)
    log.flush(header)
    return sum(storage.size(name) for name in log.files())


def run():
    import threading

    with tempfile.TemporaryDirectory(prefix="stepclip-bench-sync-") as work:
        flash = Path(work) / "flash"
        flash.mkdir()
        minutes = DAYS * 1440
        log_bytes = fill(flash, minutes)
        clip = VirtualClip(flash, speed=1.0, out=lambda line: None)
        serving = threading.Thread(target=clip.serve)
        serving.start()
        while clip.child is None:
            time.sleep(0.05)
        con = db.connect(Path(work) / "bench.db")
        t0 = time.perf_counter()
        result = sync.sync_clip(con, f"socket://127.0.0.1:{clip.port}", out=lambda line: None)
        seconds = time.perf_counter() - t0
        clip.stop()
        serving.join()
        stored = con.execute("SELECT count(*) FROM minutes").fetchone()[0]
        con.close()
        t0 = time.perf_counter()
        report.run(Path(work) / "bench.db", out=Path(work) / "report", echo=lambda line: None)
        report_s = time.perf_counter() - t0
    return {"log_bytes_per_minute": round(log_bytes / minutes, 2), "log_kib_30_days": round(log_bytes / 1024),
            "sync_30_days_s": round(seconds, 2), "sync_blocks": result["blocks"], "sync_minutes": stored,
            "report_30_days_s": round(report_s, 1)}


def pico_figures(days=DAYS):
    """A month of minute records synced from the emulated Pico with `stepclip sync`: seconds, blocks
    (or `sync_error`, why the sync failed)."""
    with tempfile.TemporaryDirectory(prefix="stepclip-bench-pico-sync-") as work:
        work = Path(work)
        logs = work / "logs"
        logs.mkdir()
        fill(logs, days * 1440)
        tree = firmware_build.tree(project.DEFAULT_BOARD)
        tree["settings.json"] = b"{}"
        for p in logs.iterdir():
            tree[p.name] = p.read_bytes()
        flash = work / "sync-flash.img"
        emulator.make_image(flash, tree)
        job = replay.prepare(replay.tracemod.load(project.ROOT / "simulator" / "traces" / "sit_2min.csv"),
                             work / "sit")
        imu = emulator.imu_stream(job, replay.resolve_settings({}), work / "sit.bin")
        try:
            with emulator.Pico(flash, imu=imu, deadline_s=DEADLINE_S) as pico:
                pico.wait("stream", 120)  # main.py has built the clip and started the IMU
                con = db.connect(work / "bench.db")
                t0 = time.perf_counter()
                result = sync.sync_clip(con, pico.url, out=lambda line: None)
                seconds = time.perf_counter() - t0
                stored = con.execute("SELECT count(*) FROM minutes").fetchone()[0]
                con.close()
        except (emulator.PicoError, sync.SyncError) as e:
            return {"sync_error": str(e)}
    return {"sync_30_days_s": round(seconds, 1), "sync_blocks": result["blocks"], "sync_minutes": stored}
