# The clip's side of `stepclip sync` and `stepclip config`: small functions
# the host calls over the raw REPL while the loop is stopped.
#
# Each prints one answer: a JSON line, or for `blocks` one base64 line per
# log block (the raw bytes, CRC included, so the host checks them itself).
# Mistakes raise ValueError with a message the host shows as it is.

import json
from binascii import b2a_base64

import board
import hardware
import settings
from minutelog import MinuteLog
from storage import Storage
from version import VERSION

_storage = Storage()


def _log():
    return MinuteLog(_storage, settings.load(_storage))


def identity():
    """Who this clip is and where its log stands."""
    try:
        board_name = board.load(_storage)["name"]
    except ValueError:
        board_name = None
    log = _log()
    print(json.dumps({
        "id": hardware.clip_id(),
        "firmware": VERSION,
        "board": board_name,
        "session": log.session,
        "last_seq": log.next_seq - 1,
        "acked": log.acked,
        "clock": hardware.epoch(),
    }))


def blocks(after, max_bytes):
    """Log blocks above seq `after`, as base64 lines, up to about `max_bytes` of blocks."""
    sent = 0
    for _, raw in _log().raw_after(after):
        print(b2a_base64(raw).decode(), end="")
        sent += len(raw)
        if sent >= max_bytes:
            break


def ack(seq):
    """The host has stored every block up to `seq`: they may be freed when space runs low."""
    _log().ack(seq)
    print(json.dumps({"acked": seq}))


def get_settings():
    print(json.dumps(settings.load(_storage)))


def set_settings(changes):
    """Check every value in `changes` (a dict) first, then save them all at once."""
    s = settings.load(_storage)
    checked = {}
    for name in changes:
        checked[name] = settings.check(name, changes[name])
    for name in checked:
        s[name] = checked[name]
    settings.save(_storage, s)
    print(json.dumps(sorted(checked)))


def set_clock(epoch):
    """Set the wall clock: local time, seconds since 1970."""
    hardware.set_clock(epoch)
    print(json.dumps({"clock": hardware.epoch()}))
