# The virtual clip's interpreter starts here, as a board boots: the virtual
# hardware module first on the path, then the flash (the current folder),
# then the simulated parts; then main.py from the flash, unless the host
# asked for the raw REPL (a soft reset in raw mode skips main.py on a board).

import os
import sys

_here = sys.path[0]
sys.path[:] = [_here, "", _here + "/../chips", _here + "/../unix"]
del _here

if os.getenv("STEPCLIP_VCLIP_MAIN") == "1":
    try:
        with open("main.py") as _f:
            _main = _f.read()
    except OSError:
        _main = None
    if _main:
        exec(_main)
