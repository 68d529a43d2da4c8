# The clip's log: minute records in blocks, appended to files on flash.
#
# A minute record is 6 bytes (48 bits, little-endian): steps (8 bits,
# saturating), then seconds spent in each posture state, 6 bits each, in the
# order of posture.NAMES, then nudges (2 bits) and snoozes (2 bits). The
# seconds add up to what the record covers: 60 for a whole minute, fewer for
# the minute in progress when the loop was stopped (the next session's
# records are separate, so nothing is counted twice).
#
# A block holds `log_block_min` consecutive minutes of one session (more when
# a full flash made them wait in RAM), or fewer when the loop stops:
#   header  magic 0xA5, version, record count, seq (u32), session (u16),
#           first minute of the session (u32), session start in local time
#           (u32 seconds since 1970, 0 while the clock is not set), battery mV
#           (u16, 0 unknown), I2C errors (u16), flash errors (u8), FIFO
#           overflows (u8), blocks dropped for space (u16), flags (u8, from
#           version 2: 1 = the session began with a watchdog restart, 2 = it
#           ran on the defaults, its settings file damaged),
#           goal (u8, from version 3: 1 + the index of the record in whose
#           minute the day's step goal was reached, 0 none)
#   records
#   CRC-32 of header and records (u32)
# A block is written in one append: a power cut or a failed write leaves at
# most one torn block, which readers detect by its CRC and skip.
# The records still waiting in RAM are copied after every finished minute
# into UNSAVED, a block of its own with the seq it will have: a watchdog
# reset (or a crash) then loses only the minute in progress, and the next
# boot writes that block to the log unless the log already has its seq.
# Sequence numbers only grow, across reboots too; the host acknowledges up
# to a seq, and only acknowledged blocks are freed first when space runs
# low (then the oldest unacknowledged, counted as dropped).

import struct
from binascii import crc32

MAGIC = 0xA5
VERSION = 3
_HEADS = (None, "<BBBIHIIHHBBH", "<BBBIHIIHHBBHB", "<BBBIHIIHHBBHBB")  # by version; older logs stay readable
_HEAD = _HEADS[VERSION]
_HEAD_SIZES = tuple(struct.calcsize(h) if h else 0 for h in _HEADS)
HEAD_SIZE = _HEAD_SIZES[VERSION]
FLAG_WATCHDOG = 1  # the block's session began with a watchdog restart (a hung loop)
FLAG_DEFAULTS = 2  # the session ran on the default settings: its settings file was damaged
RECORD_SIZE = 6
CRC_SIZE = 4
STATE = "logstate.json"
UNSAVED = "unsaved.blk"
_PREFIX = "log_"
_SUFFIX = ".blk"


def pack_record(buf, off, steps, secs, nudges, snoozes):
    """Write one minute record into `buf` at `off`; `secs` holds seconds per posture state."""
    v = steps if steps < 255 else 255
    shift = 8
    i = 0
    while i < 6:
        s = secs[i]
        v |= (s if s < 63 else 63) << shift
        shift += 6
        i += 1
    v |= (nudges if nudges < 3 else 3) << 44
    v |= (snoozes if snoozes < 3 else 3) << 46
    i = 0
    while i < RECORD_SIZE:
        buf[off + i] = (v >> (8 * i)) & 0xFF
        i += 1


def unpack_record(data, off):
    """(steps, [seconds per state], nudges, snoozes) of the record at `off`."""
    v = 0
    i = RECORD_SIZE - 1
    while i >= 0:
        v = (v << 8) | data[off + i]
        i -= 1
    secs = [(v >> (8 + 6 * k)) & 63 for k in range(6)]
    return v & 0xFF, secs, (v >> 44) & 3, (v >> 46) & 3


