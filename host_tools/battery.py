"""The clip's battery as the report shows it: its voltage and charge from the last reading in the log,
and the days left at the present rate, from the fall of the charge over the synced readings.

Each log block's header holds the battery voltage the clip last read (every `battery_every_s`);
the charge is that voltage on the LiPo curve of simulator/chips/lipo.py. The days left are the
charge now over the rate it fell since the last recharge: until the readings span MIN_SPAN_H and
the charge fell MIN_FALL_PCT (an ADC step is about a percent on the flat of the curve), they are
"not yet known".
"""

from simulator import project

MIN_SPAN_H = 6  # hours of readings before a rate is worth stating
MIN_FALL_PCT = 2  # of the charge, well above the ADC's step
RECHARGE_PCT = 5  # a rise this large between readings is a charge: the rate starts again after it


def _lipo():
    project.use_firmware()
    import lipo

    return lipo


def percent(mv):
    """The charge, in % (0..100), of a cell at `mv`; None for no reading (0 or less)."""
    if not mv or mv <= 0:
        return None
    return 100 * _lipo().charge(mv)


def readings(con, clip_id):
    """[(epoch at the block's end, mV)] of the clip's blocks on the clock that hold a reading, oldest first."""
    rows = con.execute(
        "SELECT s.start_epoch + 60 * (b.first_minute + b.count), b.battery_mv FROM blocks b "
        "JOIN sessions s USING (clip, era, session) WHERE b.clip = ? AND s.start_epoch IS NOT NULL "
        "AND b.battery_mv > 0 ORDER BY 1", (clip_id,))
    return [(epoch, mv) for epoch, mv in rows]


def outlook(points):
    """{mv, pct, epoch, days_left (None: not yet known), span_h, fall_pct} of readings [(epoch, mV)], or None."""
    if not points:
        return None
    start = 0
    for k in range(1, len(points)):
        if percent(points[k][1]) - percent(points[k - 1][1]) >= RECHARGE_PCT:
            start = k
    first, last = points[start], points[-1]
    now = percent(last[1])
    span_h = (last[0] - first[0]) / 3600
    fall = percent(first[1]) - now
    days_left = None
    if span_h >= MIN_SPAN_H and fall >= MIN_FALL_PCT:
        days_left = now / (fall / (span_h / 24))
    return {"mv": last[1], "pct": now, "epoch": last[0], "days_left": days_left, "span_h": span_h, "fall_pct": fall}


def has_adc(con, clip_id):
    """False when the board the clip last said it is has no battery ADC; True when it has or is unknown."""
    row = con.execute("SELECT board FROM clips WHERE id = ?", (clip_id,)).fetchone()
    name = row[0] if row else None
    if name not in project.board_names():
        return True
    return project.board(name).get("battery_adc") is not None


def line(con, clip_id):
    """One line for the report: the battery now and the days it has left, or why they are not known."""
    if not has_adc(con, clip_id):
        return "battery: - (no battery ADC on this board)"
    o = outlook(readings(con, clip_id))
    if o is None:
        return "battery: - (no reading in the log yet)"
    from host_tools.days import wall

    now = f"battery: {o['mv'] / 1000:.2f} V ({o['pct']:.0f}%) at {wall(o['epoch']):%a %d %b %H:%M}"
    if o["days_left"] is None:
        return (f"{now}; days left: not yet known (the readings since the last charge span {o['span_h']:.1f} h "
                f"and fell {max(o['fall_pct'], 0):.1f}%: a rate needs {MIN_SPAN_H} h and {MIN_FALL_PCT}%)")
    return (f"{now}; about {o['days_left']:.1f} days left at the present rate (the charge fell "
            f"{o['fall_pct']:.1f}% over {o['span_h'] / 24:.1f} days of readings)")


def cell(mv):
    """The battery column of a day: its last reading, V and %."""
    pct = percent(mv)
    return "-" if pct is None else f"{mv / 1000:.2f} V {pct:.0f}%"

