"""The emulated Raspberry Pi Pico: the official MicroPython image on rp2040js, run by pico.mjs.

This module finds the image and the boot ROM, builds and reads the flash
file system (littlefs, as MicroPython's rp2 port lays it out), turns a
sample stream into the FIFO bytes of the board's IMU (an MPU-6050, a BMI160, a QMI8658 or an LSM6DSOX), and starts and talks to the
Node program. The clip on it is reached like a board: mpremote over the
loopback socket the Node program bridges to the chip's USB CDC.
"""

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import littlefs
import numpy as np

from simulator import project

HERE = Path(__file__).resolve().parent
SHARED = project.ROOT.parent / "shared" / "rp2040"
UF2_ENV = "STEPCLIP_PICO_UF2"
UF2_DEFAULT = SHARED / "RPI_PICO-v1.28.0.uf2"
BOOTROM = "rp2040-bootrom-B1.bin"
# RPI_PICO: the file system is the last 1408 KiB of the 2 MiB flash, in 4 KiB blocks.
FS_OFFSET = 0xA0000
FS_BLOCKS = 352
FS_BLOCK = 4096
MOTOR_PIN = 15  # boards/pico_mpu6050.json
MARKER_PIN = 22  # a free GPIO a bench raises around a measured window
END_PIN = 21  # a free GPIO the harness raises when the trace has been played and drained
_EXTRA_BITS = 4  # simulator/chips/stream_sensor.py: the stream is 16 times finer than the finest LSB


class PicoError(Exception):
    pass


def uf2_path():
    return Path(os.environ.get(UF2_ENV) or UF2_DEFAULT)


def files():
    """(uf2, boot ROM, ELF or None): the boot ROM and ELF are looked for beside the image, then in shared/."""
    uf2 = uf2_path()
    rom = next((p for p in (uf2.with_name(BOOTROM), SHARED / BOOTROM) if p.is_file()), SHARED / BOOTROM)
    elf = uf2.with_suffix(".elf")
    return uf2, rom, elf if elf.is_file() else None


def missing():
    """Why the emulated Pico cannot run here, or None."""
    uf2, rom, _ = files()
    for p in (uf2, rom):
        if not p.is_file():
            return f"no {p} (set {UF2_ENV} to a MicroPython image for the Raspberry Pi Pico)"
    if not shutil.which("node"):
        return "no node on PATH"
    if not (HERE / "node_modules" / "rp2040js").is_dir():
        return "rp2040js is not installed (run `make setup`)"
    return None


# -- the flash file system --------------------------------------------------

def unique_id(flash):
    """The 64-bit ID (16 hex digits) the flash chip of image `flash` answers to command 0x4B: drawn at
    random the first time and kept beside the image (NAME.uid), as a chip's is burnt in at the factory."""
    path = Path(flash).with_suffix(".uid")
    try:
        text = path.read_text().strip()
        bytes.fromhex(text)
        if len(text) == 16:
            return text
    except (OSError, ValueError):
        pass
    text = os.urandom(8).hex()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")
    return text



def _lfs(data=None):
    fs = littlefs.LittleFS(block_size=FS_BLOCK, block_count=FS_BLOCKS, mount=data is not None)
    if data is not None:
        fs.context.buffer[:] = data
        fs.mount()
    else:
        fs.format()
        fs.mount()
    return fs


def make_image(path, tree):
    """Write a flash image holding `tree` ({"name": bytes, "imu/x.mpy": bytes, ...})."""
    fs = _lfs()
    for name, data in sorted(tree.items()):
        parent = os.path.dirname(name)
        if parent:
            fs.makedirs(parent, exist_ok=True)
        with fs.open(name, "wb") as f:
            f.write(data)
    Path(path).write_bytes(bytes(fs.context.buffer))


def fill_image(path, name, leave_blocks):
    """Add file `name` to the flash image at `path`, as large as leaves `leave_blocks` blocks free."""
    fs = _lfs(Path(path).read_bytes())
    free = FS_BLOCKS - fs.used_block_count - leave_blocks
    with fs.open(name, "wb") as f:
        f.write(bytes(max(free, 0) * FS_BLOCK))
    Path(path).write_bytes(bytes(fs.context.buffer))


