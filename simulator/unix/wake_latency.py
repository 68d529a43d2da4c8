"""How long a walk's first steps wait for the IMU's full rate after stillness (issue 24, item 4).

The MPU-6050 driver puts the register model in its low-power cycle (settings still_wake_hz, motion_mg,
motion_ms) while the wearer stands; the first swing of the walk sets the motion interrupt, the INT pin
rises, and the driver is back at the full rate. The INT pin is looked at every millisecond of virtual
time, as the pin's edge would end the MCU's sleep; the I2C writes of full_rate() take no virtual time
here (on the chip: 4 register writes, about 0.4 ms at 400 kHz). Prints, per seed, the ms from the
walk's start (its first step) to the full rate, and the largest.

    .venv/bin/python -m simulator.unix.wake_latency [SEEDS]
"""

import sys
import tempfile
from pathlib import Path

from simulator import project, trace as tracemod, tracegen

STAND_S = 20


def latency_ms(seed, work):
    project.use_firmware()
    import imu_check
    import settings
    from imu.mpu6050 import MPU6050

    g = tracegen.generate([("stand", STAND_S), ("walk", 10)], rate_hz=50, seed=seed)
    stream = Path(work) / f"s{seed}.bin"
    tracemod.write_stream(tracemod.resample(tracemod.Trace("<g>", g.t, g.acc, g.gyro), 50), stream)
    clock, bus, chip = imu_check._rig("mpu6050", 0x68, str(stream), 50)
    s = settings.defaults()
    try:
        imu = MPU6050(bus, 0x68)
        clock.sleep_ms(STAND_S * 1000 - 5000)
        imu.low_power(s["still_wake_hz"], s["motion_mg"], s["motion_ms"])
        early = 0  # false wakes while standing (each would be a wake for nothing; the driver goes back)
        while True:
            clock.sleep_ms(1)
            if clock.ticks_ms() > (STAND_S + 10) * 1000:
                return None, early
            if chip.int_pin():
                if clock.ticks_ms() >= STAND_S * 1000:
                    break
                early += 1
                imu.moved()  # reading INT_STATUS lowers INT
        imu.full_rate()
        return clock.ticks_ms() - STAND_S * 1000, early
    finally:
        chip.close()


def main(argv):
    seeds = range(int(argv[0]) if argv else 10)
    worst = 0
    with tempfile.TemporaryDirectory() as work:
        for seed in seeds:
            ms, early = latency_ms(seed, work)
            said = "no wake" if ms is None else f"{ms} ms"
            if early:
                said += f" ({early} false wakes while standing)"
            print(f"seed {seed}: first step -> full rate {said}")
            worst = max(worst, ms if ms is not None else 10 ** 9)
    print(f"largest: {worst} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
