"""The host sets the clip's clock mid-session, forwards or backwards: blocks carry the session start
as the clip's clock then puts it, and the database keeps the session where its first dated block put it."""

import pytest

from host_tools import db
from simulator import project, replay, trace as tracemod, tracegen

project.use_firmware()
from minutelog import MinuteLog  # noqa: E402


@pytest.mark.parametrize("shift_s", [3600, -7200])
def test_clock_set_mid_session(tmp_path, shift_s):
    g = tracegen.generate([("walk", 120), ("sit", 240)], rate_hz=50, seed=1)
    trace = tracemod.Trace("<t>", g.t, g.acc, g.gyro)
    job = replay.prepare(trace, tmp_path, overrides={"log_block_min": 1}, start_minute=8 * 60)
    import rig as rigmod
    from clip import Clip
    from vmotor import VirtualMotor

    rig = rigmod.Rig(job)
    clock = rig.clock
    clip = Clip(rig.imu, clock, VirtualMotor(clock), rig.storage, rig.settings)
    while not rig.chip.finished():
        clock.sleep_ms(clip.step())
        if clip.minute == 3 and clock.start_epoch == job["start_epoch"]:
            clock.start_epoch += shift_s  # `stepclip sync` calls set_clock
    clip.finish()
    rig.chip.close()
    blocks = MinuteLog(rig.storage, rig.settings).blocks_after(0)
    epochs = [b.session_epoch for b in blocks]
    assert epochs[:3] == [job["start_epoch"]] * 3 and set(epochs[3:]) == {job["start_epoch"] + shift_s}
    con = db.connect(tmp_path / "c.db")
    db.clip_era(con, "c1", 0, "pico", "0.1.0", "now")
    db.store_blocks(con, "c1", 0, blocks, "now")
    rows = db.minutes(con, "c1")
    # one session, its minutes contiguous: the clock change neither overlaps nor tears them
    assert [r["epoch"] for r in rows] == [job["start_epoch"] + 60 * k for k in range(len(blocks))]
