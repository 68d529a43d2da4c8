# The clip's loop: IMU FIFO batches in, steps, posture, nudges and minute
# records out.
#
# Hardware comes in as small objects, so that the same loop runs on a
# board and in the simulator:
#   imu    read(buf) -> samples, max_batch, rate_hz, lsb_per_g, overflows, init(),
#          recover() (after a failed transfer; True if it had to initialise)
#   clock  ticks_ms(), ticks_diff(a, b), ticks_add(a, b), sleep_ms(ms),
#          epoch() (local time, seconds since 1970; -1 while not set; read
#          about twice a minute, see _wall_minute)
#   motor  value(0 or 1), like machine.Pin
#   board  optional: poll(clip) once a loop pass (button, battery; see hardware.py)
#   storage  see storage.py
# Per sample only `process` runs, and it allocates nothing; posture and the
# coach run once a second inside it (on sample time). Minutes follow the
# MCU's clock, which is crystal-accurate where an IMU's sample rate may be
# off by a percent; they are closed, and flash written, outside `process`.
# The day's step goal is asked once a second too: when the day's steps reach
# it, the motor plays a pattern of its own, once a day, not while lying or
# off the body, nor in quiet hours (it waits for the next second it may).
# Off the body (the night on the bedside table), and worn after
# worn_rest_s of stillness (a desk, a sofa, a bed), the IMU rests in its
# low-power cycle, where it has one, until it feels motion: the loop then
# counts the seconds by the MCU's clock, each a still second to the
# posture at the gravity the rest began with, and sleeps up to
# rest_poll_ms at a time (a minute's end, a nudge due, the watchdog). At
# each wake it reads the IMU's last sample: a tilt that drifted
# rest_tilt_mg, too slowly for the motion interrupt, ends the rest (an IMU
# whose rest gives no samples, REST_SAMPLES False, rests off the body only). A
# double tap is seen in a rest only if its first knock wakes the IMU (the
# button always is).

from array import array

import micropython

import settings
from coach import Coach
from goal import DAY_S, Goal
from minutelog import FLAG_DEFAULTS, FLAG_WATCHDOG, MinuteLog
from motor import Vibrator
from posture import LYING, NAMES, OFF_BODY, Posture
from sitstand import SitStand
from steps import StepCounter
from tap import TapDetector

RESTARTS = "restarts.json"  # {"watchdog": restarts by the watchdog, "session": the log session of the last}
TODAY = "today.json"  # the day's step count so far and whether its goal was announced (goal.py)

# What the IMU needs before the next read: nothing, a check after a failed transfer, initialising.
_IMU_OK = 0
_IMU_RECOVER = 1
_IMU_REINIT = 2
# Seconds at the full rate after a rest ends before the next may begin: the posture sees the motion that
# woke the IMU (stillness ended, a new posture being told) or finds the clip still off the body.
_REST_AGAIN_S = 2


