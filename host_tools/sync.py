"""`stepclip sync`: bring every new log block of a clip into the database, exactly once.

The device side is firmware/clipapi.py, called over mpremote's own
transport. The order is what makes an interruption anywhere harmless:
identity, clock, blocks newer than the database holds (each CRC checked,
each chunk committed), the goal (goal.py) and the other settings, and only then the acknowledgement that
lets the clip free them; last, a soft reset restarts logging.
"""

import base64
import binascii
import calendar
import json
import time
from datetime import datetime

from mpremote.transport import TransportError, TransportExecError
from mpremote.transport_serial import SerialTransport

from host_tools import db, goal
from simulator import project

CHUNK_BYTES = 32 * 1024  # log bytes asked for per call: bounds the clip's output buffer and a retry
_EXEC_TIMEOUT_S = 30
_SILENT_S = 120  # a clip that says nothing for this long has stopped answering (an emulated one is ~25x slow)
CHECK_BLOCKS = 4  # blocks compared with the database before a sync of a known clip
CHECK_BYTES = 1024


class SyncError(Exception):
    """A sync that could not finish: one line; everything stored so far stays."""


def local_epoch(t=None):
    """Local wall-clock time as the clip keeps it: seconds since 1970, in local time."""
    return calendar.timegm(time.localtime(t))


class ReadAhead:
    """A pyserial port that answers mpremote's one-byte reads from large ones.

    mpremote's raw-REPL code reads a byte per call; on a socket or a pty each
    would be a system call, which makes a month of log take ten seconds
    instead of one. The protocol stays mpremote's; only the reads are pooled.
    """

    def __init__(self, port):
        port.timeout = 0  # reads return what has arrived; mpremote keeps its own timeouts
        object.__setattr__(self, "_port", port)
        object.__setattr__(self, "_buf", bytearray())

    def inWaiting(self):
        if not self._buf:
            self._buf.extend(self._port.read(65536))
        return len(self._buf)

    @property
    def in_waiting(self):
        return self.inWaiting()

    def read(self, n=1):
        """Exactly `n` bytes, waiting for them as the port mpremote opened (no timeout) would, but not for ever:
        a clip silent for _SILENT_S (a raw REPL that never acknowledged the code) is an OSError, not a hang."""
        buf = self._buf
        heard = time.monotonic()
        while len(buf) < n:
            got = self._port.read(65536)
            if got:
                buf.extend(got)
                heard = time.monotonic()
            elif time.monotonic() - heard > _SILENT_S:
                raise OSError(f"no answer for {_SILENT_S} s")
            else:
                time.sleep(0.0005)
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def __getattr__(self, name):
        return getattr(self._port, name)

    def __setattr__(self, name, value):
        setattr(self._port, name, value)


class Clip:
    """A connected clip, its loop stopped, speaking clipapi."""

    def __init__(self, port):
        self.port = port
        try:
            self.transport = SerialTransport(port, baudrate=115200)
            self.transport.serial = ReadAhead(self.transport.serial)
            try:
                self.transport.enter_raw_repl(soft_reset=False)
            except TransportError:
                # a sync cut off while sending code leaves the REPL inside a paste: end it, and ask again
                self.transport.serial.write(b"\x04")
                self.transport.enter_raw_repl(soft_reset=False)
        except (TransportError, OSError) as e:
            raise SyncError(f"cannot reach a clip on {port}: {e}") from None

    def call(self, code, data_consumer=None):
        try:
            self.transport.exec_raw_no_follow("import clipapi\nclipapi." + code)
            out, err = self.transport.follow(_EXEC_TIMEOUT_S, data_consumer)
        except (TransportError, OSError) as e:
            raise SyncError(f"lost the clip on {self.port}: {e}") from None
        if err:
            lines = err.decode(errors="replace").strip().splitlines()
            raise SyncError(f"the clip on {self.port} refused clipapi.{code.split('(')[0]}: {lines[-1]}")
        return out

    def json(self, code):
        out = self.call(code)
        try:
            return json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError, UnicodeDecodeError):
            raise SyncError(f"the clip on {self.port} gave an unreadable answer to {code!r}") from None

    def blocks(self, after, max_bytes):
        """Decoded blocks above `after` (at most about `max_bytes` of them); CRCs checked here."""
        from minutelog import decode

        buf = bytearray()
        self.call(f"blocks({after}, {max_bytes})", data_consumer=buf.extend)
        blocks = []
        for line in bytes(buf).replace(b"\x04", b"").split():
            try:
                raw = base64.b64decode(line, validate=True)
            except binascii.Error:
                raise SyncError(f"a damaged line came from the clip on {self.port}") from None
            found = decode(raw)
            if len(found) != 1 or len(found[0].raw) != len(raw):
                raise SyncError(f"a block from the clip on {self.port} failed its CRC check")
            blocks.append(found[0])
        return blocks

    def restart_logging(self):
        """Leave the raw REPL and soft-reset, so main.py runs again (a new session)."""
        try:
            self.transport.exit_raw_repl()
            self.transport.serial.write(b"\x04")
            self.transport.read_until(1, b"soft reboot\r\n", timeout=5)
        except (TransportError, OSError):
            pass  # the clip restarts logging at its next power-on anyway

    def close(self):
        try:
            self.transport.close()
        except OSError:
            pass