class Block:
    """A decoded block: its header fields and its records."""

    def __init__(self, fields, records, raw):
        (_, self.version, self.count, self.seq, self.session, self.minute, self.session_epoch, self.battery_mv,
         self.i2c_errors, self.flash_errors, self.fifo_overflows, self.dropped) = fields[:12]
        self.flags = fields[12] if len(fields) > 12 else 0
        self.goal = fields[13] - 1 if len(fields) > 13 else -1  # the record in whose minute the goal was reached
        self.records = records
        self.raw = raw


def block_size(count, version=VERSION):
    return _HEAD_SIZES[version] + count * RECORD_SIZE + CRC_SIZE


def _length(magic, version, count):
    """Bytes of the block whose header begins with these three bytes; 0 where they are no block's."""
    if magic != MAGIC or not 1 <= version <= VERSION:
        return 0
    return block_size(count, version)


def _intact(buf, start, n):
    """Whether the `n` bytes of `buf` from `start` are a block whose CRC holds."""
    return crc32(memoryview(buf)[start:start + n - CRC_SIZE]) == struct.unpack_from("<I", buf, start + n - CRC_SIZE)[0]


def _spans(data):
    """(start, end) of every intact block in `data`; torn or damaged stretches are skipped."""
    i = 0
    end = len(data)
    smallest = block_size(0, 1)
    while i + smallest <= end:
        n = _length(data[i], data[i + 1], data[i + 2])
        if not n or i + n > end or not _intact(data, i, n):
            i += 1
            continue
        yield i, i + n
        i += n


def _file_blocks(f):
    """The bytes of every intact block in open file `f`, as _spans finds them, one block in memory at a time."""
    i = 0
    while True:
        f.seek(i)
        head = f.read(3)
        if len(head) < 3:
            return
        n = _length(head[0], head[1], head[2])
        if n:
            f.seek(i)
            raw = f.read(n)
            if len(raw) == n and _intact(raw, 0, n):
                yield raw
                i += n
                continue
        i += 1


def decode(data):
    """Every intact block in `data`, in order; torn or damaged stretches are skipped."""
    out = []
    for i, j in _spans(data):
        fields = struct.unpack_from(_HEADS[data[i + 1]], data, i)
        first = i + _HEAD_SIZES[data[i + 1]]
        records = [unpack_record(data, first + k * RECORD_SIZE) for k in range(fields[2])]
        out.append(Block(fields, records, bytes(data[i:j])))
    return out


def file_name(first_seq):
    return "%s%08x%s" % (_PREFIX, first_seq, _SUFFIX)


def _counter(value, top):
    """A counter read back from the state file: a damaged one starts again from 0."""
    return value if isinstance(value, int) and 0 <= value <= top else 0


def _is_log_file(name):
    """A name file_name() makes: anything else on the flash is not the log's."""
    if len(name) != len(_PREFIX) + 8 + len(_SUFFIX) or not name.startswith(_PREFIX) or not name.endswith(_SUFFIX):
        return False
    for c in name[len(_PREFIX):-len(_SUFFIX)]:
        if c not in "0123456789abcdef":
            return False
    return True


def _first_seq(name):
    return int(name[len(_PREFIX):-len(_SUFFIX)], 16)


