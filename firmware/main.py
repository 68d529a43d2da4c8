# Boot entry point on a board: read the description and settings, build the
# parts, run the loop.
#
# The host's Ctrl-C (mpremote, stepclip sync) can land anywhere, even while
# the modules still load; wherever it lands the watchdog is held for the
# REPL: a soft reset does not stop the one an earlier session started.

motor = watchdog = None
try:
    import board
    import settings
    from clip import Clip
    from hardware import build, watchdog_restarted
    from storage import Storage

    storage = Storage()
    s = settings.load(storage)
    imu, clock, motor, watchdog, io = build(board.load(storage), s)
    Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=io, watchdog_restart=watchdog_restarted()).run()
except KeyboardInterrupt:  # the host wants the REPL: the minute is logged
    from hardware import hold_watchdog

    if motor:
        motor.value(0)  # a nudge cut short must not buzz on through the sync
    hold_watchdog(watchdog)
    raise
