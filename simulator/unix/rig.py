# The simulated board a job describes: clock, I2C bus with the IMU model,
# flash, settings and the firmware's own IMU driver on top. The IMU model
# is the one for the chip the board description names.
#
# A job (JSON, written by the host) names the firmware folder, the sample
# stream, the virtual flash folder, the board description and the settings;
# optionally the faults to inject (faults.py).

import json
import sys


class Rig:
    def __init__(self, job):
        if job["firmware"] not in sys.path:
            sys.path.insert(0, job["firmware"])
        import settings
        from board import normalise
        from storage import Storage

        from vclock import VirtualClock
        from vi2c import VirtualI2C

        self.board = normalise(job["board"])
        self.clock = VirtualClock(job.get("start_epoch", -1))
        self.bus = VirtualI2C()
        self.chip = make_chip(self.board, self.clock, job["stream"], job["stream_rate_hz"])
        self.storage = Storage(job["flash"])
        self.faults = None
        line = self.chip
        if job.get("faults"):
            from faults import Faults, FaultyChip, HeldLine, faulty_storage

            self.faults = Faults(job["faults"], self.clock)
            self.bus.attach(self.board["imu_addr"], FaultyChip(self.chip, self.faults))
            faulty_storage(self.storage, self.faults)
            line = HeldLine(self.chip, self.faults)
        else:
            self.bus.attach(self.board["imu_addr"], self.chip)
        if self.board.get("imu_int") and hasattr(self.chip, "int_armed"):
            self.clock.watch(line, job["stream_rate_hz"])  # the board wires INT to the MCU
        s = settings.load(self.storage)
        for k in job["settings"]:
            s[k] = settings.check(k, job["settings"][k])
        settings.save(self.storage, s)  # as the host leaves them on the clip
        self.settings = s
        self.reopen_imu()
        if self.faults:
            self.faults.arm()


    def reopen_imu(self):
        """The firmware's IMU driver, opened as at boot."""
        from imu import open_imu

        s = self.settings
        self.imu = open_imu(self.board["imu"], self.bus, self.board["imu_addr"], s["rate_hz"], s["accel_range_g"])


def make_chip(board, clock, stream, stream_rate_hz):
    """The register-level model of the board's IMU, fed from `stream`."""
    from imu_models import model_class

    return model_class(board["imu"])(clock, stream, stream_rate_hz)


def print_progress(done):
    """A progress report on stderr, read by the host (simulator/unix/runtime.py) while a long job runs."""
    sys.stderr.write("progress %d\n" % done)


def serve(run):
    """Script entry: run(job) on the job file named in argv, printing its answer as JSON."""
    with open(sys.argv[1]) as f:
        job = json.load(f)
    print(json.dumps(run(job)))
