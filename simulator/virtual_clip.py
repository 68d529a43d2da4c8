"""The virtual clip: the firmware on the unix-port MicroPython, reachable as a board is.

The interpreter runs on a pty (so Ctrl-C is a real SIGINT and the REPL
behaves as on a terminal), in the flash folder, with simulator/vclip first
on its path. This supervisor bridges that pty to a loopback TCP port
(`mpremote connect socket://127.0.0.1:PORT`) and to a second pty
(`mpremote connect /dev/pts/N`), one client at a time.

A soft reset ends a unix-port interpreter, so when it exits the supervisor
does what a board does: prints `MPY: soft reboot` and starts it again,
running main.py from the flash, or straight into the raw REPL when the
client was in raw mode (as `mpremote` is when it soft-resets). A hard
reset (`mpremote reset`, machine.reset()) always restarts into main.py.
"""

import errno
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import termios
import time
import tty
import zlib
from pathlib import Path

from simulator import project, replay
from simulator.unix import runtime as unix_port
from simulator import trace as tracemod

VCLIP = project.ROOT / "simulator" / "vclip"
DEFAULT_TRACE = project.ROOT / "simulator" / "traces" / "sit_2min.csv"
SOFT_REBOOT = b"MPY: soft reboot\r\n"
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
_CTRL_A, _CTRL_B = 1, 2
_START_GRACE_S = 0.5  # input held back while a new interpreter sets up its Ctrl-C handler
_HEAP = "2M"


