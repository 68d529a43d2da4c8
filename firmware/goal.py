# The day's step goal: pure logic, asked once a second.
#
# The day is the clip's wall-clock day (local time, which sync sets); while
# the clock is not set there is no day and no goal. Steps count from the
# first second of the day the clip saw; what a day has counted so far
# survives a restart (a sync, the watchdog) through `state()`, which the
# clip keeps on flash. The goal is announced once a day: `due()` says when
# it has been reached and not yet announced, and the caller, once it may
# buzz (not lying, not in quiet hours), calls `announced()`.

DAY_S = 86400


class Goal:
    def __init__(self, s, saved=None):
        self.steps = s["goal_steps"]  # 0: no goal
        self.day = -1  # days since 1970 of the day being counted; -1: none yet
        self._start = 0  # the step total at which the day's count began
        self.shown = False
        if isinstance(saved, dict):
            try:
                self._begin(int(saved["day"]), -int(saved["steps"]))
                self.shown = bool(saved["shown"])
            except (KeyError, TypeError, ValueError):
                self.day = -1  # a damaged state file: the day counts from now

    def _begin(self, day, start):
        self.day = day
        self._start = start
        self.shown = False

    def due(self, total, day):
        """True when the day's steps (`total` is the step counter's) have reached the goal, not yet announced.

        `day`: the wall clock's, days since 1970 (-1 while the clock is not set): a small number, where
        seconds since 1970 would be an int object, allocated, on a 32-bit MCU."""
        if day < 0:
            return False
        if day != self.day:
            self._begin(day, total)
        return self.steps > 0 and not self.shown and total - self._start >= self.steps

    def announced(self):
        self.shown = True

    def state(self, total):
        """What to keep on flash so that a restart goes on counting the same day; None before a day began."""
        if self.day < 0:
            return None
        return {"day": self.day, "steps": total - self._start, "shown": self.shown}
