# Faults injected between the firmware and the simulated hardware.
#
# A job's optional "faults" entry (all keys optional; times in seconds of
# virtual time):
#   seed            for the fault RNG (an xorshift of our own, so that both
#                   interpreters draw the same faults)
#   oserror_per_k   chance per bus read, per thousand, of OSError (NACK);
#                   the transfer breaks off at a byte drawn at random, so a
#                   FIFO burst may have taken some bytes from the chip before
#                   it failed, as a timeout or a glitch mid-transfer does;
#                   writes are spared: an init broken off between waking the
#                   chip and setting its rate would run the model at a rate
#                   the stream cannot feed (a real chip is simply reset by
#                   the next init)
#   stuck           [[start, seconds], ...]: every transaction raises meanwhile
#   chip_reset      [t, ...]: the chip resets itself (registers to defaults)
#   garbage         [t, ...]: the next burst read after t returns random bytes
#   late            [[t, ms], ...]: the loop is held up for ms before a
#                   transaction (the FIFO overflows when ms is long enough)
#   flash_full      [start, end]: every flash write raises OSError(ENOSPC)
#   line_high       [[start, seconds], ...]: the IMU's INT line reads high
#                   meanwhile, whatever the chip drives (shorted to its
#                   supply): on a board whose imu_int wakes the MCU
#   hang            [t, ...]: the loop hangs in a bus transaction; after
#                   watchdog_ms (default 8000) the watchdog restarts the MCU
#                   (WatchdogReset; run_clip.py boots the firmware again)
# Each injected fault is counted in `counts`; injection starts once the rig
# is built (arm()), so that the board always boots.

_EIO = 5
_ENOSPC = 28


class WatchdogReset(BaseException):
    """The MCU restarts: nothing the firmware does on the way out reaches the flash."""


class FaultRNG:
    def __init__(self, seed):
        self.x = (seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def below(self, n):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x % n


class Faults:
    def __init__(self, spec, clock):
        self.clock = clock
        self.rng = FaultRNG(spec.get("seed", 1))
        self.cut_rng = FaultRNG(spec.get("seed", 1) + 7919)  # where a failing transfer breaks off
        self.oserror_per_k = spec.get("oserror_per_k", 0)
        self.stuck = [(int(a * 1000), int((a + d) * 1000)) for a, d in spec.get("stuck", [])]
        self.chip_reset = [int(t * 1000) for t in spec.get("chip_reset", [])]
        self.garbage = [int(t * 1000) for t in spec.get("garbage", [])]
        self.late = [(int(t * 1000), ms) for t, ms in spec.get("late", [])]
        full = spec.get("flash_full")
        self.flash_full = (int(full[0] * 1000), int(full[1] * 1000)) if full else None
        self.hang = [int(t * 1000) for t in spec.get("hang", [])]
        self.line_high = [(int(a * 1000), int((a + d) * 1000)) for a, d in spec.get("line_high", [])]
        self.watchdog_ms = spec.get("watchdog_ms", 8000)
        self.counts = {"oserror": 0, "stuck": 0, "chip_reset": 0, "garbage": 0, "late": 0, "flash_full": 0,
                       "hang": 0, "line_high": 0}
        self.armed = False
        self.resetting = False
        self.writes_cut = 0

    def arm(self):
        self.armed = True

    def _due(self, times):
        """True (once) when the first of `times` has come."""
        if times and self.clock.ticks_ms() >= times[0]:
            times.pop(0)
            return True
        return False

    def before_transaction(self, chip, nbytes):
        """Faults due before a transfer of `nbytes` read (0: a write): raises, or returns how many bytes a
        read that fails moves before it breaks off (-1: it does not fail)."""
        if not self.armed:
            return -1
        now = self.clock.ticks_ms()
        while self.late and now >= self.late[0][0]:
            self.clock.sleep_ms(self.late.pop(0)[1])
            self.counts["late"] += 1
        if self._due(self.hang):
            self.clock.sleep_ms(self.watchdog_ms)
            self.counts["hang"] += 1
            self.resetting = True
            raise WatchdogReset()
        if self._due(self.chip_reset):
            chip._reset()
            self.counts["chip_reset"] += 1
        for a, b in self.stuck:
            if a <= now < b:
                self.counts["stuck"] += 1
                raise OSError(_EIO)
        if nbytes and self.oserror_per_k and self.rng.below(1000) < self.oserror_per_k:
            self.counts["oserror"] += 1
            return self.cut_rng.below(nbytes)
        return -1

    def after_read(self, buf):
        if self.armed and len(buf) > 2 and self._due(self.garbage):
            i = 0
            while i < len(buf):
                buf[i] = self.rng.below(256)
                i += 1
            self.counts["garbage"] += 1

    def rebooted(self):
        self.resetting = False

    def before_flash_write(self):
        if self.resetting:
            self.writes_cut += 1
            raise OSError(_EIO)  # the MCU is going down: the write never happens, nor is it counted
        if self.armed and self.flash_full:
            now = self.clock.ticks_ms()
            if self.flash_full[0] <= now < self.flash_full[1]:
                self.counts["flash_full"] += 1
                raise OSError(_ENOSPC)


class HeldLine:
    """The IMU's INT pin as the MCU sees it (what VirtualClock.watch looks at), held high during each
    `line_high` window; each window met is counted once."""

    def __init__(self, chip, faults):
        self.chip = chip
        self.faults = faults
        self._met = []

    def _held(self):
        t = self.faults.clock.ticks_ms()
        for w in self.faults.line_high:
            if w[0] <= t < w[1]:
                if w not in self._met:
                    self._met.append(w)
                    self.faults.counts["line_high"] += 1
                return True
        return False

    def int_armed(self):
        return self._held() or self.chip.int_armed()

    def int_pin(self):
        return self._held() or self.chip.int_pin()


class FaultyChip:
    """Stands on the bus in place of a chip model, passing faults in between."""

    def __init__(self, chip, faults):
        self.chip = chip
        self.faults = faults

    def read(self, reg, buf):
        cut = self.faults.before_transaction(self.chip, len(buf))
        if cut >= 0:
            if cut:
                self.chip.read(reg, memoryview(buf)[:cut])  # what the chip sent before the transfer broke off
            raise OSError(_EIO)
        self.chip.read(reg, buf)
        self.faults.after_read(buf)

    def write(self, reg, buf):
        self.faults.before_transaction(self.chip, 0)
        self.chip.write(reg, buf)


def faulty_storage(storage, faults):
    """`storage` with its writes going through the flash faults."""
    append, write, write_atomic = storage.append, storage.write, storage.write_atomic

    def faulty_append(name, data):
        faults.before_flash_write()
        append(name, data)

    def faulty_write(name, data):
        faults.before_flash_write()
        write(name, data)

    def faulty_write_atomic(name, data):
        faults.before_flash_write()
        write_atomic(name, data)

    storage.append = faulty_append
    storage.write = faulty_write
    storage.write_atomic = faulty_write_atomic
    return storage
