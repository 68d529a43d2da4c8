# Settings: one schema, shared by the firmware and the host tools.
#
# Every tunable number of the clip lives here with its default and its
# allowed range, so that the algorithms take them as arguments instead of
# burying constants in code. The host imports this very file to validate
# `stepclip config set` and `sim replay --set` values.

# name: (default, minimum, maximum, help). A tuple default is a list of ints,
# each element within [minimum, maximum].
SCHEMA = {
    # IMU and loop
    "rate_hz": (50, 25, 200, "IMU output data rate, samples per second"),
    "accel_range_g": (4, 2, 16, "accelerometer full scale, g (2, 4, 8 or 16)"),
    "poll_ms": (200, 20, 1000, "how often the IMU FIFO is drained, ms"),
    "imu_watermark": (32, 2, 100, "on a board whose IMU line wakes the MCU (imu_int), samples in the FIFO that raise it; the loop's timer then only backs it up"),
    "still_wake_hz": (20, 1, 40, "while the clip rests (rest_poll_ms), the IMU's low-power sampling rate (MPU-6050: 1.25, 5, 20 or 40 Hz; QMI8658: 3, 11, 21 or 128 Hz; the first at or above), Hz"),
    "motion_mg": (24, 2, 510, "while it rests, a change of acceleration this big wakes the IMU to its full rate (motion interrupt): small, as a still wearer's first move may be gentle (getting up from bed), mg"),
    "motion_ms": (1, 1, 255, "...held this long, ms"),
    "rest_tilt_mg": (16, 2, 200, "while it rests, its last sample this far from the gravity the rest began with, on an axis, ends the rest (a slow drift the posture must follow at the full rate), mg"),
    "worn_rest_s": (30, 0, 3600, "worn, sitting, standing or lying still (still_mg) this long: the IMU rests too (rest_poll_ms; 0: only off the body), s"),
    "rest_poll_ms": (4000, 0, 7000, "off the body (and worn still, worn_rest_s), the IMU rests in its low-power cycle (still_wake_hz) until motion (motion_mg), and the loop wakes at most this far apart to count the time, under the watchdog's 8 s (0: the IMU stays at full rate), ms"),
    "imu_stall_ms": (2000, 500, 60000, "no samples for this long: the IMU is re-initialised (it may have reset), ms"),
    # step counter
    "step_threshold_mg": (50, 10, 500, "vertical acceleration swing that makes a step, mg"),
    "step_smooth_ms": (120, 20, 300, "each of the two moving averages before step detection, ms"),
    "step_min_interval_ms": (250, 150, 1000, "shortest time between two steps, ms"),
    "step_max_interval_ms": (1500, 500, 3000, "longest time between two steps of one walk, ms"),
    "step_start_run": (6, 1, 20, "regular steps needed before counting starts (they are credited)"),
    "step_regularity_pct": (50, 5, 100, "allowed change of step interval within a run, %"),
    "step_highpass_ms": (900, 300, 2000, "steps are read from the signal minus its mean over this time, ms"),
    "step_highpass_pct": (140, 50, 160, "while walking slowly, the high-pass time is this much of a step, % (above 160 its jumps make false swings)"),
    "step_start_mg": (160, 10, 1000, "swing each step of a starting run must reach (peak above the mean: half of it), mg"),
    "step_weak_regularity_pct": (6, 1, 100, "allowed change of step interval while a walk starts on weaker swings, %"),
    "step_gap_max": (3, 1, 4, "a swing this many step periods after the last credits the steps between (1: off)"),
    "step_resume_ms": (10000, 0, 30000, "after an even walk, a clear swing (step_start_mg; after a trunk's walk, step_resume_pct) this soon after the last step counted is a step, ms (0: off)"),
    "step_gap_uneven_pct": (16, 0, 100, "a late swing credits missed steps only in a walk whose consecutive swings differ this much, % of their sum"),
    "step_resume_even_pct": (23, 0, 100, "swings after a walk count only when its consecutive swings differ less than this, % of their sum"),
    "step_first_mg": (20, 5, 500, "a gentle swing (this big, mg) in the rhythm just before a walk is its first step from standing..."),
    "step_first_pct": (42, 0, 1000, "...when the walk's earliest counted swing is already this much of its swings' mean, %"),
    "step_stride_ms": (700, 0, 2000, "counted steps this long or longer, with a step-sized rise and fall between most, are strides of two steps (an arm's swing), ms (0: off)"),
    "step_stride_hold": (4, 1, 20, "counting strides stops after more than this many counted steps in a row without such a rise and fall"),
    "step_gap_run": (100, 0, 1000, "a late swing credits more than a stride's two steps only in a walk already this many steps long"),
    "step_turn_deg": (12, 1, 90, "a walk ends when the gravity direction turns by more than this per step, smoothed over about 16 steps (arm movement), degrees"),
    "step_sway_early_pct": (90, 0, 100, "in a walk whose swings are even (step_gap_uneven_pct, over about 16 swings), a swing sooner than this much of a step after the last..."),
    "step_sway_pct": (45, 0, 100, "...and weaker than this much of the mean of the last swings is the trunk's sway while turning on the spot, not a step, % (0: off)"),
    "step_resume_pct": (25, 1, 100, "after a walk whose swings are even (a trunk's), a swing this much of its swings', over within one of its steps, is a step (step_resume_ms), %"),
    "step_fall_pct": (25, 0, 100, "a swing slower than the high-pass window, in an even gait, ends back below the mean by this much of its peak (between a quarter and half of step_threshold_mg): a slow step's shallow trough, % (100: off)"),
    "step_slack_ms": (20, 0, 200, "step intervals within a run may differ by this much beyond step_regularity_pct (or step_weak_regularity_pct), whatever the rate, ms"),
    "step_start_phase_pct": (30, 0, 100, "a starting run's swings must keep time: none more than this much of a step from where the run's mean rhythm puts it, % (0: off)"),
    # posture
    "sit_tilt_deg": (14, 3, 60, "tilt from upright above which the wearer sits"),
    "lie_tilt_deg": (72, 30, 85, "tilt from upright above which the wearer lies"),
    "posture_margin_deg": (1, 0, 10, "hysteresis: a tilt threshold is crossed by this much either way"),
    "posture_hold_s": (3, 1, 30, "seconds a new posture must last before it is reported"),
    "walk_hold_s": (2, 1, 10, "seconds after the last step that still count as walking"),
    "still_mg": (12, 1, 200, "motion per second below which the clip is still, mg"),
    "off_body_s": (300, 60, 3600, "still seconds after which the clip is off the body"),
    "upright_learn_s": (20, 5, 600, "walking seconds needed to learn the upright direction"),
    "upright_refine_shift": (8, 2, 12, "walks refine upright with a time constant of 2**this walking seconds"),
    "upright_mg": ((0, 0, 0), -2000, 2000, "learned upright direction, mg (0,0,0: not yet)"),
    "sit_low_deg": (10, 0, 60, "after a sit-down transition, tilt from upright above which the wearer still sits"),
    "lie_sit_s": (12, 1, 600, "after lying this long, a trunk that rises sits (up from bed) until a stand-up or walk, s"),
    "shift_settle_s": (3, 1, 10, "seconds after a sit-down or stand-up within which the tilt must agree with it"),
    "burst_mg": (60, 10, 1000, "motion in a second that may be a stand-up the transition detector missed, mg"),
    "sitstand_still_mg": (60, 5, 500, "change of acceleration on any axis that is movement, not stillness, mg"),
    "sitstand_quiet_ms": (600, 200, 3000, "stillness that ends a transition, ms"),
    "sitstand_max_ms": (6000, 1000, 20000, "a burst of movement longer than this is no transition, ms"),
    "sitstand_drop_mm": (100, 10, 1000, "fall or rise of the hip over a burst of movement that is a sit-down or stand-up, mm"),
    # inactivity coach
    "inactive_s": (1800, 60, 14400, "inactive time before a nudge, s"),
    "renudge_s": (1800, 60, 14400, "time between nudges while still inactive, s"),
    "break_s": (60, 10, 900, "walking time that counts as a break, s"),
    "break_gap_s": (10, 0, 120, "pause within a walk that does not end it, s"),
    "rest_reset_s": (1200, 60, 14400, "lying or off-body time that restarts the timer, s"),
    "snooze_s": (900, 60, 7200, "how long a snooze postpones the next nudge, s"),
    "quiet_start_min": (1320, 0, 1439, "quiet hours start, minutes after midnight"),
    "quiet_end_min": (420, 0, 1439, "quiet hours end, minutes after midnight"),
    "tap_mg": (1000, 200, 8000, "jump of acceleration between two samples that is a knock on the clip, mg"),
    "tap_gap_min_ms": (80, 20, 1000, "shortest time between the two knocks of a double tap, ms"),
    "tap_gap_max_ms": (500, 100, 2000, "longest time between the two knocks of a double tap, ms"),
    "tap_quiet_ms": (1000, 50, 3000, "quiet needed before and after a double tap, ms"),
    "nudge_pattern_ms": ((200, 200, 200, 200, 200), 10, 2000, "motor on/off durations, ms"),
    # the day's step goal (stepclip goal sets it; the day is the clip's wall-clock day)
    "goal_steps": (0, 0, 100000, "the day's steps reach this: goal_pattern_ms plays, once a day, not while lying or in quiet hours (0: no goal)"),
    "goal_pattern_ms": ((100, 100, 100, 100, 1200), 10, 2000, "motor on/off durations when the day's goal is reached (two taps and a long buzz), ms"),
    # board: button, battery, motor, sleep
    "button_debounce_ms": (60, 5, 500, "button presses closer together than this are one press, ms"),
    "battery_every_s": (900, 60, 3600, "how often the battery voltage is read, s"),
    "motor_duty_pct": (100, 20, 100, "motor strength: PWM duty while on, %"),
    "usb_window_s": (120, 0, 3600, "seconds after a restart without light sleep, for the host to connect"),
    # flash log
    "log_block_min": (16, 1, 60, "minutes per log block: at most this much is lost at a power cut"),
    "log_file_kb": (16, 1, 256, "size at which a new log file is started, KiB"),
    "log_max_kb": (512, 16, 8192, "flash the log may use, KiB (a month takes about 340)"),
    "log_wait_min": (60, 1, 240, "minutes kept in RAM (6 bytes each) while the flash cannot be written"),
}

