# Boot entry point on a board: read the description and settings, build the
# parts, run the loop.

import board
import settings
from clip import Clip
from hardware import build, hold_watchdog, watchdog_restarted
from storage import Storage

storage = Storage()
s = settings.load(storage)
imu, clock, motor, watchdog, io = build(board.load(storage), s)
try:
    Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=io, watchdog_restart=watchdog_restarted()).run()
except KeyboardInterrupt:  # the host wants the REPL (mpremote, stepclip sync): the minute is logged
    motor.value(0)  # a nudge cut short must not buzz on through the sync
    if watchdog:
        hold_watchdog(watchdog)
    raise