def extract_image(path, dest):
    """Copy every file of the flash image at `path` into folder `dest`."""
    data = Path(path).read_bytes()
    if len(data) != FS_BLOCKS * FS_BLOCK:
        raise PicoError(f"{path}: {len(data)} bytes, not a {FS_BLOCKS} x {FS_BLOCK} byte flash image")
    fs = _lfs(data)
    dest = Path(dest)
    for root, _dirs, names in fs.walk("/"):
        for name in names:
            src = f"{root.rstrip('/')}/{name}"
            out = dest / src.lstrip("/")
            out.parent.mkdir(parents=True, exist_ok=True)
            with fs.open(src, "rb") as f:
                out.write_bytes(f.read())


# -- the IMU's FIFO bytes ---------------------------------------------------

# The IMUs the emulated Pico carries (simulator/pico/*.mjs) and the byte order of their FIFO words.
CHIP_WORDS = {"mpu6050": ">i2", "bmi160": "<i2", "qmi8658": "<i2", "lsm6dsox": "<i2"}


def fifo_bytes(stream_path, afs_sel, chip):
    """The accelerometer frames of a sample stream as `chip`'s FIFO holds them: x, y, z counts at full-scale
    index `afs_sel` (0: 2 g), big-endian on the MPU-6050, little-endian on the others.

    The same rounding and saturation as stream_sensor.counts, for every frame at once.
    """
    frames = np.fromfile(stream_path, dtype="<i4").reshape(-1, 6)[:, :3].astype(np.int64)
    shift = afs_sel + _EXTRA_BITS
    c = np.clip((frames + (1 << (shift - 1))) >> shift, -32768, 32767)
    return c.astype(CHIP_WORDS[chip]).tobytes()


def emulated_board(board):
    """`board` (a description), refused by name (PicoError) unless its MCU is the RP2040 emulated here."""
    if board["mcu"] != "rp2040":
        raise PicoError(f"the emulated Pico is an RP2040; {board['name']} carries an {board['mcu']}")
    return board


def imu_stream(job, settings, path):
    """Write the FIFO bytes of a replay job's stream to `path`, for its board's IMU at the range `settings` set;
    the `imu` of a Pico."""
    chip = job["board"]["imu"]
    if chip not in CHIP_WORDS:
        raise PicoError(f"the emulated Pico carries an {' or a '.join(CHIP_WORDS)}, not the {chip} of "
                        f"{job['board']['name']}")
    afs = (2, 4, 8, 16).index(settings["accel_range_g"])
    Path(path).write_bytes(fifo_bytes(job["stream"], afs, chip))
    return {"fifo": str(path), "rate_hz": job["stream_rate_hz"], "afs_sel": afs, "chip": chip}


# -- the Node program -------------------------------------------------------