class MinuteLog:
    """Appends minute records; writes a block when it is full or on flush()."""

    def __init__(self, storage, s):
        self._storage = storage
        self._per_block = s["log_block_min"]
        self._file_bytes = s["log_file_kb"] * 1024
        self._max_bytes = s["log_max_kb"] * 1024
        self._cap = max(self._per_block, s["log_wait_min"])  # records that can wait in RAM for a write
        self._buf = bytearray(block_size(self._cap))
        self._n = 0
        self._goal = 0  # 1 + the index of the waiting record in whose minute the goal was reached, 0 none
        self._minute = 0
        self.dropped = 0
        self.flags = 0  # FLAG_* bits carried by every block of this session
        state = storage.read_json(STATE)
        self._state = state if isinstance(state, dict) else {}
        self.acked = _counter(self._state.get("acked"), 0xFFFFFFFF)
        self.session = _counter(self._state.get("session"), 0xFFFF)
        self.next_seq = max(self.acked, self._last_seq(self.files())) + 1
        self._file = None  # each session starts a file of its own

    def start_session(self):
        """Number a new run of the loop (a boot or a soft reset); the number is kept on flash.

        First the minutes the last run kept in UNSAVED go to the log, if they are not there yet."""
        self._recover()
        self.session = (self.session + 1) & 0xFFFF
        self._save_state()

    def _recover(self):
        data = self._storage.read(UNSAVED)
        if data is None:
            return
        for start, end in _spans(data):  # the file holds one block: the first intact one
            if struct.unpack_from("<I", data, start + 3)[0] == self.next_seq:
                self._make_room(end - start)
                self._storage.append(file_name(self.next_seq), memoryview(data)[start:end])
                self.next_seq += 1
            break
        self._storage.remove(UNSAVED)

    def _save_state(self):
        self._state["acked"] = self.acked
        self._state["session"] = self.session
        self._storage.write_json(STATE, self._state)

    def files(self):
        """Log file names, oldest first."""
        names = [n for n in self._storage.listdir() if _is_log_file(n)]
        names.sort()
        return names

    def _last_seq(self, files):
        """The highest seq written: the last intact block's, in the newest file that has one.

        Newer files whose blocks are all lost still hold their first seq (the
        host may have seen it), but no more than one past what came before:
        a name this log never made cannot push the seqs out of range.
        """
        last = 0
        lost = []  # newer files without an intact block, newest first
        for name in reversed(files):
            data = self._storage.read(name) or b""
            span = None
            for span in _spans(data):
                pass
            if span:
                last = struct.unpack_from("<I", data, span[0] + 3)[0]
                break
            lost.append(name)
        for name in reversed(lost):
            last = max(last, min(_first_seq(name), last + 1))
        return last

    def add(self, minute, steps, secs, nudges, snoozes, header, goal=False, defer=False):
        """Append a minute record; `header` is called for the block's other fields when it is written.

        `defer`: the caller calls save() later (the flash is written then).

        `goal`: the day's step goal was reached in this minute. A block marks
        one such minute; a second one (only in a block waiting across
        midnight) first writes the block, and if the flash cannot take it,
        the later mark replaces the earlier.
        While writes fail (a full flash) the minutes wait in RAM, up to
        `log_wait_min` of them, and every new minute tries again; when RAM is
        full too, the oldest block's worth gives way, counted as dropped.
        """
        if goal and self._goal:
            try:
                self.flush(header)
            except OSError:
                pass
        if self._n == self._cap:
            self._forget(self._per_block)
            self.dropped += 1
        if self._n == 0:
            self._minute = minute
        pack_record(self._buf, HEAD_SIZE + self._n * RECORD_SIZE, steps, secs, nudges, snoozes)
        self._n += 1
        if goal:
            self._goal = self._n
        if not defer:
            self.save(header)

    def save(self, header):
        """Write a full block, or copy the waiting records to UNSAVED."""
        if self._n >= self._per_block:
            self.flush(header)
        elif self._n:
            self._keep(header)

    def _keep(self, header):
        """Copy the waiting records to UNSAVED (on a write error they are still waiting in RAM)."""
        size = self._pack(header)
        self._storage.write(UNSAVED, memoryview(self._buf)[:size])

    def _forget(self, k):
        """Drop the oldest `k` waiting records."""
        buf = self._buf
        end = HEAD_SIZE + self._n * RECORD_SIZE
        buf[HEAD_SIZE:end - k * RECORD_SIZE] = buf[HEAD_SIZE + k * RECORD_SIZE:end]
        self._n -= k
        self._minute += k
        self._goal = self._goal - k if self._goal > k else 0

    def flush(self, header):
        """Write the records gathered so far as one block (nothing if there are none).

        On a write error (a full flash) the records stay gathered, for the next try.
        """
        if not self._n:
            return
        size = self._pack(header)
        if self._file is None or self._storage.size(self._file) >= self._file_bytes:
            self._file = file_name(self.next_seq)
        self._make_room(size)
        block = memoryview(self._buf)[:size]
        try:
            self._storage.append(self._file, block)
        except OSError:
            # the file system is full below the log's budget: acknowledged data goes first
            if not self._free_acked():
                raise
            self._storage.append(self._file, block)
        self._n = 0
        self._goal = 0
        self.next_seq += 1

    def _pack(self, header):
        """Make the waiting records a block, with the next seq, in the buffer; its size."""
        n = self._n
        epoch, battery_mv, i2c, flash, overflows = header()
        struct.pack_into(_HEAD, self._buf, 0, MAGIC, VERSION, n, self.next_seq, self.session, self._minute, epoch,
                         battery_mv, min(i2c, 0xFFFF), min(flash, 0xFF), min(overflows, 0xFF),
                         min(self.dropped, 0xFFFF), self.flags, self._goal)
        size = block_size(n)
        body = memoryview(self._buf)[:size - CRC_SIZE]
        struct.pack_into("<I", self._buf, size - CRC_SIZE, crc32(body))
        return size

    def _free_acked(self):
        """Remove the oldest log file the host has acknowledged entirely; False if there is none."""
        name = self._oldest_acked(self.files())
        if name is None:
            return False
        self._storage.remove(name)
        return True

    def _oldest_acked(self, files):
        """The oldest of `files` whose blocks are all acknowledged (never the newest), or None."""
        for name in files[:-1]:
            if self._fully_acked(name, files):
                return name
        return None

    def _make_room(self, size):
        """Free whole files, acknowledged ones first, until the log fits its budget."""
        files = self.files()
        total = 0
        for name in files:
            total += self._storage.size(name)
        while total + size > self._max_bytes and len(files) > 1:
            victim = self._oldest_acked(files)
            if victim is None:  # nothing acknowledged to free: the oldest data goes, counted
                victim = files[0]
                for _ in _spans(self._storage.read(victim) or b""):
                    self.dropped += 1
            total -= self._storage.size(victim)
            self._storage.remove(victim)
            files.remove(victim)

    def _fully_acked(self, name, files):
        """True when every block of `name` is at or below the acknowledged seq."""
        i = files.index(name)
        if i + 1 < len(files):
            return _first_seq(files[i + 1]) - 1 <= self.acked
        return False

    def blocks_after(self, seq):
        """Intact blocks with a seq above `seq`, oldest first."""
        out = []
        for name in self._files_after(seq):
            for b in decode(self._storage.read(name) or b""):
                if b.seq > seq:
                    out.append(b)
        return out

    def raw_after(self, seq):
        """(seq, bytes) of each intact block above `seq`, oldest first, without decoding records.

        What the device sends to the host, read from flash a block at a time: a whole file (log_file_kb)
        would need that much contiguous heap, which a clip's heap after days of running may not have."""
        for name in self._files_after(seq):
            try:
                f = open(self._storage.path(name), "rb")
            except OSError:
                continue
            with f:
                for raw in _file_blocks(f):
                    s = struct.unpack_from("<I", raw, 3)[0]
                    if s > seq:
                        yield s, raw

    def _files_after(self, seq):
        """The files that may hold blocks above `seq`: a file ends where the next one's name begins."""
        files = self.files()
        out = []
        for i in range(len(files)):
            if i + 1 == len(files) or _first_seq(files[i + 1]) - 1 > seq:
                out.append(files[i])
        return out

    def ack(self, seq):
        """The host has stored every block up to `seq`: they may be freed."""
        if seq > self.next_seq - 1:
            raise ValueError("cannot acknowledge seq %d: the last written is %d" % (seq, self.next_seq - 1))
        if seq <= self.acked:
            return
        was, self.acked = self.acked, seq
        try:
            try:
                self._save_state()
            except OSError:
                # a full flash: the blocks just acknowledged make the room to say so
                if not self._free_acked():
                    raise
                self._save_state()
        except OSError:
            self.acked = was  # not saved: not acknowledged
            raise
