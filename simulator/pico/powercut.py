"""Power cuts on the emulated Pico: the flash a cut run starts from, and what a flash image holds of the log.

A cut run (host_tools/pico_powercut.py) boots a clip deployed as `stepclip
deploy` leaves it (simulator/firmware_build.py: the compiled modules, main.py,
board.json) with settings that write every minute (log_block_min 1) into 1 KiB
files, cuts the power in the middle of one flash operation (pico.mjs, flash.mjs
PowerCut), powers it on again and syncs. What had been finished before the cut
is read here from the image just before the cut operation, with the rp2 port's
own littlefs geometry: a file append is finished once littlefs has committed it.
"""

import tempfile
from pathlib import Path

import littlefs

from simulator import firmware_build, job as jobmod, project, tracegen
from simulator import trace as tracemod
from simulator.pico import emulator, run as pico_run

BOARD = project.DEFAULT_BOARD
SETTINGS = {"log_block_min": 1, "log_file_kb": 1, "log_max_kb": 16}
ROOM_BLOCKS = 6  # a worn log leaves this many one-minute blocks free under log_max_kb: the sync's trim is near
# MicroPython's rp2 port mounts its flash as VfsLfs2(bdev, progsize=256), readsize and lookahead 32
# (extmod/vfs_lfs.c), cache MIN(block, 4 * MAX(read, prog)): commits are padded to the prog size
LFS_GEOMETRY = {"read_size": 32, "prog_size": 256, "cache_size": 1024, "lookahead_size": 32}


def trace(seconds, seed=5):
    """A generated stretch of wear: walking, sitting, standing, `seconds` long."""
    schedule = []
    while sum(d for _, d in schedule) < seconds:
        schedule += [("walk", 60), ("sit", 60), ("stand", 60)]
    g = tracegen.generate(schedule, rate_hz=50, seed=seed)
    keep = g.t <= seconds
    return tracemod.Trace("<wear>", g.t[keep], g.acc[keep], g.gyro[keep])


def imu(seconds, work):
    """The MPU-6050 FIFO stream of trace(seconds) in folder `work`: the `imu` of an emulator.Pico."""
    job = jobmod.prepare(trace(seconds), work, BOARD, SETTINGS)
    return emulator.imu_stream(job, jobmod.resolve_settings(SETTINGS), Path(work) / "fifo.bin")


def deployed_image(path, worn_minutes=0):
    """Write a flash image holding the deployed clip; with `worn_minutes` of log written before by the
    firmware's own MinuteLog (a clip worn for hours, its log ROOM_BLOCKS short of log_max_kb)."""
    settings_json, s = pico_run.settings_file(SETTINGS)
    tree = firmware_build.tree(BOARD)
    tree["settings.json"] = settings_json
    if worn_minutes:
        tree.update(_worn_log(s, worn_minutes))
    emulator.make_image(path, tree)


def full_log_minutes():
    """One-minute blocks that fill the log's budget but ROOM_BLOCKS."""
    project.use_firmware()
    import minutelog

    return SETTINGS["log_max_kb"] * 1024 // minutelog.block_size(1) - ROOM_BLOCKS


def _worn_log(s, minutes):
    """{name: bytes} of the log files and state the firmware leaves after `minutes` one-minute blocks."""
    project.use_firmware()
    import minutelog
    from storage import Storage

    secs = bytearray(6)
    with tempfile.TemporaryDirectory() as d:
        store = Storage(d)
        log = minutelog.MinuteLog(store, s)
        log.start_session()
        for m in range(minutes):
            secs[:] = bytes(6)
            secs[1 + m % 3] = 60
            log.add(m, m % 90, secs, 0, 0, lambda: (0, 3900, 0, 0, 0))
        return {name: store.read(name) for name in store.listdir()}


def mount(image):
    """The littlefs of a flash image file, mounted as the rp2 port mounts it."""
    data = Path(image).read_bytes()
    fs = littlefs.LittleFS(block_size=emulator.FS_BLOCK, block_count=emulator.FS_BLOCKS, mount=False,
                           **LFS_GEOMETRY)
    fs.context.buffer[:] = data
    fs.mount()
    return fs


def log_blocks(image):
    """{raw block bytes: (seq, session, records)} of every intact block in the log files of a flash image."""
    project.use_firmware()
    import minutelog

    fs = mount(image)
    out = {}
    for name in fs.listdir("/"):
        if minutelog._is_log_file(name):
            with fs.open(name, "rb") as f:
                for b in minutelog.decode(f.read()):
                    out[b.raw] = (b.seq, b.session, len(b.records))
    return out


def log_files(image):
    """Names of the log files in a flash image, oldest first."""
    project.use_firmware()
    import minutelog

    return sorted(n for n in mount(image).listdir("/") if minutelog._is_log_file(n))
