"""Power cuts at every flash write of a clip's life, before the write and in the middle of it.

The firmware's Storage runs on a folder whose `open`/`os` are wrapped to
count write operations (file writes, renames, removes) and stop dead at
the k-th one, having written nothing or half of it. Then the clip
"restarts" on the same folder and what it finds is checked against what
had completed before the cut.
"""

import os
import tempfile
from pathlib import Path

from simulator import project

project.use_firmware()
import minutelog  # noqa: E402
import settings  # noqa: E402
import storage as storage_mod  # noqa: E402

MINUTES = 60  # a life: 60 minutes in 2-minute blocks, a settings save every 5, an ack at 12


class PowerCut(Exception):
    pass


class Flash:
    """Stands in for `open` and `os` in storage.py; cuts at write operation number `cut_at` (0: never)."""

    def __init__(self, fat):
        self.fat = fat  # rename will not replace an existing file, as on FAT
        self.cut_at = 0
        self.half = False  # cut in the middle of the write instead of before it
        self.ops = 0

    def op(self):
        self.ops += 1
        if self.ops == self.cut_at:
            raise PowerCut()

    def open(self, path, mode="r"):
        f = open(path, mode)
        if "w" not in mode and "a" not in mode:
            return f
        return _CuttingFile(f, self)

    def rename(self, a, b):
        if self.fat and os.path.exists(b):
            raise OSError(17)
        self.op()
        os.rename(a, b)

    def remove(self, p):
        self.op()
        os.remove(p)

    def __getattr__(self, name):
        return getattr(os, name)


class _CuttingFile:
    def __init__(self, f, flash):
        self._f = f
        self._flash = flash

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()

    def write(self, data):
        data = bytes(data)
        try:
            self._flash.op()
        except PowerCut:
            if self._flash.half:
                self._f.write(data[: len(data) // 2])
            raise
        self._f.write(data)


def life(store, s, done):
    """A clip's life on `store`; `done` gathers what completed (block seq -> last minute, settings, ack)."""
    log = minutelog.MinuteLog(store, s)
    log.start_session()
    secs = bytearray(6)
    for m in range(MINUTES):
        secs[m % 6] = 60
        log.add(m, m % 200, secs, m % 3, 0, lambda: (0, 3700, 0, 0, 0))
        secs[m % 6] = 0
        if log._n == 0:  # a block was written
            done["blocks"][log.next_seq - 1] = m
        if m % 5 == 4:
            s["upright_mg"] = (m, -m, 1000)
            done["upright"].append(tuple(s["upright_mg"]))  # old or this new one from here on
            settings.save(store, s)
            done["upright"].append(tuple(s["upright_mg"]))
        if m == 11:
            log.ack(log.next_seq - 1)
            done["acked"] = log.acked


def base_settings():
    s = settings.defaults()
    s.update(log_block_min=2, log_file_kb=1, log_max_kb=16)
    return s


class Patched:
    """storage.py writing through `flash` while in the with-block."""

    def __init__(self, flash):
        self.flash = flash

    def __enter__(self):
        self._saved = storage_mod.__dict__.get("open"), storage_mod.os
        storage_mod.open = self.flash.open
        storage_mod.os = self.flash
        return self.flash

    def __exit__(self, *exc):
        if self._saved[0] is None:
            del storage_mod.open
        else:
            storage_mod.open = self._saved[0]
        storage_mod.os = self._saved[1]


def _fresh(flash, root):
    root.mkdir()
    flash.cut_at, flash.ops = 0, 0
    store = storage_mod.Storage(str(root))
    settings.save(store, base_settings())
    flash.ops = 0
    return store


def write_ops(fat, work):
    """How many write operations a life without a cut makes."""
    flash = Flash(fat)
    with Patched(flash):
        life(_fresh(flash, Path(work) / "whole"), base_settings(), {"blocks": {}, "upright": [], "acked": 0})
    return flash.ops


def cut_and_restart(fat, cut, half, work):
    """Cut the power at write `cut` (mid-write if `half`), restart; what was lost, as a dict of problems."""
    flash = Flash(fat)
    root = Path(work) / f"cut{cut}{'h' if half else ''}"
    s0 = base_settings()
    done = {"blocks": {}, "upright": [tuple(s0["upright_mg"])], "acked": 0}
    with Patched(flash):
        store = _fresh(flash, root)
        flash.cut_at, flash.half = cut, half
        try:
            life(store, dict(s0), done)
            cut_happened = False
        except PowerCut:
            cut_happened = True
        flash.cut_at = 0
        # restart on the same flash
        store = storage_mod.Storage(str(root))
        loaded = settings.load(store)
        log = minutelog.MinuteLog(store, loaded)
        blocks = {b.seq: b for b in log.blocks_after(0)}
        lost = [seq for seq, last in done["blocks"].items() if seq > log.acked and
                (seq not in blocks or blocks[seq].minute + len(blocks[seq].records) - 1 != last)]
        before = max([log.acked] + list(blocks) + list(done["blocks"]))
        log.start_session()
        log.add(0, 5, bytes(6), 0, 0, lambda: (0, 0, 0, 0, 0))
        log.flush(lambda: (0, 0, 0, 0, 0))
        after = {b.seq for b in minutelog.MinuteLog(store, loaded).blocks_after(0)}
    return {
        "cut": cut_happened,
        "blocks_lost": lost,
        "settings_ok": tuple(loaded["upright_mg"]) in done["upright"][-3:],
        "ack_kept": log.acked >= done["acked"],
        "appends_after": max(after) > before and set(blocks) <= after,
    }


def every_cut(fat):
    """cut_and_restart at every write, before and mid-write: (cuts made, list of (cut, half, problems))."""
    with tempfile.TemporaryDirectory(prefix="stepclip-cut-") as work:
        total = write_ops(fat, work)
        bad = []
        for cut in range(1, total + 1):
            for half in (False, True):
                r = cut_and_restart(fat, cut, half, work)
                if not (r["cut"] and not r["blocks_lost"] and r["settings_ok"] and r["ack_kept"] and r["appends_after"]):
                    bad.append((cut, half, r))
    return 2 * total, bad