def sync_clip(con, port, progress=None, out=print):
    """Sync the clip on `port` into `con`; a dict of what happened."""
    project.use_firmware()
    clip = Clip(port)
    try:
        ident = clip.json("identity()")
        _check_history(con, clip, ident)
        now_iso = datetime.now().isoformat(timespec="seconds")
        host_epoch = local_epoch()
        with con:
            era, restarted = db.clip_era(con, ident["id"], ident["last_seq"], ident["board"], ident["firmware"],
                                         now_iso)
        if restarted:
            out(f"clip {ident['id']}: its log restarted (reflashed?); new records are kept as era {era}")
        clock_was = ident["clock"]
        clock_now = clip.json(f"set_clock({host_epoch})")["clock"]
        after = db.last_seq(con, ident["id"], era)
        new_blocks = 0
        total = max(ident["last_seq"] - after, 0)
        bar = progress(total) if progress and total else None
        while True:
            blocks = clip.blocks(after, CHUNK_BYTES)
            if not blocks:
                break
            with con:
                new_blocks += db.store_blocks(con, ident["id"], era, blocks, now_iso)
            after = blocks[-1].seq
            if bar:
                bar.update(len(blocks))
        if bar:
            bar.close()
        on_defaults = db.sessions_on_defaults(con, ident["id"], era, now_iso)
        if on_defaults:
            out(f"clip {ident['id']}: its settings file was damaged (cut short or not JSON); session"
                f"{'s' if len(on_defaults) > 1 else ''} {', '.join(map(str, on_defaults))} ran on the defaults")
        if clock_was < 0:
            _place_current_session(con, ident, era, host_epoch)
        goal.decide(con, ident["id"])  # an automatic goal moves with the days just synced
        pushed = _push_settings(con, clip, ident["id"])
        if after > ident["acked"]:
            clip.json(f"ack({after})")
        clip.restart_logging()
    finally:
        clip.close()
    return {"clip": ident["id"], "clock": clock_now, "blocks": new_blocks, "sessions_on_defaults": on_defaults,
            "last_seq": after, "settings": pushed, "clock_was_set": clock_was >= 0,
            "clock_kept": abs(clock_now - host_epoch) > 5, "dropped": db.dropped(con, ident["id"], era)}


def _check_history(con, clip, ident):
    """Refuse, before anything is written, a clip whose ID the database knows but whose log says otherwise:
    the last blocks synced from that ID (up to CHECK_BLOCKS), still on the clip, hold other minutes or counts
    (another clip answering to the same ID, e.g. boards whose flash gives no unique ID)."""
    era = db.current_era(con, ident["id"])
    if era is None:
        return
    seq = db.last_seq(con, ident["id"], era)
    if not seq or ident["last_seq"] < seq:
        return  # nothing synced yet, or a log that restarted (a new era)
    for block in clip.blocks(max(seq - CHECK_BLOCKS, 0), CHECK_BYTES):
        stored = db.block_raw(con, ident["id"], era, block.seq) if block.seq <= seq else None
        if stored is not None and stored != bytes(block.raw):
            raise SyncError(f"clip {ident['id']}: its log block {block.seq} is not the one synced from this ID "
                            "before (other minutes or counts): another clip with the same ID? nothing was stored")


def _place_current_session(con, ident, era, host_epoch):
    """The session the sync interrupted ran without a clock: it ended now, so it started its length ago."""
    end = db.session_end_minute(con, ident["id"], era, ident["session"])
    if end is not None:
        minute, secs = end
        with con:
            db.place_session(con, ident["id"], era, ident["session"], host_epoch - (minute * 60 + secs),
                             "sync estimate")


def _push_settings(con, clip, clip_id):
    """Write the settings the user asked for that differ from the clip's; their names."""
    wanted = db.desired_settings(con, clip_id)
    held = clip.json("get_settings()")
    changes = {k: v for k, v in wanted.items() if held.get(k) != v}
    if changes:
        clip.json(f"set_settings({json.dumps(changes)})")
        held.update(changes)
    db.keep_held_settings(con, clip_id, held, datetime.now().isoformat(timespec="seconds"))
    return sorted(changes)


# USB vendor ids of the boards and USB-serial bridges the supported boards carry
_USB_VIDS = {0x2E8A: "Raspberry Pi", 0x303A: "Espressif", 0x10C4: "Silicon Labs CP210x", 0x1A86: "WCH CH340",
             0x0403: "FTDI", 0x2341: "Arduino"}


def find_ports():
    """Serial ports that look like a clip's USB connection."""
    from serial.tools import list_ports

    return sorted(p.device for p in list_ports.comports() if p.vid in _USB_VIDS)


def choose_ports(ports, every):
    """The ports to sync: the ones named, else the one found on USB (or each, with --all)."""
    if ports:
        return ports
    found = find_ports()
    if not found:
        raise SyncError("no clip found on USB: plug one in, or name its port with --port")
    if len(found) > 1 and not every:
        raise SyncError(f"{len(found)} clips found ({', '.join(found)}): name one with --port, or sync all with --all")
    return found
