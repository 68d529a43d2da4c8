"""The unix-port virtual clip's battery: a LiPo drained at the board's mean current as host_tools/power.py
models it, the per-sample cost measured on the unix port and no chip ledger: a model, said so where shown."""

from host_tools import bench, power
from simulator import project


def model(board_name, charge=1.0):
    """{mah, soc, ma} for simulator/virtual_clip.py: `charge` (0..1) at power-on."""
    figures = bench.firmware_figures()
    ma = power.estimate(project.board(board_name), figures["call_equivalents"])["ma"]
    return {"mah": power.BATTERY_MAH, "soc": charge, "ma": ma}
