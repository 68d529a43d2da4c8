# Per-sample cost and allocation of the firmware pipeline (FIFO decode and
# Clip.process), measured inside one interpreter run.
#
# After the driver has set the chip up on the register model, the bus is
# swapped for one that hands out prepared FIFO bursts without copying in
# Python, so that the figures are the firmware's own, not the simulator's.
# Usage: micropython bench_firmware.py JOB.json  (job as for run_clip.py)

import gc
from time import ticks_diff, ticks_us


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


def run(job, samples=24000):
    from rig import Rig

    rig = Rig(job)
    from clip import Clip
    from vmotor import VirtualMotor

    imu = rig.imu
    data = fifo_bytes(job["stream"], (2, 4, 8, 16).index(rig.settings["accel_range_g"]), samples)
    clip = Clip(imu, rig.clock, VirtualMotor(rig.clock), rig.storage, rig.settings)
    return measure(imu, clip, data)


def measure(imu, clip, data, marker=None):
    """Figures for FIFO bytes `data` run through `imu`'s decode and `clip`; on a board too (simulator/pico).

    `marker`: a pin raised around the allocation pass, for a harness that counts the allocator's calls.
    """
    burst = 6 * imu.max_batch
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
    ratio, us, call = parts[_PARTS // 2]
    # one more pass for allocation alone, with the collector held off
    fast = BurstBus(data, burst)
    imu.i2c = fast
    gc.collect()
    gc.disable()
    if marker:
        marker.value(1)
    a0 = gc.mem_alloc()
    n = pipeline(imu, clip, fast)
    alloc = (gc.mem_alloc() - a0) / n
    if marker:
        marker.value(0)
    gc.enable()
    return {"call_equivalents": ratio, "alloc_bytes_per_sample": alloc, "us_per_sample": us, "call_us": call,
            "samples": n}


if __name__ == "__main__":
    from rig import serve

    serve(run)