class Clip:
    def __init__(self, imu, clock, motor, storage, s, watchdog=None, events=None, board=None,
                 watchdog_restart=False):
        self.imu = imu
        self.board = board
        self.clock = clock
        self.storage = storage
        self.settings = s
        self.watchdog = watchdog
        self.events = events  # optional: posture(t, name), nudge(t) and goal(t) callbacks
        self.steps = StepCounter(imu.rate_hz, imu.lsb_per_g, s)
        self.posture = Posture(s)
        self.sitstand = SitStand(imu.rate_hz, imu.lsb_per_g, s)
        self.taps = TapDetector(imu.rate_hz, imu.lsb_per_g, s)
        self.coach = Coach(s)
        self.goal = Goal(s, storage.read_json(TODAY))
        self._nudge_pattern = s["nudge_pattern_ms"]
        self._goal_pattern = s["goal_pattern_ms"]
        self.vibrator = Vibrator(motor, clock)
        self.flash_errors = 0
        self.log = MinuteLog(storage, s)
        try:
            self.log.start_session()
        except OSError:
            self.flash_errors += 1  # a full flash must not stop the clip from starting
        self.watchdog_restarts = 0
        if settings.damaged(storage):
            self.log.flags |= FLAG_DEFAULTS  # logged with every block of the session; the sync says so
        if watchdog_restart:
            self._note_watchdog_restart()
        self.buf = array("h", bytes(6 * imu.max_batch))
        self._g = array("i", (0, 0, 0))
        self._rate = imu.rate_hz
        self._left = self._rate  # samples left in the current second
        # drained at least twice per FIFO's worth, whatever poll_ms says; where the IMU's watermark
        # line wakes the loop, that is all the timer does (a backstop)
        fill_ms = imu.fifo_ms() if hasattr(imu, "fifo_ms") else s["poll_ms"]
        self._poll_ms = fill_ms // 2 if getattr(imu, "wake_ms", 0) else min(s["poll_ms"], fill_ms // 2)
        self.samples = 0
        self.seconds = 0
        self.i2c_errors = 0
        self.imu_stalls = 0  # times the FIFO stopped filling (a chip that reset itself) and the IMU was re-initialised
        self._stall_ms = s["imu_stall_ms"]
        self._last_data = clock.ticks_ms()
        self.battery_mv = 0
        self._imu_state = _IMU_OK
        self._rest_ms = s["rest_poll_ms"] if getattr(imu, "LOW_POWER_CYCLE", False) else 0
        self._rest_args = (s["still_wake_hz"], s["motion_mg"], s["motion_ms"])
        self._rest_tilt = s["rest_tilt_mg"] * 1024 // 1000
        self._g_now = array("i", (0, 0, 0))
        # an IMU whose low-power mode puts out no samples cannot show a tilt drifting: it rests off the body only
        self._rest_samples = getattr(imu, "REST_SAMPLES", True)
        self._worn_rest_s = s["worn_rest_s"] if self._rest_samples else 0
        self.resting = False
        self.rests = 0  # times the IMU went to its low-power cycle
        self.rest_s = array("i", bytes(4 * len(NAMES)))  # seconds rested, per posture state
        self._rest_at = 0  # ticks_ms up to which the rest's samples are counted...
        self._rest_frac = 0  # ...and the part of a sample over, times 1000
        self._woke_at = -_REST_AGAIN_S  # self.seconds when the last rest ended
        self._realign = False  # the next pass goes back to the polls' grid (see step)
        # the minute being summed: seconds per posture state, steps, nudges, snoozes
        self.minute = 0
        self._minute_end = clock.ticks_add(clock.ticks_ms(), 60000)
        self._posture_s = array("B", bytes(len(NAMES)))
        self._write_due = False  # a closed minute's writes wait while a pattern plays (_write_minute)
        self._today_due = False
        self._swing_mark = 0
        self._minute_steps0 = 0
        self._minute_nudges = 0
        self._minute_snoozes = 0
        self._minute_goal = False
        self._block_min = s["log_block_min"]
        # the wall clock's minute of the day (coach) and day (goal), counted on by ticks from the last reading
        self._wall_ms = clock.ticks_ms()
        self._wall_min = -1
        self._wall_day = -1
        self._wall_s = 59  # the second of that minute, at _wall_ms (59: read the clock now)
        self._wall_minute()

    def _note_watchdog_restart(self):
        """The watchdog restarted a hung loop: counted on flash, with the session that began then."""
        self.log.flags |= FLAG_WATCHDOG
        r = self.storage.read_json(RESTARTS)
        self.watchdog_restarts = (r.get("watchdog", 0) if isinstance(r, dict) else 0) + 1
        try:
            self.storage.write_json(RESTARTS, {"watchdog": self.watchdog_restarts, "session": self.log.session})
        except OSError:
            self.flash_errors += 1

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def process(self, n):
        """Run `n` samples from `buf` through the step counter, the tap detector and the transition
        detector (and posture once a second).

        Shaped for speed: each detector takes a whole stretch of samples in one call (its loop over
        them is a viper kernel, machine code on the board); a stretch ends where a second does, or
        where a double tap completes, which is all that needs Python between samples."""
        buf = self.buf
        steps = self.steps
        taps = self.taps
        left = self._left
        j = 0
        end = 3 * n
        while j < end:
            # up to the end of the current second, with no per-sample bookkeeping
            stop = j + 3 * left
            if stop > end:
                stop = end
            left -= (stop - j) // 3
            self.sitstand.scan(buf, j, stop)  # summed into ten points a second, in one call
            while j < stop:
                # to the end, or to the sample that completes a double tap: the steps up to it
                # tell whether the wearer is walking
                t = taps.scan(buf, j, stop)
                steps.scan(buf, j, t)
                if taps.tapped() and not steps.walking():
                    self.snooze()
                j = t
            if left == 0:
                left = self._rate
                self._second()
        self._left = left
        self.samples += n

    @micropython.native  # compiled: faster, and its frame on the C stack (as bytecode, one this size is allocated per call)
    def _second(self):
        steps = self.steps
        steps.gravity_into(self._g)
        # mean |vertical acceleration| over the second, roughly mg
        motion = steps.take_motion() // self._rate
        before = self.posture.state
        state = self.posture.second(self._g, steps.walking(), motion, self.sitstand.take())
        # a swing this second may be a walk's first step: a nudge due now waits a second to see
        mark = steps.swing_mark()
        swung = mark != self._swing_mark
        self._swing_mark = mark
        self._tick(before, state, swung or steps.stepping() or self.posture.changing() or self.taps.pending())

    @micropython.native  # compiled: its frame on the C stack (as bytecode, one this size is allocated per call)
    def _tick(self, before, state, unsettled):
        """A second told, at the full rate or resting: summed into the minute; the coach and the goal asked."""
        self.seconds += 1
        self._posture_s[state] += 1
        if state != before and self.events:
            self.events.posture(self.seconds, NAMES[state])
        minute = self._wall_minute()
        if self.coach.second(state, minute, unsettled):
            self.vibrator.start(self._nudge_pattern)
            self._minute_nudges += 1
            if self.events:
                self.events.nudge(self.seconds)
        if self.goal.due(self.steps.total, self._wall_day):
            self._announce_goal(state, minute)

    def _rest_second(self):
        """A second gone by while the IMU rests: to the posture, a still second at the gravity the rest began with
        (no farther than rest_tilt_mg from it, see _tilted); no steps."""
        posture = self.posture
        before = posture.state
        state = posture.second(self._g, False, 0)
        self.rest_s[state] += 1
        self._tick(before, state, posture.changing())

    def _may_rest(self):
        posture = self.posture
        if posture.state != OFF_BODY and not (self._worn_rest_s and posture.still_s() >= self._worn_rest_s):
            return False
        return (not posture.changing() and not self.taps.pending() and not self.steps.stepping()
                and self.seconds - self._woke_at >= _REST_AGAIN_S
                and self._imu_state == _IMU_OK and not self.vibrator.playing() and not self._write_due)

    def _nudge_ms(self):
        """While resting worn: ms until the second a nudge may be due (0: none to wake for)."""
        d = self.coach.due_in(self.posture.state)
        if d == 0 or d * 1000 > self._rest_ms + 1000:
            return 0
        # the due second ends with the sample that many samples on, less the part of one _rest counted
        v = ((d - 1) * self._rate + self._left) * 1000 - self._rest_frac
        return (v + self._rate - 1) // self._rate

    def _start_rest(self):
        try:
            self.imu.low_power(*self._rest_args)
        except OSError:
            self.i2c_errors += 1
            self._imu_state = _IMU_REINIT  # whatever the chip took of it, it starts again at full rate
            return
        self.resting = True
        self.rests += 1
        self._rest_at = self.clock.ticks_ms()
        self._rest_frac = 0

    def _rest(self):
        """While the IMU rests: the seconds gone by; motion (or a look that failed) ends the rest.

        Counted in the samples the full rate would have taken meanwhile, so that the seconds after the
        rest fall where they would have (the second a rest began ends as its samples would end it)."""
        clock = self.clock
        now = clock.ticks_ms()
        v = self._rest_frac + clock.ticks_diff(now, self._rest_at) * self._rate
        self._rest_at = now
        self._rest_frac = v % 1000
        n = v // 1000
        imu = self.imu
        try:
            moved = imu.moved() or (self._rest_samples and self._tilted())
            if moved:
                imu.full_rate()
        except OSError:
            self.i2c_errors += 1
            self._imu_state = _IMU_REINIT
            moved = True
        while n >= self._left:
            n -= self._left
            self._left = self._rate
            self._rest_second()
        self._left -= n
        if not moved:
            return
        self.resting = False
        self._woke_at = self.seconds
        self._realign = True
        self._last_data = clock.ticks_ms()

    def _tilted(self):
        """Whether the IMU's last sample is tilted rest_tilt_mg (on an axis) from the gravity the rest began
        with: a drift too slow for the motion interrupt, which the full rate must follow (the posture's
        stillness and its tilt thresholds)."""
        now = self._g_now
        self.imu.accel_into(now)
        g = self._g
        lim = self._rest_tilt
        i = 0
        while i < 3:
            d = now[i] - g[i]
            if d > lim or -d > lim:
                return True
            i += 1
        return False

    def _announce_goal(self, state, minute):
        """The day's goal is reached: the pattern plays now, unless the wearer lies (or may be lying down: a
        posture not yet told), the clip is off the body, it is quiet hours or a pattern is playing."""
        if (state == LYING or state == OFF_BODY or self.posture.changing() or self.coach.quiet(minute)
                or self.vibrator.playing()):
            return
        self.goal.announced()
        self.vibrator.start(self._goal_pattern)
        self._minute_goal = True
        if self.events:
            self.events.goal(self.seconds)

    def _wall_minute(self):
        """The wall clock's minute of the day, -1 while it is not set (quiet hours); its day, days
        since 1970, is left in _wall_day (the goal's day).

        The clock is read only a second either side of a minute's end (and once a minute while it
        is not set): its time, seconds since 1970, is an int object on a 32-bit MCU, allocated at
        every reading. In between, the minute is the last reading's, counted on by ticks: off by
        a second at most, which cannot change it there (nor the day, which ends with a minute).
        step() calls this before the samples, so that process() does not read the clock."""
        clock = self.clock
        s = self._wall_s + clock.ticks_diff(clock.ticks_ms(), self._wall_ms) // 1000
        if 0 < s < 59:
            return self._wall_min
        self._wall_ms = clock.ticks_ms()
        epoch = clock.epoch()
        if epoch < 0:
            self._wall_min = -1
            self._wall_day = -1
            self._wall_s = 1  # read again in a minute: the host may set it
        else:
            self._wall_min = epoch // 60 % 1440
            self._wall_day = epoch // DAY_S
            self._wall_s = epoch % 60
        return self._wall_min

    def snooze(self):
        """The wearer asked for quiet (double tap or button): postpone the next nudge."""
        self.coach.snooze()
        self._minute_snoozes += 1

    def _close_minute(self):
        """Append the minute's record; what goes to flash is written by _write_minute."""
        total = self.steps.total
        try:
            self.log.add(self.minute, total - self._minute_steps0, self._posture_s, self._minute_nudges,
                         self._minute_snoozes, self._block_header, self._minute_goal, defer=True)
        except OSError:
            self.flash_errors += 1
        self._write_due = True
        # the announcement at once; the count as often as log blocks
        self._today_due = self._today_due or self._minute_goal or (
            self.goal.steps and self.minute % self._block_min == 0)
        self._minute_steps0 = total
        self._minute_nudges = 0
        self._minute_snoozes = 0
        self._minute_goal = False
        ps = self._posture_s
        i = 0
        while i < len(ps):
            ps[i] = 0
            i += 1
        self.minute += 1

    def _write_minute(self, stop=False):
        """Write what the minutes closed since the last call leave for flash (the log, the day's goal, a
        refined upright). Called while no pattern plays: on an RP2040 nothing runs while the flash
        erases or programs (the code runs from it), and a buzz would stretch by the write.
        `stop`: the loop stops; every waiting record goes to the log."""
        self._write_due = False
        try:
            if stop:
                self.log.flush(self._block_header)
            else:
                self.log.save(self._block_header)
        except OSError:
            self.flash_errors += 1
        if self._today_due or stop:
            self._today_due = False
            self._save_today()
        if self.posture.dirty:
            self.settings["upright_mg"] = self.posture.upright_mg()
            try:
                settings.save(self.storage, self.settings)
            except OSError:
                self.flash_errors += 1

    def _save_today(self):
        today = self.goal.state(self.steps.total)
        if today is None:
            return
        try:
            self.storage.write_json(TODAY, today)
        except OSError:
            self.flash_errors += 1

    def _block_header(self):
        """The fields a log block carries besides its records."""
        epoch = self.clock.epoch()
        if epoch >= 0:
            elapsed_ms = 60000 - self.clock.ticks_diff(self._minute_end, self.clock.ticks_ms())
            epoch -= self.minute * 60 + elapsed_ms // 1000
        return (epoch if epoch > 0 else 0, self.battery_mv, self.i2c_errors, self.flash_errors,
                self.imu.overflows)

    def step(self):
        """One pass of the loop: drain the FIFO (resting: count its seconds), write what is due; ms to sleep."""
        self._wall_minute()
        if self.resting:
            self._rest()
        else:
            self._drain()
        clock = self.clock
        while clock.ticks_diff(clock.ticks_ms(), self._minute_end) >= 0:
            self._close_minute()
            self._minute_end = clock.ticks_add(self._minute_end, 60000)
        wait = self.vibrator.update()
        if wait < 0 and self._write_due:
            self._write_minute()
        if self._rest_ms and not self.resting and self._may_rest():
            self._start_rest()
        poll = self._poll_ms
        if self.resting:  # up to the minute's end, which closes it, or a nudge due
            poll = clock.ticks_diff(self._minute_end, clock.ticks_ms())
            poll = self._rest_ms if poll > self._rest_ms else (poll if poll > 0 else 0)
            due = self._nudge_ms()
            if 0 < due < poll:
                poll = due
        elif self._realign:
            # woken by motion at any moment: the polls go on at the times (a whole number of polls from a
            # minute's end) they would have kept without the rest, so that each minute gets the same batches
            self._realign = False
            poll -= clock.ticks_diff(clock.ticks_ms(), self._minute_end) % poll
        return poll if wait < 0 or wait > poll else wait

    def _drain(self):
        """Everything in the IMU's FIFO through process(); a failed transfer or a stall noted for _restore_imu."""
        imu = self.imu
        got = 0
        overflows = imu.overflows
        try:
            if self._imu_state != _IMU_OK:
                self._restore_imu()
            n = imu.max_batch
            while n == imu.max_batch:
                n = imu.read(self.buf)
                if n:
                    self.process(n)
                    got = n
        except OSError:
            self.i2c_errors += 1
            if self._imu_state == _IMU_OK:
                self._imu_state = _IMU_RECOVER
        clock = self.clock
        if got or imu.overflows != overflows:  # an overflowed FIFO was reset by the driver: not a stall
            self._last_data = clock.ticks_ms()
        elif self._imu_state == _IMU_OK and clock.ticks_diff(clock.ticks_ms(), self._last_data) > self._stall_ms:
            self.imu_stalls += 1
            self._imu_state = _IMU_REINIT
            self._last_data = clock.ticks_ms()

    def _restore_imu(self):
        """After a failed transfer the driver goes on with its FIFO if the chip kept its configuration;
        a chip that stalled, or gave no samples for imu_stall_ms (it stopped answering), is initialised.
        Raises, to be tried again next pass, while the chip does not answer."""
        clock = self.clock
        now = clock.ticks_ms()
        if self._imu_state == _IMU_REINIT or clock.ticks_diff(now, self._last_data) > self._stall_ms:
            self.imu.init()
            restarted = True
        else:
            restarted = self.imu.recover()
        if restarted:  # the FIFO starts empty
            self._last_data = now
        self._imu_state = _IMU_OK

    def finish(self):
        """Log the minute in progress and write the log, as when the loop is stopped for a sync."""
        if self.resting:
            self._rest()  # the seconds rested so far
        if self._left != self._rate:
            self._left = self._rate
            self._second()  # the samples of a second just begun count too
        if self.samples and (sum(self._posture_s) or self.steps.total != self._minute_steps0):
            self._close_minute()
        self._write_minute(stop=True)

    def run(self, until=None):
        clock = self.clock
        try:
            while until is None or not until():
                wait = self.step()
                if self.board:
                    self.board.poll(self)
                if self.watchdog:
                    self.watchdog.feed()
                clock.sleep_ms(wait)
        finally:
            self.finish()
