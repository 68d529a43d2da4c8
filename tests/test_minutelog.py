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