class VirtualClip:
    """`battery`: {mah, soc, ma}: a LiPo on the board's battery ADC, drained at `ma` over the virtual time
    (simulator/vclip/hardware.py ModelBattery); None: the ADC reads nothing."""

    def __init__(self, flash, trace=None, speed=1.0, board_name=project.DEFAULT_BOARD, port=0, clip_id=None,
                 start_epoch=-1, out=print, battery=None):
        self.flash = Path(flash).resolve()
        self.trace = trace if isinstance(trace, tracemod.Trace) else tracemod.load(trace or DEFAULT_TRACE)
        self.speed = speed
        self.board_name = board_name
        self.port = port
        self.clip_id = clip_id or "vclip-%08x" % zlib.crc32(str(self.flash).encode())
        self.out = out
        self.start_epoch = start_epoch
        self.battery = battery
        self.state = Path(tempfile.mkdtemp(prefix="stepclip-vclip-"))
        if start_epoch >= 0:  # as if a sync had set the clock just before the trace begins
            (self.state / "clock.json").write_text(json.dumps({"us": 0, "rtc": [start_epoch, 0]}))
        self._stream_rate = None
        self.child = None
        self._child_fd = None
        self._raw = False  # the client's last mode switch was into the raw REPL
        self._hold_until = 0.0
        self._held = b""
        self._filter = None  # while set: child output dropped until this marker
        self._skipped = b""
        self.client = None
        self.finished = False
        self._stopping = False

    # -- the flash and the trace ---------------------------------------------

    def install_firmware(self):
        """A fresh flash gets the firmware and board description, as after `stepclip deploy`."""
        self.flash.mkdir(parents=True, exist_ok=True)
        if (self.flash / "main.py").exists():
            return
        for src in project.FIRMWARE.rglob("*.py"):
            dest = self.flash / src.relative_to(project.FIRMWARE)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        board = json.loads((project.BOARDS / f"{self.board_name}.json").read_text())
        (self.flash / "board.json").write_text(json.dumps(board))

    def _prepare_stream(self):
        """The sample stream at the rate the clip's settings ask for (they may change at a sync)."""
        project.use_firmware()
        import board as fw_board
        import settings as fw_settings
        from storage import Storage

        storage = Storage(str(self.flash))
        desc = fw_board.load(storage)
        rate = replay.imu_rate(desc, fw_settings.load(storage))
        if rate != self._stream_rate:
            tracemod.write_stream(tracemod.resample(self.trace, rate), self.state / "stream.bin")
            self._stream_rate = rate
        return desc

    # -- the interpreter -----------------------------------------------------

    def _spawn(self, run_main):
        try:
            self._prepare_stream()
        except ValueError as e:  # no usable board.json: the REPL still answers, as on a board
            self.out(f"virtual clip: {e}")
            run_main = False
        job = {"state": str(self.state), "stream": str(self.state / "stream.bin"),
               "stream_rate_hz": self._stream_rate or 50, "speed": self.speed, "id": self.clip_id,
               "battery": self.battery}
        (self.state / "job.json").write_text(json.dumps(job))
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[1] &= ~termios.ONLCR  # the firmware's line ends go out as written
        attrs[3] &= ~(termios.ECHO | termios.ICANON)  # ISIG stays: Ctrl-C is SIGINT, as a board's interrupt
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        env = dict(os.environ, STEPCLIP_VCLIP=str(self.state / "job.json"), STEPCLIP_VCLIP_MAIN="1" if run_main else "0",
                   STEPCLIP_VCLIP_RESET=str(self.state / "hard_reset"))
        cmd = [unix_port.micropython_command(), "-X", f"heapsize={_HEAP}", "-i", str(VCLIP / "boot.py")]
        self.child = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, cwd=self.flash, env=env,
                                      start_new_session=True, preexec_fn=_take_terminal)
        os.close(slave)
        self._child_fd = master
        self._hold_until = time.monotonic() + _START_GRACE_S
        if not run_main:
            self._filter = RAW_BANNER
            os.write(master, bytes([_CTRL_A]))
        self._raw = not run_main

    def _reboot(self):
        """The interpreter ended: start it again, as a board reboots.

        A soft reset (Ctrl-D) keeps the REPL mode the host was in; a hard
        reset (machine.reset()) always boots into main.py.
        """
        os.close(self._child_fd)
        self.child.wait()
        marker = self.state / "hard_reset"
        if marker.exists():
            marker.unlink()
            self._spawn(run_main=True)
            return
        self._send(SOFT_REBOOT)
        self._spawn(run_main=not self._raw)

    # -- the bridge ----------------------------------------------------------

    def _send(self, data):
        if self.client is not None:
            try:
                self.client.sendall(data)
            except OSError:
                self._drop_client()
        try:
            os.write(self._pty_master, data)
        except OSError:
            pass  # nobody reads the pty: like a serial line with no one listening

    def _drop_client(self):
        self.client.close()
        self.client = None

    def _from_client(self, data):
        for b in data:
            if b == _CTRL_A:
                self._raw = True
            elif b == _CTRL_B:
                self._raw = False
        self._held += data
        self._flush_held()

    def _flush_held(self):
        if self._held and time.monotonic() >= self._hold_until and self._filter is None:
            try:
                os.write(self._child_fd, self._held)
            except OSError:
                return  # the interpreter is ending (a soft reset): the next one gets these bytes
            self._held = b""

    def _from_child(self, data):
        if self._filter is not None:
            self._skipped += data
            i = self._skipped.find(self._filter)
            if i < 0:
                return
            data = self._skipped[i:]
            self._skipped = b""
            self._filter = None
        self._send(data)

    def _check_finished(self):
        if not self.finished and (self.state / "status.json").exists():
            self.finished = True
            status = json.loads((self.state / "status.json").read_text())
            s = status["virtual_s"]
            self.out(f"trace finished after {s // 3600} h {s // 60 % 60:02d} min {s % 60:02d} s of virtual time")

    def serve(self):
        self.install_firmware()
        listener = socket.create_server(("127.0.0.1", self.port))
        self.port = listener.getsockname()[1]
        self._pty_master, pty_slave = os.openpty()
        tty.setraw(pty_slave)
        os.set_blocking(self._pty_master, False)
        self._spawn(run_main=True)
        self.out(f"virtual clip {self.clip_id} on socket://127.0.0.1:{self.port} and {os.ttyname(pty_slave)}, "
                 f"flash {self.flash}{self._battery_note()}{self._timeline()}")
        try:
            while not self._stopping:
                fds = [listener, self._child_fd, self._pty_master] + ([self.client] if self.client else [])
                ready, _, _ = select.select(fds, [], [], 0.1)
                if listener in ready:
                    if self.client is not None:
                        self._drop_client()  # a new connection replaces the old, as replugging a cable
                    self.client, _ = listener.accept()
                if self.client is not None and self.client in ready:
                    try:
                        data = self.client.recv(65536)
                    except OSError:  # the host vanished mid-transfer (reset): a pulled cable
                        data = b""
                    if data:
                        self._from_client(data)
                    else:
                        self._drop_client()
                if self._pty_master in ready:
                    try:
                        self._from_client(os.read(self._pty_master, 65536))
                    except OSError:
                        pass
                if self._child_fd in ready:
                    try:
                        data = os.read(self._child_fd, 65536)
                    except OSError as e:
                        if e.errno != errno.EIO:
                            raise
                        data = b""
                    if data:
                        self._from_child(data)
                    else:
                        self._reboot()
                self._flush_held()
                self._check_finished()
        finally:
            if self.child and self.child.poll() is None:
                self.child.send_signal(signal.SIGKILL)
                self.child.wait()
            shutil.rmtree(self.state, ignore_errors=True)
            listener.close()


    def _timeline(self):
        """Which day and time --start put the clock at, and whether syncs will keep it."""
        if self.start_epoch < 0:
            return ""
        at = time.strftime("%a %Y-%m-%d %H:%M", time.gmtime(self.start_epoch))
        kept = "; not at real time, so syncs keep this timeline" if self.speed != 1 else ""
        return f", clock at {at} when the trace starts{kept}"

    def _battery_note(self):
        if not self.battery:
            return ""
        return (f", battery a model: {self.battery['mah']} mAh from {100 * self.battery['soc']:.0f}% at "
                f"{self.battery['ma']} mA")

    def stop(self):
        """Ask serve() (in another thread) to power the clip off."""
        self._stopping = True


def _take_terminal():
    """In the child: make the pty its controlling terminal, so Ctrl-C raises SIGINT."""
    import fcntl

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def main(flash, trace=None, speed=1.0, board_name=project.DEFAULT_BOARD, port=0, start_epoch=-1, battery=None):
    clip = VirtualClip(flash, trace, speed, board_name, port, start_epoch=start_epoch,
                       out=lambda line: print(line, flush=True), battery=battery)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        clip.serve()
    except KeyboardInterrupt:
        pass
