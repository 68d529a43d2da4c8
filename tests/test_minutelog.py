"""The flash log: records round-trip, torn and damaged blocks are skipped, seqs never repeat."""

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

import minutelog
import settings
from minutelog import MinuteLog, block_size, decode, pack_record, unpack_record
from storage import Storage

S = settings.defaults()
SLOW = hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
record = st.tuples(st.integers(0, 255), st.lists(st.integers(0, 63), min_size=6, max_size=6),
                   st.integers(0, 3), st.integers(0, 3))


def header(epoch=1767600000):
    return lambda: (epoch, 3900, 2, 1, 0)


@given(record)
def test_record_round_trip(rec):
    buf = bytearray(minutelog.RECORD_SIZE)
    pack_record(buf, 0, *rec)
    assert unpack_record(buf, 0) == (rec[0], rec[1], rec[2], rec[3])


def test_record_fields_saturate():
    buf = bytearray(6)
    pack_record(buf, 0, 300, [70, 0, 0, 0, 0, 64], 5, 9)
    assert unpack_record(buf, 0) == (255, [63, 0, 0, 0, 0, 63], 3, 3)


def write_log(tmp_path, records, s=S):
    log = MinuteLog(Storage(str(tmp_path)), s)
    log.start_session()
    for i, rec in enumerate(records):
        log.add(i, *rec, header())
    log.flush(header())
    return log


@SLOW
@given(st.lists(record, min_size=1, max_size=70))
def test_blocks_round_trip(tmp_path_factory, records):
    tmp = tmp_path_factory.mktemp("log")
    log = write_log(tmp, records)
    blocks = log.blocks_after(0)
    assert [b.seq for b in blocks] == list(range(1, len(blocks) + 1))
    got = [r for b in blocks for r in b.records]
    assert got == [(r[0], r[1], r[2], r[3]) for r in records]
    assert [b.minute for b in blocks] == [16 * k for k in range(len(blocks))]
    b = blocks[0]
    assert (b.session, b.session_epoch, b.battery_mv, b.i2c_errors, b.flash_errors) == (1, 1767600000, 3900, 2, 1)


def test_a_month_fits_in_about_350_kb(tmp_path):
    log = write_log(tmp_path, [(100, [0, 60, 0, 0, 0, 0], 0, 0)] * 160, dict(S, log_max_kb=8192))
    used = sum(log._storage.size(n) for n in log.files())
    per_minute = used / 160
    assert per_minute <= 8
    assert per_minute * 60 * 24 * 30 <= 350 * 1024


@SLOW
@given(st.lists(record, min_size=17, max_size=60), st.data())
def test_truncation_anywhere_loses_no_block_before_the_cut(tmp_path_factory, records, data):
    tmp = tmp_path_factory.mktemp("log")
    log = write_log(tmp, records)
    (name,) = log.files()
    raw = (tmp / name).read_bytes()
    whole = decode(raw)
    cut = data.draw(st.integers(0, len(raw)))
    got = decode(raw[:cut])
    ends = []
    pos = 0
    for b in whole:
        pos += block_size(b.count)
        ends.append(pos)
    assert [b.seq for b in got] == [b.seq for b, end in zip(whole, ends) if end <= cut]


