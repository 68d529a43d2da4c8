# Runs the real firmware on simulated hardware until the trace ends.
#
# The same file runs inside the unix-port MicroPython (as a script, with the
# path of a JSON job as its argument) and in CPython (the host calls run()).
# The job names the firmware folder, the sample stream prepared by the host,
# the virtual flash folder, the board description and the settings.

import json
import sys


class Recorder:
    """What the firmware reports through its optional events hook."""

    def __init__(self, clock):
        self._clock = clock
        self.posture_changes = []
        self.nudges = []

    def posture(self, t, name):
        self.posture_changes.append([t, name])

    def nudge(self, t):
        self.nudges.append(self._clock.ticks_ms() / 1000)


def run(job):
    if job["firmware"] not in sys.path:
        sys.path.insert(0, job["firmware"])
    import settings
    from board import normalise
    from clip import Clip
    from imu import open_imu
    from minutelog import MinuteLog
    from posture import NAMES
    from storage import Storage

    from mpu6050_model import MPU6050Model
    from vclock import VirtualClock
    from vi2c import VirtualI2C
    from vmotor import VirtualMotor

    board = normalise(job["board"])
    clock = VirtualClock(job.get("start_minute", -1))
    bus = VirtualI2C()
    chip = MPU6050Model(clock, job["stream"], job["stream_rate_hz"])
    bus.attach(board["imu_addr"], chip)
    storage = Storage(job["flash"])
    s = settings.load(storage)
    for k in job["settings"]:
        s[k] = settings.check(k, job["settings"][k])
    settings.save(storage, s)
    imu = open_imu(board["imu"], bus, board["imu_addr"], s["rate_hz"], s["accel_range_g"])
    motor = VirtualMotor(clock)
    events = Recorder(clock)
    clip = Clip(imu, clock, motor, storage, s, events=events)
    clip.run(until=chip.finished)
    chip.close()
    minutes = []
    for minute, steps, posture, nudges in MinuteLog(storage).records():
        minutes.append({"t": minute * 60, "steps": steps, "posture": NAMES[posture], "nudges": nudges})
    return {
        "steps": clip.steps.total,
        "samples": clip.samples,
        "rate_hz": imu.rate_hz,
        "minutes": minutes,
        "posture_changes": events.posture_changes,
        "nudges": events.nudges,
        "motor": motor.pulses,
        "errors": {"i2c": clip.i2c_errors, "flash": clip.flash_errors, "fifo_overflows": imu.overflows},
    }


def main():
    with open(sys.argv[1]) as f:
        job = json.load(f)
    print(json.dumps(run(job)))


if __name__ == "__main__":
    main()
