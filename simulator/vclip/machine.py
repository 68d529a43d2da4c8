# The virtual clip's `machine` module: only what a host calls on a board's
# REPL. `mpremote reset` sends machine.reset(); here it ends the interpreter
# the way a hard reset ends a board's run, and the supervisor starts a new
# one with main.py (see simulator/virtual_clip.py).

import os
import sys


def reset():
    open(os.getenv("STEPCLIP_VCLIP_RESET"), "w").close()
    sys.exit()
