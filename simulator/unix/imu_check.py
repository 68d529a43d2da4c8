# One driver against its chip's register model, through the scenarios the
# tests check: configuration, FIFO order and values, overflow, a chip that
# stops answering, a wrong chip, and allocation while reading. Runs in
# CPython and in the unix-port MicroPython alike, and answers in plain
# data; the tests compare the answers with what the datasheet promises.

from array import array

from clip import Clip
from imu import open_imu, output_rate
from imu_models import model_class
from storage import Storage
from vclock import VirtualClock
from vi2c import VirtualI2C
from vmotor import VirtualMotor

OVERFLOW_MS = 30000  # longer than any modelled FIFO holds at these rates


def _drain(imu, buf, into):
    n = imu.max_batch
    while n == imu.max_batch:
        n = imu.read(buf)
        i = 0
        while i < n:
            into.append([buf[3 * i], buf[3 * i + 1], buf[3 * i + 2]])
            i += 1
    return into


def _rig(chip, addr, stream, rate_hz):
    clock = VirtualClock()
    bus = VirtualI2C()
    model = model_class(chip)(clock, stream, output_rate(chip, rate_hz))
    bus.attach(addr, model)
    return clock, bus, model


def back_to_full_rate(clock, imu, chip):
    """A resting driver's full_rate(), then a second: (the chip's mode, its INT pin, the samples read, its
    ledger in seconds)."""
    imu.full_rate()
    mode, pin = chip.mode(), chip.int_pin()
    clock.sleep_ms(1000)
    n = imu.read([0] * 96)
    return mode, pin, n, chip.ledger_s()


def fifo(chip, addr, stream, rate_hz=50, range_g=4):
    """Configuration, ten drains of 330 ms, then an overflow and what follows it."""
    clock, bus, model = _rig(chip, addr, stream, rate_hz)
    imu = open_imu(chip, bus, addr, rate_hz, range_g)
    buf = array("h", bytes(6 * imu.max_batch))
    got = []
    for _ in range(10):
        clock.sleep_ms(330)
        _drain(imu, buf, got)
    clock.sleep_ms(OVERFLOW_MS)
    lost = _drain(imu, buf, [])
    overflows = imu.overflows
    clock.sleep_ms(200)
    after = _drain(imu, buf, [])
    model.close()
    return {"rate_hz": imu.rate_hz, "model_rate_hz": model.output_rate(), "lsb_per_g": imu.lsb_per_g,
            "samples": got, "read_after_overflow": lost, "overflows": overflows, "after_overflow": after}


class _BreakBurst:
    """A bus on which the first burst of `size` bytes or more breaks off after `cut` bytes."""

    def __init__(self, bus, size, cut):
        self.bus = bus
        self.size = size
        self.cut = cut
        self.broken = False

    def readfrom_mem_into(self, addr, reg, buf):
        if not self.broken and len(buf) >= self.size:
            self.broken = True
            if self.cut:
                self.bus.readfrom_mem_into(addr, reg, memoryview(buf)[:self.cut])
            raise OSError(5)
        self.bus.readfrom_mem_into(addr, reg, buf)

    def writeto_mem(self, addr, reg, buf):
        self.bus.writeto_mem(addr, reg, buf)


def broken_burst(chip, addr, stream, cut, rate_hz=50, range_g=4):
    """A FIFO burst that breaks off after `cut` bytes, then recovery and what the FIFO gives after it."""
    clock, bus, model = _rig(chip, addr, stream, rate_hz)
    imu = open_imu(chip, bus, addr, rate_hz, range_g)
    buf = array("h", bytes(6 * imu.max_batch))
    clock.sleep_ms(330)
    before = _drain(imu, buf, [])
    imu.i2c = _BreakBurst(bus, 2 * imu.FRAME, cut)
    clock.sleep_ms(330)
    failed = False
    try:
        _drain(imu, buf, [])
    except OSError:
        failed = True
    reinit = imu.recover()
    clock.sleep_ms(200)
    after = _drain(imu, buf, [])
    model.close()
    return {"failed": failed, "reinit": reinit, "before": before, "after": after, "resyncs": imu.resyncs,
            "overflows": imu.overflows}


def stops_answering(chip, addr, stream, flash, rate_hz=50, range_g=4):
    """The clip's loop with a chip that NACKs for three passes, then comes back reset."""
    clock, bus, model = _rig(chip, addr, stream, rate_hz)
    imu = open_imu(chip, bus, addr, rate_hz, range_g)
    import settings

    clip = Clip(imu, clock, VirtualMotor(clock), Storage(flash), settings.defaults())
    clock.sleep_ms(1000)
    clip.step()
    first = clip.samples
    bus.detach(addr)
    for _ in range(3):
        clock.sleep_ms(200)
        clip.step()
    errors = clip.i2c_errors
    bus.attach(addr, model)
    model._reset()  # back from a brown-out with power-on register values
    clock.sleep_ms(200)
    clip.step()  # initialises the chip again
    clock.sleep_ms(1000)
    clip.step()
    model.close()
    return {"rate_hz": imu.rate_hz, "first": first, "errors": errors, "errors_after": clip.i2c_errors,
            "samples": clip.samples}


def wrong_chip(chip, addr, stream, other):
    """The error from opening `chip` where an `other` answers."""
    clock, bus, model = _rig(other, addr, stream, 50)
    try:
        open_imu(chip, bus, addr, 50, 4)
    except OSError as e:
        return str(e)
    finally:
        model.close()
    return ""


def read_allocates(chip, addr, stream, rate_hz=50, range_g=4):
    """MemoryErrors from imu.read with the heap locked (MicroPython only), over 6 s of batches."""
    import micropython

    clock, bus, model = _rig(chip, addr, stream, rate_hz)
    imu = open_imu(chip, bus, addr, rate_hz, range_g)
    buf = array("h", bytes(6 * imu.max_batch))
    failures = 0
    total = 0
    rounds = 0
    while rounds < 30:
        clock.sleep_ms(200)
        model.finished()  # the model samples outside the lock: only the driver is measured
        micropython.heap_lock()
        try:
            n = imu.read(buf)
            while n == imu.max_batch:
                total += n
                n = imu.read(buf)
            total += n
        except MemoryError:
            failures += 1
        micropython.heap_unlock()
        rounds += 1
    model.close()
    return {"failures": failures, "samples": total}