RANGES_G = (2, 4, 8, 16)
FILENAME = "settings.json"


def defaults():
    d = {}
    for k in SCHEMA:
        d[k] = SCHEMA[k][0]
    return d


def check(name, value):
    """Return `value` in its canonical type, or raise ValueError saying what is allowed."""
    if name not in SCHEMA:
        raise ValueError("unknown setting '%s'" % name)
    default, lo, hi, _ = SCHEMA[name]
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or len(value) != len(default):
            raise ValueError("%s takes %d whole numbers" % (name, len(default)))
        out = []
        for v in value:
            out.append(_int_in(name, v, lo, hi))
        return tuple(out)
    v = _int_in(name, value, lo, hi)
    if name == "accel_range_g" and v not in RANGES_G:
        raise ValueError("accel_range_g takes one of 2, 4, 8, 16")
    return v


def _int_in(name, v, lo, hi):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError("%s takes a whole number from %d to %d" % (name, lo, hi))
    if v < lo or v > hi:
        raise ValueError("%s takes a whole number from %d to %d, not %d" % (name, lo, hi, v))
    return v


def load(storage):
    """Defaults overlaid with what is stored; a damaged or unknown entry keeps its default."""
    s = defaults()
    stored = storage.read_json(FILENAME)
    if isinstance(stored, dict):
        for k in stored:
            try:
                s[k] = check(k, stored[k])
            except ValueError:
                pass
    return s


def damaged(storage):
    """True when the settings file is there but cut short or not JSON: load() gave the defaults."""
    if storage.read(FILENAME) is None:
        return False
    return not isinstance(storage.read_json(FILENAME), dict)


def save(storage, s):
    out = {}
    for k in SCHEMA:
        v = s[k]
        out[k] = list(v) if isinstance(v, tuple) else v
    storage.write_json(FILENAME, out)
