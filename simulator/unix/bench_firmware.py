# Per-sample cost and allocation of the firmware pipeline (FIFO decode and
# Clip.process), measured inside one interpreter run: the unix port, or a
# board (the emulated Pico runs this very file).
#
# After the driver has set the chip up on the register model, the bus is
# swapped for one that hands out prepared FIFO bursts without copying in
# Python, so that the figures are the firmware's own, not the simulator's.
# The time is measured twice: on the fresh heap, and on a heap fragmented as
# a clip's is after days of running; an allocation per sample would make the
# second slower (the allocator searches the holes).
# Allocation is counted gross, every byte ever allocated
# (micropython.mem_total): a function's frame that is allocated on the heap
# and freed on return is invisible to gc.mem_alloc(), and heap_lock() makes
# the interpreter put it on the C stack instead.
# Usage: micropython bench_firmware.py JOB.json  (job as for run_clip.py)

import gc
from time import ticks_diff, ticks_us

import micropython


class BurstBus:
    """Answers FIFO_COUNT with a full burst and FIFO_R_W with the next prepared one."""

    def __init__(self, data, burst_bytes):
        mv = memoryview(data)
        self._bursts = [mv[i:i + burst_bytes] for i in range(0, len(data) - burst_bytes + 1, burst_bytes)]
        self._count = bytearray((burst_bytes >> 8, burst_bytes & 0xFF))
        self._zero = bytearray(2)
        self.i = 0

    def left(self):
        return self.i < len(self._bursts)

    def readfrom_mem_into(self, addr, reg, buf):
        if reg == 0x72:  # FIFO_COUNTH
            buf[:] = self._count if self.i < len(self._bursts) else self._zero
        else:  # FIFO_R_W
            buf[:] = self._bursts[self.i]
            self.i += 1


def fifo_bytes(stream_path, afs_sel, n):
    """The first n accelerometer frames of a stream as big-endian FIFO bytes."""
    from array import array

    from stream_sensor import counts

    frames = array("i", bytes(24 * n))
    with open(stream_path, "rb") as f:
        f.readinto(frames)
    out = bytearray(6 * n)
    for i in range(n):
        for a in range(3):
            c = counts(frames[6 * i + a], afs_sel) & 0xFFFF
            out[6 * i + 2 * a] = c >> 8
            out[6 * i + 2 * a + 1] = c & 0xFF
    return out


_PARTS = 12
_CALLS_PER_SAMPLE = 20


def empty():
    pass


def call_loop(n):
    i = 0
    while i < n:
        empty()
        i += 1


def pipeline(imu, clip, bus):
    buf = clip.buf
    n = 0
    while bus.left():
        k = imu.read(buf)
        clip.process(k)
        n += k
    return n


def timed(imu, clip, data, burst):
    """(call_equivalents, us_per_sample, call_us) of the pipeline over `data`."""
    part = len(data) // _PARTS // burst * burst
    parts = []
    for k in range(_PARTS):
        # a short run of the pipeline, then of empty calls for about as long, back to back:
        # what else the machine does slows both alike, so their ratio holds; the part with
        # the median ratio is reported
        fast = BurstBus(memoryview(data)[k * part:(k + 1) * part], burst)
        imu.i2c = fast
        gc.collect()
        t0 = ticks_us()
        n = pipeline(imu, clip, fast)
        t1 = ticks_us()
        call_loop(n * _CALLS_PER_SAMPLE)
        t2 = ticks_us()
        us = ticks_diff(t1, t0) / n
        call = ticks_diff(t2, t1) / (n * _CALLS_PER_SAMPLE)
        parts.append((us / call, us, call))
    parts.sort()
    return parts[_PARTS // 2]


def gross_alloc(imu, clip, data, burst, marker=None):
    """Bytes allocated per sample over one pass, freed or not; None where the build keeps no
    total (a board's: there a harness counts the allocator's calls while `marker` is up)."""
    total = getattr(micropython, "mem_total", None)
    fast = BurstBus(data, burst)
    imu.i2c = fast
    gc.collect()
    if marker:
        marker.value(1)
    a0 = total() if total else 0
    n = pipeline(imu, clip, fast)
    a1 = total() if total else 0
    if marker:
        marker.value(0)
    return (a1 - a0) / n if total else None


def fragment_heap():
    """Half the free heap in small blocks of mixed sizes (16 to 80 bytes), every other one freed
    again: the holes among live objects that days of settings saves, log blocks and syncs leave,
    each too small for a function's frame, which the allocator would search past. The live half
    is returned, to be kept while the pipeline runs."""
    gc.collect()
    live = []
    size = 16
    left = gc.mem_free() // 2
    while left > size:
        live.append(bytearray(size))
        left -= size + 16  # the block and the list's slot, roughly
        size = 16 + (size * 7 + 13) % 65
    i = 0
    while i < len(live):
        live[i] = None
        i += 2
    gc.collect()
    return live


def run(job, samples=24000):
    from rig import Rig

    rig = Rig(job)
    from clip import Clip
    from vmotor import VirtualMotor

    imu = rig.imu
    data = fifo_bytes(job["stream"], (2, 4, 8, 16).index(rig.settings["accel_range_g"]), samples)
    return measure(imu, lambda: Clip(imu, rig.clock, VirtualMotor(rig.clock), rig.storage, rig.settings), data)


def measure(imu, new_clip, data, marker=None):
    """Figures for FIFO bytes `data` run through `imu`'s decode and a clip `new_clip()` builds, on a
    fresh heap and on a fragmented one; on a board too (simulator/pico).

    Each measurement has a clip of its own, all starting alike: the heap is all that differs.
    `marker`: a pin raised around the allocation pass, for a harness that counts the allocator's calls.
    """
    burst = 6 * imu.max_batch
    ratio, us, call = timed(imu, new_clip(), data, burst)
    alloc = gross_alloc(imu, new_clip(), data, burst, marker)
    live = fragment_heap()
    ratio_f, us_f, call_f = timed(imu, new_clip(), data, burst)
    del live
    return {"call_equivalents": ratio, "alloc_bytes_per_sample": alloc, "us_per_sample": us, "call_us": call,
            "call_equivalents_fragmented": ratio_f, "us_per_sample_fragmented": us_f, "call_us_fragmented": call_f,
            "samples": len(data) // 6}


if __name__ == "__main__":
    from rig import serve

    serve(run)
