"""Power cuts on the chip (host_tools/pico_powercut.py): the emulated Pico loses power in the middle of a flash
program or erase while minutes are logged and while a sync trims the log, boots cold from the flash the cut
left, and every block its littlefs had committed before the cut reaches the database.

A handful of cuts; `python -m host_tools.pico_powercut` cuts at every operation. Skipped, saying why, when the
emulated Pico cannot run (no ../shared/rp2040 image, node or rp2040js).
"""

import pytest

from host_tools import pico_powercut as pc
from simulator.pico import emulator, powercut as chip

WHY = emulator.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"emulated Pico: {WHY}")


@pytest.fixture(scope="module")
def log_scene(tmp_path_factory):
    return pc.Scene("log", tmp_path_factory.mktemp("picocut"))


@pytest.fixture(scope="module")
def sync_scene(tmp_path_factory):
    scene = pc.Scene("sync", tmp_path_factory.mktemp("picocut"))
    scene.count_ops()
    return scene


def assert_survived(r):
    assert r["nor"], r  # the flash changed only where the operation worked, and only as NOR flash can
    assert r["booted"] and r["synced"] and r["ran_on"], r
    assert r["missing_seqs"] == [] and r["records_lost"] == 0, r
    assert r["survived"]


def test_a_cut_mid_program_while_logging_loses_no_finished_minute(log_scene):
    r = pc.cut_once(log_scene, 13, "bits")
    assert r["cut"] == "program" and r["bytes_changed"] > 0, r
    assert r["finished_blocks"] >= 1, r  # minutes had been written before the cut: there is something to lose
    assert_survived(r)


def test_a_cut_mid_erase_of_the_file_systems_metadata_keeps_the_clip(log_scene):
    """The log scene's third operation erases a block of littlefs's root metadata pair that holds the
    deployed files' entries (its compaction at the session's first write): cut half-way, the rp2 port
    must still mount its file system, find main.py and log on."""
    r = pc.cut_once(log_scene, 2, "prefix", kind="erase")
    assert r["cut"] == "erase" and r["op"] == 3 and r["bytes_changed"] > 0, r
    assert_survived(r)


@pytest.mark.parametrize("where", ["erase", "last"])
def test_a_cut_while_a_sync_trims_the_log_loses_nothing(sync_scene, where):
    """erase: the first erase after the sync's start (littlefs erasing a block for the minutes after it);
    last: the end of the window, by which the clip has freed its oldest acknowledged file for the minutes
    after the sync (the scene's clean run checked that it does)."""
    op = {"erase": sync_scene.first("erase", changing=False), "last": sync_scene.ops}[where]
    assert op is not None, sync_scene.window
    r = pc.cut_once(sync_scene, op, "bits" if where == "erase" else "prefix")
    assert r["cut"] == sync_scene.window[op - 1]["kind"], r
    assert r["finished_blocks"] > 400, r  # the worn log (acknowledged or not) was on the flash when the power went
    assert_survived(r)


def test_a_finished_block_damaged_at_the_cut_is_reported_lost(log_scene):
    """The check can fail: the newest finished block's bytes flipped on the flash while the chip is off."""
    seen = {}

    def damage(image):
        blocks = chip.log_blocks(image)
        raw, (seq, _session, _n) = max(blocks.items(), key=lambda kv: kv[1][0])
        data = bytearray(image.read_bytes())
        bad = bytearray(raw)
        bad[-6] ^= 0xFF  # a byte of the last record
        at = data.find(raw)
        while at >= 0:
            data[at:at + len(raw)] = bad
            at = data.find(raw, at + 1)
        image.write_bytes(bytes(data))
        seen["seq"] = seq

    r = pc.cut_once(log_scene, 14, "prefix", kind="any", damage=damage)
    assert seen["seq"] in r["missing_seqs"] and r["records_lost"] >= 1, r
    assert not r["survived"]
