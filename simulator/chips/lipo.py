# A one-cell LiPo's resting voltage against its state of charge.
#
# The curve is the 1S column of AMPOW's published "LiPo Voltage Chart"
# (blog.ampow.com/lipo-voltage-chart/): 4.20 V full to 3.27 V empty, in steps
# of 5 % of the charge, linear between the points. At the clip's few mA the
# cell's internal resistance (~0.1-0.2 ohm) moves it by less than a millivolt,
# so the resting voltage is what the ADC sees. Used by the virtual clip's
# battery (unix port), the emulated Pico's (simulator/pico/ledger.mjs gets the
# points in its config) and the host's report (charge from a logged voltage).

CURVE_MV = (4200, 4150, 4110, 4080, 4020, 3980, 3950, 3910, 3870, 3850, 3840,
            3820, 3800, 3790, 3770, 3750, 3730, 3710, 3690, 3610, 3270)
STEP = 0.05  # of the charge between two points, from full down


def millivolts(charge):
    """The cell's voltage in mV at `charge` (1 full, 0 empty; outside that, the end points)."""
    if charge >= 1:
        return CURVE_MV[0]
    if charge <= 0:
        return CURVE_MV[-1]
    pos = (1 - charge) / STEP
    i = int(pos)
    return CURVE_MV[i] + (CURVE_MV[i + 1] - CURVE_MV[i]) * (pos - i)


def charge(mv):
    """The state of charge (0..1) that a cell at `mv` has, on the curve; the end points outside it."""
    if mv >= CURVE_MV[0]:
        return 1.0
    i = 1
    while i < len(CURVE_MV) and mv < CURVE_MV[i]:
        i += 1
    if i == len(CURVE_MV):
        return 0.0
    hi, lo = CURVE_MV[i - 1], CURVE_MV[i]
    return 1 - STEP * (i - (mv - lo) / (hi - lo))
