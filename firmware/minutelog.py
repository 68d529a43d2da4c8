# Minute summaries appended to flash, 8 bytes each.
#
# Record: minute since boot (u32), steps (u16), posture (u8, the state held
# longest in that minute), nudges (u8); little-endian.

import struct

NAME = "minutes.log"
_FMT = "<IHBB"
SIZE = struct.calcsize(_FMT)


def encode(minute, steps, posture, nudges):
    return struct.pack(_FMT, minute, min(steps, 0xFFFF), posture, min(nudges, 0xFF))


def decode(data):
    """The whole records in `data`, as (minute, steps, posture, nudges) tuples."""
    out = []
    for i in range(0, len(data) - SIZE + 1, SIZE):
        out.append(struct.unpack_from(_FMT, data, i))
    return out


class MinuteLog:
    def __init__(self, storage):
        self._storage = storage

    def append(self, minute, steps, posture, nudges):
        self._storage.append(NAME, encode(minute, steps, posture, nudges))

    def records(self):
        data = self._storage.read(NAME)
        return decode(data) if data else []