class Pico:
    """One emulated Pico: `start()`, reach it at socket://127.0.0.1:`port`, `stop()` (the flash is saved).

    `flash`: the file system image (created by MicroPython at first boot when absent).
    `imu`: {"fifo": path, "rate_hz", "afs_sel", "chip"} (imu_stream) for the board's IMU on its bus, or None.
    `speed`: emulated seconds per wall second, 0 for as fast as it goes; `idle_speed`: the same before the
    trace starts and after it has been played (None: `speed`).
    `deadline_s`: a bound on the whole run, for jobs that must end (a bench, a replay).
    `battery`: {mah, soc, ma: {run, wfi, lightsleep, dormant, rest, motor}} (simulator/currents.py
    chip_battery): the board's battery ADC pin reads a LiPo on the curve of simulator/chips/lipo.py that
    the ledger's worn seconds drain; `stats()['battery']` says its charge and voltage.
    `worn`: the USB is out while the trace plays and back in at its end; `stats()['ledger']` says where
    that time went (from `ledger_from_s` of the trace on).
    `cut`: {"op": N, "frac", "mode", "seed", "before"}: the power fails in the middle of the N-th flash
    operation from power-on (see cut()). `flash_events`: an event for each flash operation.
    `hold_at_end`: once the trace has been played the chip is held, no time passing, until the host sends
    something (a harness's sync then meets the same chip each run).
    """

    def __init__(self, flash, imu=None, port=0, speed=0, board_name=project.DEFAULT_BOARD, deadline_s=None,
                 worn=False, battery=None, ledger_from_s=0, idle_speed=None, cut=None, flash_events=False,
                 hold_at_end=False):
        why = missing()
        if why:
            raise PicoError(why)
        self.flash = Path(flash)
        self.board = emulated_board(project.board(board_name))
        if imu and imu["chip"] != self.board["imu"]:
            raise PicoError(f"a stream for an {imu['chip']}, but {board_name} carries an "
                            f"{self.board['imu']}")
        self.imu = imu
        self.want_port = port
        self.deadline_s = deadline_s  # wall seconds after which the chip is switched off, whatever it does
        self.speed = speed
        self.idle_speed = idle_speed
        self.worn = worn  # USB unplugged while the trace plays (simulator/pico/ledger.mjs)
        self.ledger_from_s = ledger_from_s  # worn, the ledger counts from this second of the trace
        self.battery = battery  # {mah, soc, ma: {run, wfi, lightsleep, dormant, rest, motor}}: a LiPo on VSYS
        self.cut_at_start = cut
        self.flash_events = flash_events  # a "flash" event for each operation (op, kind, addr, bytes, changed)
        self.hold_at_end = hold_at_end  # the trace played, the chip waits (no time passes) until the host talks
        self.port = None
        self.proc = None
        self.events = []
        self._cv = threading.Condition()
        self._work = Path(tempfile.mkdtemp(prefix="stepclip-pico-"))

    def config(self):
        uf2, rom, elf = files()
        imu = None
        if self.imu:
            b = self.board
            line = b.get("imu_int")
            imu = dict(self.imu, bus=b["i2c"]["id"], addr=b["imu_addr"], int_pin=line["pin"] if line else -1)
        return {
            "bootrom": str(rom), "uf2": str(uf2), "flash": str(self.flash), "fs_offset": FS_OFFSET,
            "fs_size": FS_BLOCKS * FS_BLOCK, "port": self.want_port, "imu": imu,
            "motor_pin": self.board["motor"]["pin"], "marker_pin": MARKER_PIN, "end_pin": END_PIN,
            "gc_alloc": symbol(elf, "gc_alloc") if elf else -1, "speed": self.speed, "idle_speed": self.idle_speed,
            "worn": self.worn, "ledger_from_s": self.ledger_from_s,
            "unique_id": unique_id(self.flash), "battery": self._battery(), "cut": self.cut_at_start,
            "flash_events": self.flash_events, "hold_at_end": self.hold_at_end,
        }

    def _battery(self):
        adc = self.board.get("battery_adc")
        if not self.battery or not adc or not 26 <= adc["pin"] <= 29:
            return None
        project.use_firmware()
        import lipo

        return dict(self.battery, pin=adc["pin"], divider=adc.get("divider", 1), curve_mv=list(lipo.CURVE_MV))

    def start(self, timeout=30):
        cfg = self._work / "pico.json"
        cfg.write_text(json.dumps(self.config()))
        self.proc = subprocess.Popen(["node", str(HERE / "pico.mjs"), str(cfg)], cwd=HERE, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(self._work / "node.err", "w"), text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if self.deadline_s:
            timer = threading.Timer(self.deadline_s, self.proc.kill)
            timer.daemon = True
            timer.start()
        ev = self.wait("listening", timeout)
        self.port = ev["port"]
        self.wait("boot", timeout)
        return self

    @property
    def url(self):
        return f"socket://127.0.0.1:{self.port}"

    def _read(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            with self._cv:
                self.events.append(ev)
                self._cv.notify_all()
        with self._cv:
            self.events.append({"ev": "exit"})
            self._cv.notify_all()

    def wait(self, kind, timeout=60, after=0, where=None):
        """The first event of `kind` at or after index `after` (matching `where`), waiting up to `timeout` s."""
        ev = self.next_event(kind, timeout, after, where)
        if ev is None:
            raise PicoError(f"emulated Pico: no '{kind}' within {timeout} s ({self.describe()})")
        return ev

    def next_event(self, kind, timeout, after=0, where=None):
        """As wait(), but None when `timeout` runs out (the chip's errors and exit still raise)."""
        end = time.monotonic() + timeout
        with self._cv:
            while True:
                for ev in self.events[after:]:
                    if ev["ev"] == kind and (where is None or where(ev)):
                        return ev
                    if ev["ev"] == "error":
                        raise PicoError(f"emulated Pico: {ev['msg']}")
                    if ev["ev"] == "exit" and kind != "exit":
                        raise PicoError(f"emulated Pico stopped: {self.stderr()[-300:]}")
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cv.wait(left)

    def describe(self, st=None):
        """What the chip is doing (from `st`, its stats, else asked for now): enough to tell a stall from a slow
        machine when a wait runs out."""
        if st is None:
            mark = len(self.events)
            self.command("stats")
            try:
                st = self.next_event("stats", 5, after=mark)
            except PicoError as e:
                return str(e)
            if st is None:
                return "no stats within 5 s either"
        last = [ev["ev"] + (f":{ev['state']}" if "state" in ev else "") for ev in self.events if ev["ev"] != "stats"]
        return (f"at {st['emulated_us'] / 1e6:.1f} s emulated after {st['wall_ms'] / 1000:.0f} s wall, boots "
                f"{st['boots']}, idle waits {st['idle_waits']}, lightsleeps {st['lightsleeps']}, dormant "
                f"{st['dormant']}, stream {st['stream']}, last events {last[-6:]}; node: "
                f"{self.stderr()[-300:].strip() or 'nothing on stderr'}")

    def stderr(self):
        p = self._work / "node.err"
        return p.read_text() if p.exists() else ""

    def command(self, cmd, reply=None, timeout=30, **args):
        mark = len(self.events)
        self.proc.stdin.write(json.dumps(dict(args, cmd=cmd)) + "\n")
        self.proc.stdin.flush()
        return self.wait(reply, timeout, after=mark) if reply else None

    def stats(self):
        return self.command("stats", "stats")

    def save(self):
        self.command("save", "saved")

    def cut(self, op, frac=0.5, mode="prefix", kind="any", seed=1, before=None):
        """Arm a power cut in the middle of the `op`-th flash operation from now (1: the next), counting only
        erases or programs if `kind` says so.

        NOR flash cut short (simulator/pico/flash.mjs PowerCut): mode "prefix" leaves the first `frac` of the
        operation's bytes done, "bits" each bit it would change changed with probability `frac` (seeded
        by `seed`). Then the chip is off (a "cut" event says which operation it was), its flash image saved
        to `flash` and, as it was just before the operation, to `before` if given, until power_on().
        """
        spec = {"op": op, "frac": frac, "mode": mode, "kind": kind, "seed": seed,
                "before": str(before) if before else None}
        return self.command("cut", "armed", **spec)["at"]

    def power_on(self, timeout=60):
        """Power the chip on again after a cut: a cold boot from the image file (as the cut left it); the boot event."""
        mark = len(self.events)
        self.command("power", "powered")
        return self.wait("boot", timeout, after=mark)

    def stop(self):
        """Stop the chip and write its flash image; the final stats."""
        if not self.proc:
            return None
        mark = len(self.events)
        try:
            self.command("quit")
            last = self.wait("stats", 60, after=mark)
        except (PicoError, BrokenPipeError, OSError):
            last = None
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        shutil.rmtree(self._work, ignore_errors=True)
        return last

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def symbol(elf, name):
    """The address of function `name` in an ELF file's symbol table (32-bit little-endian ARM)."""
    import struct

    data = Path(elf).read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 1:
        raise PicoError(f"{elf}: not a 32-bit ELF file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x2E)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, st_value = struct.unpack_from("<II", data, off)
            end = data.index(b"\0", strtab[4] + st_name)
            if data[strtab[4] + st_name:end].decode() == name:
                return st_value
    raise PicoError(f"{elf}: no symbol '{name}'")
