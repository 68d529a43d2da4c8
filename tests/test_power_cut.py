"""Power cuts at every flash write boundary and in the middle of every write.

The firmware's Storage runs on a folder whose `open`/`os` are wrapped to
count write operations and stop dead at the k-th one, having written
nothing or half of it. Then the clip "restarts" on the same folder.
"""

import os
import pytest

from simulator import project

project.use_firmware()
import minutelog  # noqa: E402
import settings  # noqa: E402
import storage as storage_mod  # noqa: E402


class PowerCut(Exception):
    pass


class Flash:
    """Counts write operations (file writes, renames, removes); cuts at number `cut_at`."""

    def __init__(self, cut_at, half, fat):
        self.cut_at = cut_at
        self.half = half  # cut in the middle of the write instead of before it
        self.fat = fat  # rename will not replace an existing file
        self.ops = 0

    def op(self):
        self.ops += 1
        if self.ops == self.cut_at:
            raise PowerCut()

    def open(self, path, mode="r"):
        f = open(path, mode)
        if "w" not in mode and "a" not in mode:
            return f
        flash = self
        write = f.write

        class Cutting:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                f.close()

            def write(self, data):
                data = bytes(data)
                try:
                    flash.op()
                except PowerCut:
                    if flash.half:
                        write(data[: len(data) // 2])
                    raise
                write(data)

        return Cutting()

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


def life(store, s, minutes, done):
    """A clip's life on `store`: minutes, blocks, settings saves, an ack; `done` gathers what completed."""
    log = minutelog.MinuteLog(store, s)
    log.start_session()
    secs = bytearray(6)
    for m in range(minutes):
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


def fresh(flash, root, s0):
    root.mkdir()
    flash.cut_at, flash.ops = 0, 0
    store = storage_mod.Storage(str(root))
    settings.save(store, s0)
    flash.ops = 0
    return store


@pytest.mark.parametrize("fat", [False, True], ids=["littlefs", "fat"])
def test_every_cut_keeps_completed_records_and_settings(tmp_path, monkeypatch, fat):
    s0 = settings.defaults()
    s0.update(log_block_min=2, log_file_kb=1, log_max_kb=16)
    flash = Flash(0, False, fat)
    monkeypatch.setattr(storage_mod, "open", flash.open, raising=False)
    monkeypatch.setattr(storage_mod, "os", flash)
    life(fresh(flash, tmp_path / "whole", s0), dict(s0), 60, {"blocks": {}, "upright": [], "acked": 0})
    total = flash.ops  # write operations in a life without a cut
    assert total > 50
    for cut in range(1, total + 1):
        for half in (False, True):
            where = f"cut at write {cut} of {total}{' (mid-write)' if half else ''}"
            root = tmp_path / f"cut{cut}{half}"
            store = fresh(flash, root, s0)
            flash.cut_at, flash.half = cut, half
            done = {"blocks": {}, "upright": [tuple(s0["upright_mg"])], "acked": 0}
            with pytest.raises(PowerCut):
                life(store, dict(s0), 60, done)
            # restart on the same flash
            flash.cut_at = 0
            store = storage_mod.Storage(str(root))
            loaded = settings.load(store)
            assert tuple(loaded["upright_mg"]) in done["upright"][-3:], f"{where}: settings neither old nor new"
            log = minutelog.MinuteLog(store, loaded)
            assert log.acked >= done["acked"], f"{where}: acknowledgement lost"
            blocks = {b.seq: b for b in log.blocks_after(0)}
            for seq, last_minute in done["blocks"].items():
                if seq > log.acked:
                    assert seq in blocks, f"{where}: block {seq} lost"
                    assert blocks[seq].minute + len(blocks[seq].records) - 1 == last_minute
            # the log keeps appending, with seqs above every earlier one
            before = max([log.acked] + list(blocks) + list(done["blocks"]))
            log.start_session()
            log.add(0, 5, bytes(6), 0, 0, lambda: (0, 0, 0, 0, 0))
            log.flush(lambda: (0, 0, 0, 0, 0))
            after = {b.seq for b in minutelog.MinuteLog(store, loaded).blocks_after(0)}
            assert max(after) > before and set(blocks) <= after, where
