# Runs the real firmware on simulated hardware until the trace ends.
#
# The same file runs inside the unix-port MicroPython (as a script, with the
# path of a JSON job as its argument; see rig.py) and in CPython (the host
# calls run()).


class Recorder:
    """What the firmware reports through its optional events hook."""

    def __init__(self, clock):
        self._clock = clock
        self.posture_changes = []
        self.nudges = []
        self.goals = []

    def posture(self, t, name):
        self.posture_changes.append([t, name])

    def nudge(self, t):
        # the firmware decides at sample time t; the motor starts when its batch is processed
        self.nudges.append(self._clock.ticks_ms() / 1000)

    def goal(self, t):
        self.goals.append(self._clock.ticks_ms() / 1000)


PROGRESS_MS = 600000  # virtual time between progress reports


def run(job, progress=None):
    """Replay the job's stream through the firmware; `progress(seconds)` is told every 10 virtual minutes."""
    from rig import Rig

    rig = Rig(job)
    from clip import Clip
    from vmotor import VirtualMotor

    clock = rig.clock
    motor = VirtualMotor(clock)
    events = Recorder(clock)
    clip = Clip(rig.imu, clock, motor, rig.storage, rig.settings, events=events)
    clips = [clip]  # one per boot: a simulated hang has the watchdog restart the MCU (faults.py)
    finished = rig.chip.finished
    if progress is None and job.get("progress"):
        from rig import print_progress as progress
    if progress is not None:
        due = [PROGRESS_MS]

        def finished():
            now = clock.ticks_ms()
            if now >= due[0]:
                due[0] = now + PROGRESS_MS
                progress(now // 1000)
            return rig.chip.finished()

    while True:
        try:
            clip.run(until=finished)
            break
        except BaseException as e:
            if type(e).__name__ != "WatchdogReset":
                raise
            rig.faults.rebooted()
            rig.reopen_imu()
            clip = Clip(rig.imu, clock, motor, rig.storage, rig.settings, events=events, watchdog_restart=True)
            clips.append(clip)
    rig.chip.close()
    minutes, logged_s, watchdog_sessions, posture_s = read_log(rig.storage, rig.settings)
    cut = rig.faults.writes_cut if rig.faults else 0  # writes a restarting MCU never made, nor counted
    return {
        "steps": sum(c.steps.total for c in clips),
        "samples": sum(c.samples for c in clips),
        "clock_s": clock.ticks_ms() / 1000,
        "rate_hz": rig.imu.rate_hz,
        "minutes": minutes,
        "logged_s": logged_s,
        "posture_changes": events.posture_changes,
        "posture_s": posture_s,
        "rest_s": rest_seconds(clips),
        "nudges": events.nudges,
        "goal_reached": events.goals,
        "motor": motor.pulses,
        "errors": {"i2c": sum(c.i2c_errors for c in clips), "flash": sum(c.flash_errors for c in clips) - cut,
                   "fifo_overflows": sum(c.imu.overflows for c in clips), "imu_stalls": sum(c.imu_stalls for c in clips),
                   "imu_line_held": clock.line_held},
        "watchdog_restarts": clip.watchdog_restarts,
        "watchdog_sessions": watchdog_sessions,
        "faults": rig.faults.counts if rig.faults else {},
    }


def rest_seconds(clips):
    """The seconds the clips rested their IMU through, per posture state that was told then."""
    from posture import NAMES

    seconds = {name: sum(c.rest_s[i] for c in clips) for i, name in enumerate(NAMES)}
    return {name: s for name, s in seconds.items() if s}


def read_log(storage, settings):
    """The minute log on a clip's flash: (minutes as `sim replay --json` lists them, seconds they account
    for, sessions whose blocks say they began with a watchdog restart, seconds logged per posture state)."""
    from minutelog import FLAG_WATCHDOG, MinuteLog
    from posture import NAMES

    minutes = []
    logged_s = 0
    watchdog_sessions = []
    posture_s = {}
    for block in MinuteLog(storage, settings).blocks_after(0):
        if block.flags & FLAG_WATCHDOG and block.session not in watchdog_sessions:
            watchdog_sessions.append(block.session)
        for k, (steps, secs, nudges, snoozes) in enumerate(block.records):
            logged_s += sum(secs)
            for i, n in enumerate(secs):
                if n:
                    posture_s[NAMES[i]] = posture_s.get(NAMES[i], 0) + n
            posture = NAMES[secs.index(max(secs))]
            minutes.append({"t": (block.minute + k) * 60, "steps": steps, "posture": posture, "nudges": nudges,
                            "snoozes": snoozes, "goal": k == block.goal})
    return minutes, logged_s, watchdog_sessions, posture_s


if __name__ == "__main__":
    from rig import serve

    serve(run)
