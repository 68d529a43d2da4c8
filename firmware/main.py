# Boot entry point on a board: read the description and settings, build the
# parts, run the loop.

import board
import settings
from clip import Clip
from hardware import build
from storage import Storage

storage = Storage("/")
s = settings.load(storage)
imu, clock, motor, watchdog, io = build(board.load(storage), s)
Clip(imu, clock, motor, storage, s, watchdog=watchdog, board=io).run()