@SLOW
@given(st.lists(record, min_size=17, max_size=60), st.data())
def test_bit_flips_spoil_only_the_blocks_they_hit(tmp_path_factory, records, data):
    tmp = tmp_path_factory.mktemp("log")
    log = write_log(tmp, records)
    (name,) = log.files()
    raw = bytearray((tmp / name).read_bytes())
    whole = decode(bytes(raw))
    flips = data.draw(st.lists(st.integers(0, 8 * len(raw) - 1), min_size=1, max_size=4))
    hit = set()
    for bit in flips:
        raw[bit // 8] ^= 1 << (bit % 8)
        pos = 0
        for b in whole:
            if pos <= bit // 8 < pos + block_size(b.count):
                hit.add(b.seq)
            pos += block_size(b.count)
    got = {b.seq: b.records for b in decode(bytes(raw))}
    for b in whole:
        if b.seq not in hit:
            assert got[b.seq] == b.records  # every untouched block survives, before and after the damage
    assert set(got) <= {b.seq for b in whole}  # and nothing is invented


@SLOW
@given(st.lists(record, min_size=1, max_size=60), st.data())
def test_the_sync_reads_from_flash_the_blocks_a_whole_file_decodes_a_block_at_a_time(tmp_path_factory, records, data):
    """raw_after (what `stepclip sync` fetches) reads block by block, not the whole file into the heap: the
    same intact blocks as decode() of the whole file finds, around bit flips and a torn tail."""
    tmp = tmp_path_factory.mktemp("log")
    log = write_log(tmp, records, dict(S, log_block_min=4))
    (name,) = log.files()
    raw = bytearray((tmp / name).read_bytes())
    for bit in data.draw(st.lists(st.integers(0, 8 * len(raw) - 1), max_size=3)):
        raw[bit // 8] ^= 1 << (bit % 8)
    raw = raw[:data.draw(st.integers(1, len(raw)))]  # a torn tail, or none
    (tmp / name).write_bytes(bytes(raw))
    assert [(b.seq, b.raw) for b in decode(bytes(raw))] == [(seq, bytes(r)) for seq, r in log.raw_after(0)]


def test_seqs_and_sessions_continue_after_a_reboot_and_a_torn_block(tmp_path):
    store = Storage(str(tmp_path))
    write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 40)  # seqs 1..3
    (name,) = MinuteLog(store, S).files()
    with open(tmp_path / name, "ab") as f:
        f.write(b"\xa5\x01\x10torn-by-a-power-cut")
    log = MinuteLog(store, S)
    log.start_session()
    assert log.session == 2 and log.next_seq == 4
    log.add(0, 5, [60, 0, 0, 0, 0, 0], 0, 0, header())
    log.flush(header())
    blocks = log.blocks_after(0)
    assert [(b.seq, b.session) for b in blocks] == [(1, 1), (2, 1), (3, 1), (4, 2)]


def test_freed_files_do_not_free_their_seqs(tmp_path):
    s = dict(S, log_file_kb=1, log_max_kb=16)
    log = write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 16 * 12, s)  # 12 blocks over several files
    last = log.next_seq - 1
    log.ack(last)
    for name in log.files():
        log._storage.remove(name)
    again = MinuteLog(Storage(str(tmp_path)), s)
    assert again.next_seq == last + 1 and again.acked == last
    with pytest.raises(ValueError, match="cannot acknowledge seq 99"):
        again.ack(99)


