# Inactivity coach: pure logic, advanced once a second.
#
# A nudge comes when the wearer has gone `inactive_s` without a walking
# break, and again every `renudge_s` while they stay inactive. Sitting and
# standing still both count as inactive. A break is a walk of at least
# `break_s`, from its first walking second to its last: pauses of up to
# `break_gap_s` (a door, a traffic light, or seconds the step counter
# missed) do not end it. Lying and off-body pause the timer and never get a
# nudge; a long rest (`rest_reset_s`) restarts it. No nudge during quiet
# hours, nor in a pause within a walk, nor while the posture may be
# changing: steps that may be a walk starting (the posture says walking only
# once a run of them is seen), a new posture not yet held long enough to be
# told (lying down, a nudge would wake the wearer a few seconds later), or
# knocks on the clip that may be a double tap asking for quiet.

from posture import LYING, OFF_BODY, WALKING


class Coach:
    def __init__(self, s):
        self._inactive_s = s["inactive_s"]
        self._renudge_s = s["renudge_s"]
        self._break_s = s["break_s"]
        self._gap_s = s["break_gap_s"]
        self._rest_reset_s = s["rest_reset_s"]
        self._snooze_s = s["snooze_s"]
        self._quiet_start = s["quiet_start_min"]
        self._quiet_end = s["quiet_end_min"]
        self.inactive = 0  # seconds without a walking break
        self._due = self._inactive_s
        self._walk = 0  # seconds of the walk going on
        self._gap = 0  # seconds since the last walking second
        self._rest = 0
        self.nudges = 0
        self.snoozes = 0

    def _restart(self):
        self.inactive = 0
        self._due = self._inactive_s

    def quiet(self, minute_of_day):
        """True inside quiet hours; never while the clock is not set (-1)."""
        if minute_of_day < 0:
            return False
        a = self._quiet_start
        b = self._quiet_end
        if a <= b:
            return a <= minute_of_day < b
        return minute_of_day >= a or minute_of_day < b

    def second(self, state, minute_of_day, unsettled=False):
        """Advance one second in posture `state`; True when a nudge is due now.

        `unsettled`: the posture may be changing; a nudge due now waits."""
        if state == WALKING:
            self._rest = 0
            # a walk lasts from its first walking second to its last, pauses included
            self._walk = self._walk + self._gap + 1 if self._walk else 1
            self._gap = 0
            if self._walk >= self._break_s:
                self._restart()
            else:
                self.inactive += 1
            return False
        if self._walk:  # a pause at a door or a light does not end a walk
            self._gap += 1
            if self._gap > self._gap_s:
                self._walk = 0
                self._gap = 0
        if state == LYING or state == OFF_BODY:
            self._rest += 1
            if self._rest >= self._rest_reset_s:
                self._restart()
            return False
        self._rest = 0
        self.inactive += 1
        # nor during a pause within a walk, which may yet turn out to be a break
        if self.inactive < self._due or self._walk or unsettled or self.quiet(minute_of_day):
            return False
        self._due = self.inactive + self._renudge_s
        self.nudges += 1
        return True

    def due_in(self, state):
        """Seconds in `state` left before the next nudge may come; 0: due (if nothing holds it back), or a
        state that is never nudged (lying, off the body)."""
        if state == LYING or state == OFF_BODY:
            return 0
        d = self._due - self.inactive
        return d if d > 0 else 0

    def snooze(self):
        """Postpone the next nudge by `snooze_s`."""
        self._due += self._snooze_s
        self.snoozes += 1
