"""A clip's log full on the chip (the rp2 port's littlefs): it keeps the newest minutes and says what it dropped.

Skipped, saying why, when ../shared/rp2040 (or $STEPCLIP_PICO_UF2), node or rp2040js is missing.
"""

import pytest

from host_tools import db, sync
from simulator.pico import emulator, powercut as chip

WHY = emulator.missing()
pytestmark = pytest.mark.skipif(WHY is not None, reason=f"emulated Pico: {WHY}")
WORN_S = (chip.ROOM_BLOCKS + 2) * 60  # past the room left: the clip must free old minutes for the newest


def test_a_full_log_on_the_chip_keeps_the_newest_minutes_and_says_how_many_old_ones_it_dropped(tmp_path):
    """A clip not synced for long: its log's budget (log_max_kb) holds unsynced minutes but for ROOM_BLOCKS.
    Worn 8 minutes more on the chip, it frees its oldest file for them, unsynced; the sync then brings every
    minute of the new session and the older ones left, and says how many blocks were dropped."""
    image = tmp_path / "full.img"
    old = chip.full_log_minutes()
    chip.deployed_image(image, old)
    with emulator.Pico(image, imu=chip.imu(WORN_S, tmp_path), board_name=chip.BOARD, deadline_s=900) as pico:
        pico.wait("stream", 600, where=lambda ev: ev["state"] == "finished")
        con = db.connect(tmp_path / "stepclip.db")
        r = sync.sync_clip(con, pico.url, out=lambda line: None)
    rows = con.execute("SELECT session, count(*) FROM minutes GROUP BY session ORDER BY session").fetchall()
    (old_session, kept), (new_session, new_minutes) = rows[0], rows[-1]
    assert new_session > old_session
    assert new_minutes >= WORN_S // 60  # every minute worn, the one in progress at the sync too
    assert r["dropped"] > 0 and kept == old - r["dropped"]  # the oldest went, each counted
    first_kept = con.execute("SELECT min(seq) FROM minutes WHERE session = ?", (old_session,)).fetchone()[0]
    assert first_kept == 1 + r["dropped"]  # and they were the oldest