def test_full_flash_frees_acknowledged_files_first_then_counts_what_it_drops(tmp_path):
    s = dict(S, log_file_kb=1, log_max_kb=16, log_block_min=8)
    log = write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 8 * 300, s)  # 300 blocks, 23 KB
    first_files = log.files()
    assert sum(log._storage.size(n) for n in first_files) <= 16 * 1024
    assert log.dropped > 0  # nothing was acknowledged: the oldest blocks went, counted
    kept = log.blocks_after(0)
    assert kept[-1].seq == log.next_seq - 1  # the newest data is always kept
    log.ack(kept[len(kept) // 2].seq)
    dropped = log.dropped
    for i in range(8 * 10):
        log.add(i, 1, [60, 0, 0, 0, 0, 0], 0, 0, header())
    assert log.dropped == dropped  # acknowledged data made the room this time


class FullFlash(Storage):
    """Storage whose writes fail with ENOSPC while `full` is set, as a file system with no free block."""

    full = False

    def append(self, name, data):
        if self.full:
            raise OSError(28, "ENOSPC")
        super().append(name, data)

    def write_atomic(self, name, data):
        if self.full:
            raise OSError(28, "ENOSPC")
        super().write_atomic(name, data)


def full_flash_log(tmp_path):
    """A log of 4-minute blocks that keeps up to 8 minutes in RAM, on a flash that can be made full."""
    store = FullFlash(str(tmp_path))
    log = MinuteLog(store, dict(S, log_block_min=4, log_wait_min=8))
    log.start_session()
    return store, log


def test_minutes_wait_in_ram_while_the_flash_is_full(tmp_path):
    store, log = full_flash_log(tmp_path)
    errors = 0
    for minute in range(12):
        store.full = 3 <= minute < 6  # the block due at minute 3 cannot be written until minute 6
        try:
            log.add(minute, minute, [60, 0, 0, 0, 0, 0], 0, 0, header())
        except OSError:
            errors += 1
    log.flush(header())
    got = [(b.minute + k, r[0]) for b in log.blocks_after(0) for k, r in enumerate(b.records)]
    assert got == [(m, m) for m in range(12)] and log.dropped == 0
    assert errors == 3  # one per minute the flash was full


def test_a_flash_full_for_long_drops_the_oldest_waiting_block_counted(tmp_path):
    store, log = full_flash_log(tmp_path)
    store.full = True
    for minute in range(12):  # RAM holds 8 minutes
        try:
            log.add(minute, minute, [60, 0, 0, 0, 0, 0], 0, 0, header())
        except OSError:
            pass
    store.full = False
    log.flush(header())
    got = [(b.minute + k, r[0]) for b in log.blocks_after(0) for k, r in enumerate(b.records)]
    assert got == [(m, m) for m in range(4, 12)] and log.dropped == 1
    assert log.blocks_after(0)[0].dropped == 1  # the host is told


def test_a_full_file_system_frees_acknowledged_files(tmp_path):
    s = dict(S, log_file_kb=1, log_block_min=8)
    log = write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 8 * 30, s)  # 30 blocks over several files
    log.ack(log.next_seq - 1)
    files = log.files()
    store = FullFlash(str(tmp_path))
    log = MinuteLog(store, s)
    log.start_session()
    store.full = True
    store.remove = lambda name, remove=store.remove: (remove(name), setattr(store, "full", False))  # room made
    for minute in range(8):
        log.add(minute, 2, [60, 0, 0, 0, 0, 0], 0, 0, header())
    assert files[0] not in log.files() and files[1] in log.files()  # only the oldest acknowledged file went
    assert log.blocks_after(log.acked)[0].records[0][0] == 2 and log.dropped == 0


@pytest.mark.parametrize("version", [1, 2])
def test_blocks_written_by_older_firmware_are_still_read(tmp_path, version):
    """A clip updated in the field keeps its old log files; the new firmware reads and extends them."""
    import struct
    from binascii import crc32

    fields = (0xA5, version, 1, 1, 1, 0, 1767600000, 3900, 0, 0, 0, 0) + ((0,) if version == 2 else ())
    head = struct.pack("<BBBIHIIHHBBH" + ("B" if version == 2 else ""), *fields)
    rec = bytearray(6)
    pack_record(rec, 0, 42, [0, 60, 0, 0, 0, 0], 1, 0)
    body = head + bytes(rec)
    (tmp_path / minutelog.file_name(1)).write_bytes(body + struct.pack("<I", crc32(body)))
    log = MinuteLog(Storage(str(tmp_path)), S)
    assert log.next_seq == 2
    log.start_session()
    log.add(0, 5, [60, 0, 0, 0, 0, 0], 0, 0, header())
    log.flush(header())
    old, new = log.blocks_after(0)
    assert (old.version, old.seq, old.records, old.flags, old.goal) == (version, 1, [(42, [0, 60, 0, 0, 0, 0], 1, 0)],
                                                                        0, -1)
    assert (new.version, new.seq, new.records[0][0]) == (minutelog.VERSION, 2, 5)


def goal_minutes(log):
    """(minute, steps) of each record a block marks as the goal's minute."""
    return [(b.minute + b.goal, b.records[b.goal][0]) for b in log.blocks_after(0) if b.goal >= 0]


@given(st.lists(st.booleans(), min_size=1, max_size=70))
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_goal_minute_is_marked_in_its_block(tmp_path_factory, goals):
    """One mark per block: a second goal minute in a block (a day's end in it) starts the next block."""
    log = MinuteLog(Storage(str(tmp_path_factory.mktemp("log"))), S)
    log.start_session()
    for i, goal in enumerate(goals):
        log.add(i, i % 200, [0, 60, 0, 0, 0, 0], 0, 0, header(), goal)
    log.flush(header())
    assert goal_minutes(log) == [(i, i % 200) for i, goal in enumerate(goals) if goal]
    assert [r[0] for b in log.blocks_after(0) for r in b.records] == [i % 200 for i in range(len(goals))]


def test_a_goal_mark_waits_in_ram_with_its_minute(tmp_path):
    store, log = full_flash_log(tmp_path)
    store.full = True
    for minute in range(10):  # the first block's worth gives way when RAM is full: the mark moves with its minute
        try:
            log.add(minute, minute, [60, 0, 0, 0, 0, 0], 0, 0, header(), minute == 5)
        except OSError:
            pass
    store.full = False
    log.flush(header())
    assert goal_minutes(log) == [(5, 5)] and log.dropped == 1


def minute(log, m):
    secs = bytearray(6)
    secs[m % 6] = 60
    log.add(m, m + 1, secs, 0, 0, header())


def test_a_reset_mid_block_loses_no_finished_minute(tmp_path):
    """The records waiting in RAM are on flash after each minute: the next boot writes them to the log,
    once, and a later block follows with the next seq."""
    store = Storage(str(tmp_path))
    log = MinuteLog(store, S)  # 16-minute blocks
    log.start_session()
    for m in range(5):
        minute(log, m)
    assert log.blocks_after(0) == []  # nothing in the log itself yet
    # the watchdog resets the MCU: RAM is gone
    for boot in range(2):
        again = MinuteLog(store, S)
        again.start_session()
        blocks = again.blocks_after(0)
        assert [(b.seq, b.minute, [r[0] for r in b.records]) for b in blocks] == [(1, 0, [1, 2, 3, 4, 5])]
    minute(again, 0)
    again.flush(header())
    assert [b.seq for b in MinuteLog(store, S).blocks_after(0)] == [1, 2]


def test_a_block_written_is_not_written_again_from_its_copy(tmp_path):
    store = Storage(str(tmp_path))
    log = MinuteLog(store, dict(S, log_block_min=4))
    log.start_session()
    for m in range(6):  # one block written at minute 3, two minutes waiting after it
        minute(log, m)
    log.flush(header())  # as a sync does; the copy still holds the two minutes
    again = MinuteLog(store, dict(S, log_block_min=4))
    again.start_session()
    assert [(b.seq, len(b.records)) for b in again.blocks_after(0)] == [(1, 4), (2, 2)]
    assert store.read(minutelog.UNSAVED) is None


def test_an_ack_on_a_full_file_system_frees_what_it_acknowledges_and_is_kept(tmp_path):
    """The host has stored every block and says so while the flash is full (the log filled it): the clip cannot
    save the acknowledgement until room is made, and the blocks just acknowledged make it; a clip reopened
    later still knows what the host has."""
    s = dict(S, log_file_kb=1, log_block_min=8)
    write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 8 * 30, s)  # 30 blocks over several files
    store = FullFlash(str(tmp_path))
    log = MinuteLog(store, s)
    files = log.files()
    store.full = True
    store.remove = lambda name, remove=store.remove: (remove(name), setattr(store, "full", False))  # room made
    last = log.next_seq - 1
    log.ack(last)
    assert files[0] not in log.files() and files[1] in log.files()  # only the oldest file went
    again = MinuteLog(Storage(str(tmp_path)), s)
    assert again.acked == last and again.next_seq == last + 1
    assert [b.seq for b in again.blocks_after(0)][-1] == last  # the rest of the log is there


def test_an_ack_on_a_full_file_system_with_nothing_to_free_fails_and_keeps_the_log(tmp_path):
    """Nothing acknowledged before and only one file: no room can be made, the ack fails with the file
    system's error, and the log and its old acknowledgement are as they were."""
    log = write_log(tmp_path, [(1, [60, 0, 0, 0, 0, 0], 0, 0)] * 16, S)
    store = FullFlash(str(tmp_path))
    log = MinuteLog(store, S)
    before = [b.seq for b in log.blocks_after(0)]
    assert len(log.files()) == 1
    store.full = True
    with pytest.raises(OSError):
        log.ack(log.next_seq - 1)
    assert log.acked == 0
    again = MinuteLog(Storage(str(tmp_path)), S)
    assert again.acked == 0 and [b.seq for b in again.blocks_after(0)] == before
